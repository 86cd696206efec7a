import { defineEntity, p, type InferEntity, type Opt } from '@mikro-orm/core';
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
    /** The merchant's own id (an import handle): bulk upserts group variants into products by it. */
    externalId: p.string().length(100).nullable().unique(),
    name: p.string().length(200),
    description: p.text().nullable(),
    category: p.manyToOne(Category).nullable().index(),
    taxCategory: p.manyToOne(TaxCategory).index(),
    active: p.boolean().default(true),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  // The product list pages by name (keyset: name, id).
  indexes: [{ properties: ['name', 'id'] }],
});
export type Product = InferEntity<typeof Product>;

/** The thing that is scanned and sold: its own SKU and barcode, priced per currency (and store). */
export const Variant = defineEntity({
  name: 'Variant',
  tableName: 'variant',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    product: p.manyToOne(Product).index(),
    /** Empty for a product's only variant. */
    name: p.string().length(100).default(''),
    sku: p.string().length(64).unique(),
    barcode: p.string().length(64).nullable().unique(),
    trackStock: p.boolean().default(true),
    active: p.boolean().default(true),
    /** This variant and its product are both active: what search shows; kept by the catalog service. */
    sellable: p.boolean().default(true),
    /**
     * Product and variant name folded for search (lower case, no accents, punctuation as spaces), kept
     * by the catalog service (`searchKey` in pos-api's catalog/search.ts); also the search's sort key.
     */
    searchKey: p.text().default(''),
    /** The words of searchKey, for prefix matching with a GIN index; maintained by PostgreSQL. */
    searchVector: p
      .string()
      // Never written by the application (PostgreSQL computes it), so never required by em.create.
      .$type<Opt<string>>()
      .columnType('tsvector')
      .generated("(to_tsvector('simple', search_key)) stored")
      .lazy()
      .hidden(),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  // Search without extensions (a tenant's role can use only its own schema): words through the GIN
  // index, SKU prefixes through a pattern-ops btree (any collation), pages in searchKey order by a
  // btree that includes what the search filters on, so that walking it needs no table access. The
  // expression indexes name the table unqualified: migrations run with the tenant's search_path.
  indexes: [
    {
      name: 'variant_search_vector_index',
      expression: (columns, _table, name) =>
        `create index "${name}" on "variant" using gin (${columns.searchVector})`,
    },
    {
      name: 'variant_sku_prefix_index',
      expression: (columns, _table, name) =>
        `create index "${name}" on "variant" (lower(${columns.sku}) text_pattern_ops)`,
    },
    {
      name: 'variant_search_walk_index',
      expression: (columns, _table, name) =>
        `create index "${name}" on "variant" (${columns.searchKey}, ${columns.id}) include (${columns.searchVector}, ${columns.sku}, ${columns.sellable})`,
    },
  ],
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
