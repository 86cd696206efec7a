import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Store } from './store.ts';

// The catalog: what a tenant sells. Money is integer minor units of an ISO 4217 currency; tax rates
// are decimal percent strings ("19", "8.875") as the pricing engine (@cloudpos/pricing) takes them.
// Every editable row carries a version for optimistic concurrency (ETag / If-Match).

/** One tax (VAT 19 %, state sales tax 6.25 %...), inclusive (in the price) or additive (on top). */
export const TaxRate = defineEntity({
  name: 'TaxRate',
  tableName: 'tax_rate',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    code: p.string().length(32).unique(),
    name: p.string().length(100),
    /** Percent as exact decimal text, e.g. "19" or "8.875". */
    rate: p.decimal('string').precision(9).scale(6),
    inclusive: p.boolean(),
    active: p.boolean().default(true),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export type TaxRate = InferEntity<typeof TaxRate>;

/** What a product is taxed as ("food", "standard"): the rates that apply to it, in order. */
export const TaxCategory = defineEntity({
  name: 'TaxCategory',
  tableName: 'tax_category',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    code: p.string().length(32).unique(),
    name: p.string().length(100),
    /** Ids of TaxRate rows; several apply at once (state + city), checked by the catalog service. */
    taxRateIds: p.json<string[]>(),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export type TaxCategory = InferEntity<typeof TaxCategory>;

/** A shelf of the catalog, optionally inside another. */
export const Category = defineEntity({
  name: 'Category',
  tableName: 'category',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(100),
    parentId: p.uuid().nullable(),
    position: p.integer().default(0),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export type Category = InferEntity<typeof Category>;

/** What a customer recognises (a "Latte"); sold as one or more variants ("Small", "Large"). */
export const Product = defineEntity({
  name: 'Product',
  tableName: 'product',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    description: p.text().nullable(),
    category: p.manyToOne(Category).nullable(),
    taxCategory: p.manyToOne(TaxCategory),
    active: p.boolean().default(true),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export type Product = InferEntity<typeof Product>;

/** The thing that is scanned and sold: its own SKU and barcode, priced per currency (and store). */
export const Variant = defineEntity({
  name: 'Variant',
  tableName: 'variant',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    product: p.manyToOne(Product),
    /** Empty for a product's only variant. */
    name: p.string().length(100).default(''),
    sku: p.string().length(64).unique(),
    barcode: p.string().length(64).nullable().unique(),
    trackStock: p.boolean().default(true),
    active: p.boolean().default(true),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export type Variant = InferEntity<typeof Variant>;

/** A variant's price in one currency, for every store (store null) or one store (overrides). */
export const Price = defineEntity({
  name: 'Price',
  tableName: 'price',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    variant: p.manyToOne(Variant).index(),
    currency: p.string().length(3),
    store: p.manyToOne(Store).nullable(),
    /** Minor units, tax-inclusive or not as the variant's tax rates say. */
    amount: p.bigint('number'),
    version: p.integer().version(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [{ properties: ['variant', 'currency', 'store'] }],
});
export type Price = InferEntity<typeof Price>;
