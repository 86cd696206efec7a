// The catalog: tax rates and categories, categories, products with their variants, and prices per
// currency and optionally per store. Every function takes the request's context first. Every change
// runs in one transaction that locks the row it changes, checks the version the client read
// (If-Match), and writes one outbox event per changed row in the same transaction.
//
// For checkout: `priceVariants` resolves variants (by id, SKU or barcode) with their unit price in a
// store and their tax rates in one query; `lookupBarcode` does it for one scanned code.
import { Category, Price, Product, Store, TaxCategory, TaxRate, Variant } from '@cloudpos/tenant-db';
import {
  ForeignKeyConstraintViolationException,
  LockMode,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { query, statementText } from '../db/sql.ts';
import { problem } from '../errors.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { recordCatalogEvents, type CatalogEvent } from './events.ts';
import { catalogProblem, type CatalogProblemCode, type FieldError } from './problems.ts';
import { variantSearchKey } from './search.ts';
import {
  decodeCursor,
  displayName,
  encodeCursor,
  priceLateral,
  storeCtes,
  tableOf,
  UUID_PATTERN,
  type StoreScope,
} from './sql.ts';

// ---------------------------------------------------------------------------------------------------
// Views: what the API returns (and what events and checkout see).

export interface TaxRateView {
  id: string;
  code: string;
  name: string;
  /** Percent as exact decimal text without trailing zeros ("19", "8.875"), as @cloudpos/pricing takes it. */
  rate: string;
  inclusive: boolean;
  active: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface TaxCategoryView {
  id: string;
  code: string;
  name: string;
  /** Applied together, in this order. */
  taxRateIds: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface CategoryView {
  id: string;
  name: string;
  parentId: string | null;
  position: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface PriceView {
  id: string;
  variantId: string;
  currency: string;
  /** null: the price in every store without a price of its own. */
  storeId: string | null;
  /** Minor units of `currency`. */
  amount: number;
  version: number;
  updatedAt: string;
}

export interface VariantView {
  id: string;
  productId: string;
  name: string;
  sku: string;
  barcode: string | null;
  trackStock: boolean;
  active: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  prices: PriceView[];
}

export interface ProductView {
  id: string;
  externalId: string | null;
  name: string;
  description: string | null;
  categoryId: string | null;
  taxCategoryId: string;
  active: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  variants: VariantView[];
}

// ---------------------------------------------------------------------------------------------------
// Inputs

/** The version a client read (the ETag it sends as If-Match); `*` matches any version. */
export type ExpectedVersion = number | '*';

export interface NewTaxRate {
  code: string;
  name: string;
  rate: string;
  inclusive: boolean;
  active?: boolean;
}
export type TaxRatePatch = Partial<NewTaxRate>;

export interface NewTaxCategory {
  code: string;
  name: string;
  taxRateIds: string[];
}
export type TaxCategoryPatch = Partial<NewTaxCategory>;

export interface NewCategory {
  name: string;
  parentId?: string | null;
  position?: number;
}
export type CategoryPatch = Partial<NewCategory>;

export interface NewPrice {
  /** Defaults to the store's currency, else the tenant's. */
  currency?: string;
  storeId?: string | null;
  amount: number;
}

export interface NewVariant {
  name?: string;
  sku: string;
  barcode?: string | null;
  trackStock?: boolean;
  active?: boolean;
  prices?: NewPrice[];
}
export type VariantPatch = Partial<Omit<NewVariant, 'prices'>>;

export interface NewProduct {
  externalId?: string | null;
  name: string;
  description?: string | null;
  categoryId?: string | null;
  taxCategoryId: string;
  active?: boolean;
  variants: NewVariant[];
}
export type ProductPatch = Partial<Omit<NewProduct, 'variants'>>;

export interface PricePatch {
  amount: number;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

const iso = (date: Date) => date.toISOString();

/** "19.000000" (numeric(9,6)) → "19"; "08.50" → "8.5". */
export function normalizeRate(rate: string): string {
  const [whole = '0', fraction = ''] = rate.split('.');
  const integer = whole.replace(/^0+(?=\d)/, '');
  const decimals = fraction.replace(/0+$/, '');
  return decimals ? `${integer}.${decimals}` : integer;
}

function taxRateView(rate: TaxRate): TaxRateView {
  return {
    id: rate.id,
    code: rate.code,
    name: rate.name,
    rate: normalizeRate(rate.rate),
    inclusive: rate.inclusive,
    active: rate.active,
    version: rate.version,
    createdAt: iso(rate.createdAt),
    updatedAt: iso(rate.updatedAt),
  };
}

function taxCategoryView(category: TaxCategory): TaxCategoryView {
  return {
    id: category.id,
    code: category.code,
    name: category.name,
    taxRateIds: category.taxRateIds,
    version: category.version,
    createdAt: iso(category.createdAt),
    updatedAt: iso(category.updatedAt),
  };
}

function categoryView(category: Category): CategoryView {
  return {
    id: category.id,
    name: category.name,
    parentId: category.parentId ?? null,
    position: category.position,
    version: category.version,
    createdAt: iso(category.createdAt),
    updatedAt: iso(category.updatedAt),
  };
}

function priceView(price: Price): PriceView {
  return {
    id: price.id,
    variantId: price.variant.id,
    currency: price.currency,
    storeId: price.store?.id ?? null,
    amount: price.amount,
    version: price.version,
    updatedAt: iso(price.updatedAt),
  };
}

function variantView(variant: Variant, prices: Price[]): VariantView {
  return {
    id: variant.id,
    productId: variant.product.id,
    name: variant.name,
    sku: variant.sku,
    barcode: variant.barcode ?? null,
    trackStock: variant.trackStock,
    active: variant.active,
    version: variant.version,
    createdAt: iso(variant.createdAt),
    updatedAt: iso(variant.updatedAt),
    prices: prices.map(priceView),
  };
}

function productView(product: Product, variants: VariantView[]): ProductView {
  return {
    id: product.id,
    externalId: product.externalId ?? null,
    name: product.name,
    description: product.description ?? null,
    categoryId: product.category?.id ?? null,
    taxCategoryId: product.taxCategory.id,
    active: product.active,
    version: product.version,
    createdAt: iso(product.createdAt),
    updatedAt: iso(product.updatedAt),
    variants,
  };
}

function assertVersion(what: string, current: number, expected: ExpectedVersion): void {
  if (expected !== '*' && expected !== current) {
    throw catalogProblem(
      'version_conflict',
      `${what} is at version ${current}, the request read ${expected}`,
      {
        currentVersion: current,
      },
    );
  }
}

const UNIQUE_PROBLEMS: Record<string, CatalogProblemCode> = {
  tax_rate_code_unique: 'tax_rate_code_taken',
  tax_category_code_unique: 'tax_category_code_taken',
  variant_sku_unique: 'sku_taken',
  variant_barcode_unique: 'barcode_taken',
  product_external_id_unique: 'external_id_taken',
  price_variant_id_currency_store_id_unique: 'price_exists',
};

/**
 * Runs a write; a unique violation becomes its catalog problem (`sku_taken`...), with PostgreSQL's
 * detail. Given the context, a taken barcode names the SKU that has it (read after the rollback).
 */
export async function translateConstraintErrors<T>(run: () => Promise<T>, ctx?: RequestContext): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      const { constraint, detail } = error as unknown as { constraint?: string; detail?: string };
      const code = constraint ? UNIQUE_PROBLEMS[constraint] : undefined;
      if (code === 'barcode_taken' && ctx) throw await barcodeTaken(ctx, detail);
      if (code) throw catalogProblem(code, detail);
    }
    if (error instanceof ForeignKeyConstraintViolationException) {
      // A referenced row went away between our check and the write (or a row still referenced).
      const { detail } = error as unknown as { detail?: string };
      throw catalogProblem('unknown_reference', detail);
    }
    throw error;
  }
}

/** One transaction that maps constraint violations to problems. */
function write<T>(ctx: RequestContext, run: (em: EntityManager) => Promise<T>): Promise<T> {
  return translateConstraintErrors(() => ctx.em.transactional(run), ctx);
}

/** `barcode_taken`, naming the variant that already has the barcode PostgreSQL's detail quotes. */
async function barcodeTaken(ctx: RequestContext, detail: string | undefined) {
  const barcode = /^Key \(barcode\)=\((.*)\) already exists\.?$/s.exec(detail ?? '')?.[1];
  const owner = barcode
    ? await ctx.em.execute<{ sku: string }[]>(
        `select sku from ${tableOf(ctx, 'variant')} where barcode = ?`,
        [barcode],
      )
    : [];
  return owner[0]
    ? catalogProblem('barcode_taken', `barcode ${barcode} already belongs to SKU ${owner[0].sku}`, {
        sku: owner[0].sku,
      })
    : catalogProblem('barcode_taken', detail);
}

function notFound(code: CatalogProblemCode, id: string): never {
  throw catalogProblem(code, `there is no ${code.replace(/_not_found$/, '').replace('_', ' ')} ${id}`);
}

function referenceError(errors: FieldError[]): never {
  throw catalogProblem(
    'unknown_reference',
    errors.map((error) => `${error.path}: ${error.message}`).join('; '),
    { errors },
  );
}

/** Prices by currency, the all-stores price before the stores' own. */
function byPriceKey(a: Price, b: Price): number {
  if (a.currency !== b.currency) return a.currency < b.currency ? -1 : 1;
  const storeA = a.store?.id ?? '';
  const storeB = b.store?.id ?? '';
  return storeA === storeB ? 0 : storeA < storeB ? -1 : 1;
}

const lockForUpdate = { lockMode: LockMode.PESSIMISTIC_WRITE } as const;
const lockForShare = { lockMode: LockMode.PESSIMISTIC_READ } as const;

/**
 * Locks the product of a variant, then the variant. Always product before variant (as a product's
 * rename, which rewrites its variants' search keys, and bulk upserts do), so that they cannot deadlock.
 */
async function lockVariant(
  ctx: RequestContext,
  em: EntityManager,
  id: string,
  productLock: typeof lockForUpdate | typeof lockForShare,
): Promise<{ product: Product; variant: Variant } | undefined> {
  const [row] = await em.execute<{ product_id: string }[]>(
    `select product_id from ${tableOf(ctx, 'variant')} where id = ?`,
    [id],
  );
  if (!row) return undefined;
  const product = await em.findOne(Product, { id: row.product_id }, productLock);
  const variant = await em.findOne(Variant, { id }, lockForUpdate);
  return product && variant ? { product, variant } : undefined;
}

/** Sets the properties of `patch` that differ; whether anything changed. */
function applyPatch<T extends object>(entity: T, patch: Partial<Record<keyof T, unknown>>): boolean {
  let changed = false;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = (entity as Record<string, unknown>)[key];
    if (JSON.stringify(current) === JSON.stringify(value)) continue;
    (entity as Record<string, unknown>)[key] = value;
    changed = true;
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------------
// Tax rates

export async function listTaxRates(ctx: RequestContext): Promise<TaxRateView[]> {
  const rates = await ctx.em.find(TaxRate, {}, { orderBy: { code: 'asc' } });
  return rates.map(taxRateView);
}

export async function getTaxRate(ctx: RequestContext, id: string): Promise<TaxRateView> {
  const rate = await ctx.em.findOne(TaxRate, { id });
  if (!rate) notFound('tax_rate_not_found', id);
  return taxRateView(rate);
}

export async function createTaxRate(ctx: RequestContext, input: NewTaxRate): Promise<TaxRateView> {
  return write(ctx, async (em) => {
    const rate = em.create(TaxRate, {
      id: randomUUID(),
      code: input.code,
      name: input.name,
      rate: normalizeRate(input.rate),
      inclusive: input.inclusive,
      active: input.active ?? true,
    });
    await em.flush();
    await recordCatalogEvents(ctx, em, [
      {
        entity: 'tax_rate',
        change: 'changed',
        payload: { id: rate.id, version: rate.version, code: rate.code },
      },
    ]);
    return taxRateView(rate);
  });
}

export async function updateTaxRate(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
  patch: TaxRatePatch,
): Promise<TaxRateView> {
  return write(ctx, async (em) => {
    const rate = await em.findOne(TaxRate, { id }, lockForUpdate);
    if (!rate) notFound('tax_rate_not_found', id);
    assertVersion(`tax rate ${id}`, rate.version, expected);
    // numeric(9,6) reads back as "19.000000": "19" is no change.
    const { rate: newRate, ...fields } = patch;
    let changed = applyPatch(rate, fields);
    if (newRate !== undefined && normalizeRate(newRate) !== normalizeRate(rate.rate)) {
      rate.rate = normalizeRate(newRate);
      changed = true;
    }
    if (changed) {
      rate.updatedAt = new Date();
      await em.flush();
      await recordCatalogEvents(ctx, em, [
        { entity: 'tax_rate', change: 'changed', payload: { id, version: rate.version, code: rate.code } },
      ]);
    }
    return taxRateView(rate);
  });
}

export async function deleteTaxRate(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
): Promise<void> {
  await write(ctx, async (em) => {
    const rate = await em.findOne(TaxRate, { id }, lockForUpdate);
    if (!rate) notFound('tax_rate_not_found', id);
    assertVersion(`tax rate ${id}`, rate.version, expected);
    const [use] = await em.execute<{ used: boolean }[]>(
      `select exists(select 1 from ${tableOf(ctx, 'tax_category')} where tax_rate_ids @> ?::jsonb) as used`,
      [JSON.stringify([id])],
    );
    if (use?.used)
      throw catalogProblem('tax_rate_in_use', `tax categories still apply tax rate ${rate.code}`);
    em.remove(rate);
    await recordCatalogEvents(ctx, em, [
      { entity: 'tax_rate', change: 'deleted', payload: { id, version: rate.version, code: rate.code } },
    ]);
  });
}

// ---------------------------------------------------------------------------------------------------
// Tax categories

async function checkTaxRateIds(em: EntityManager, ids: string[], path: string): Promise<void> {
  const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (duplicates.length > 0) {
    throw catalogProblem('conflicting_input', `tax rate ${duplicates[0]} is listed twice`, {
      errors: [{ path, message: `tax rate ${duplicates[0]} is listed twice` }],
    });
  }
  if (ids.length === 0) return;
  const found = await em.find(TaxRate, { id: { $in: ids } }, { fields: ['id'] });
  const known = new Set(found.map((rate) => rate.id));
  const errors = ids
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => !known.has(id))
    .map(({ id, index }) => ({ path: `${path}/${index}`, message: `there is no tax rate ${id}` }));
  if (errors.length > 0) referenceError(errors);
}

export async function listTaxCategories(ctx: RequestContext): Promise<TaxCategoryView[]> {
  const categories = await ctx.em.find(TaxCategory, {}, { orderBy: { code: 'asc' } });
  return categories.map(taxCategoryView);
}

export async function getTaxCategory(ctx: RequestContext, id: string): Promise<TaxCategoryView> {
  const category = await ctx.em.findOne(TaxCategory, { id });
  if (!category) notFound('tax_category_not_found', id);
  return taxCategoryView(category);
}

export async function createTaxCategory(
  ctx: RequestContext,
  input: NewTaxCategory,
): Promise<TaxCategoryView> {
  return write(ctx, async (em) => {
    await checkTaxRateIds(em, input.taxRateIds, '/taxRateIds');
    const category = em.create(TaxCategory, {
      id: randomUUID(),
      code: input.code,
      name: input.name,
      taxRateIds: input.taxRateIds,
    });
    await em.flush();
    await recordCatalogEvents(ctx, em, [
      {
        entity: 'tax_category',
        change: 'changed',
        payload: { id: category.id, version: category.version, code: category.code },
      },
    ]);
    return taxCategoryView(category);
  });
}

export async function updateTaxCategory(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
  patch: TaxCategoryPatch,
): Promise<TaxCategoryView> {
  return write(ctx, async (em) => {
    const category = await em.findOne(TaxCategory, { id }, lockForUpdate);
    if (!category) notFound('tax_category_not_found', id);
    assertVersion(`tax category ${id}`, category.version, expected);
    if (patch.taxRateIds) await checkTaxRateIds(em, patch.taxRateIds, '/taxRateIds');
    if (applyPatch(category, patch)) {
      category.updatedAt = new Date();
      await em.flush();
      await recordCatalogEvents(ctx, em, [
        {
          entity: 'tax_category',
          change: 'changed',
          payload: { id, version: category.version, code: category.code },
        },
      ]);
    }
    return taxCategoryView(category);
  });
}

export async function deleteTaxCategory(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
): Promise<void> {
  await write(ctx, async (em) => {
    const category = await em.findOne(TaxCategory, { id }, lockForUpdate);
    if (!category) notFound('tax_category_not_found', id);
    assertVersion(`tax category ${id}`, category.version, expected);
    if ((await em.count(Product, { taxCategory: id })) > 0) {
      throw catalogProblem('tax_category_in_use', `products are taxed as ${category.code}`);
    }
    em.remove(category);
    await recordCatalogEvents(ctx, em, [
      {
        entity: 'tax_category',
        change: 'deleted',
        payload: { id, version: category.version, code: category.code },
      },
    ]);
  });
}

// ---------------------------------------------------------------------------------------------------
// Categories

export async function listCategories(ctx: RequestContext): Promise<CategoryView[]> {
  const categories = await ctx.em.find(
    Category,
    {},
    { orderBy: { position: 'asc', name: 'asc', id: 'asc' } },
  );
  return categories.map(categoryView);
}

export async function getCategory(ctx: RequestContext, id: string): Promise<CategoryView> {
  const category = await ctx.em.findOne(Category, { id });
  if (!category) notFound('category_not_found', id);
  return categoryView(category);
}

export async function createCategory(ctx: RequestContext, input: NewCategory): Promise<CategoryView> {
  return write(ctx, async (em) => {
    if (input.parentId && !(await em.findOne(Category, { id: input.parentId }, { fields: ['id'] }))) {
      referenceError([{ path: '/parentId', message: `there is no category ${input.parentId}` }]);
    }
    const category = em.create(Category, {
      id: randomUUID(),
      name: input.name,
      parentId: input.parentId ?? null,
      position: input.position ?? 0,
    });
    await em.flush();
    await recordCatalogEvents(ctx, em, [
      { entity: 'category', change: 'changed', payload: { id: category.id, version: category.version } },
    ]);
    return categoryView(category);
  });
}

export async function updateCategory(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
  patch: CategoryPatch,
): Promise<CategoryView> {
  return write(ctx, async (em) => {
    const category = await em.findOne(Category, { id }, lockForUpdate);
    if (!category) notFound('category_not_found', id);
    assertVersion(`category ${id}`, category.version, expected);
    if (patch.parentId) {
      // The new parent must exist and must not be the category or one of its descendants.
      const [chain] = await em.execute<{ found: boolean; cycle: boolean }[]>(
        `with recursive up as (
           select id, parent_id, 1 as depth from ${tableOf(ctx, 'category')} where id = ?
           union all
           select c.id, c.parent_id, up.depth + 1 from ${tableOf(ctx, 'category')} c
           join up on c.id = up.parent_id where up.depth < 1000
         )
         select exists(select 1 from up) as found, exists(select 1 from up where id = ?) as cycle`,
        [patch.parentId, id],
      );
      if (!chain?.found)
        referenceError([{ path: '/parentId', message: `there is no category ${patch.parentId}` }]);
      if (chain.cycle) throw catalogProblem('category_cycle', `category ${patch.parentId} is inside ${id}`);
    }
    if (applyPatch(category, patch)) {
      category.updatedAt = new Date();
      await em.flush();
      await recordCatalogEvents(ctx, em, [
        { entity: 'category', change: 'changed', payload: { id, version: category.version } },
      ]);
    }
    return categoryView(category);
  });
}

/** Products in the category keep existing without one (the foreign key sets it to null). */
export async function deleteCategory(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
): Promise<void> {
  await write(ctx, async (em) => {
    const category = await em.findOne(Category, { id }, lockForUpdate);
    if (!category) notFound('category_not_found', id);
    assertVersion(`category ${id}`, category.version, expected);
    if ((await em.count(Category, { parentId: id })) > 0) {
      throw catalogProblem(
        'category_has_children',
        `move or delete the subcategories of ${category.name} first`,
      );
    }
    em.remove(category);
    await recordCatalogEvents(ctx, em, [
      { entity: 'category', change: 'deleted', payload: { id, version: category.version } },
    ]);
  });
}

// ---------------------------------------------------------------------------------------------------
// Products, variants and prices

/** Loads the variants and prices of products: two queries whatever the number of products. */
async function productViews(em: EntityManager, products: Product[]): Promise<ProductView[]> {
  if (products.length === 0) return [];
  const variants = await em.find(
    Variant,
    { product: { $in: products.map((product) => product.id) } },
    { orderBy: { createdAt: 'asc', sku: 'asc' } },
  );
  const prices = await pricesOf(em, variants);
  const byProduct = new Map<string, VariantView[]>();
  for (const variant of variants) {
    const list = byProduct.get(variant.product.id) ?? [];
    list.push(variantView(variant, prices.get(variant.id) ?? []));
    byProduct.set(variant.product.id, list);
  }
  return products.map((product) => productView(product, byProduct.get(product.id) ?? []));
}

async function pricesOf(em: EntityManager, variants: Variant[]): Promise<Map<string, Price[]>> {
  const byVariant = new Map<string, Price[]>();
  if (variants.length === 0) return byVariant;
  const prices = await em.find(
    Price,
    { variant: { $in: variants.map((variant) => variant.id) } },
    { orderBy: { currency: 'asc', store: { id: 'asc' } } },
  );
  for (const price of prices) {
    const list = byVariant.get(price.variant.id) ?? [];
    list.push(price);
    byVariant.set(price.variant.id, list);
  }
  for (const list of byVariant.values()) list.sort(byPriceKey);
  return byVariant;
}

export interface ProductListQuery {
  limit: number;
  cursor?: string;
  categoryId?: string;
  active?: boolean;
}

export interface ProductPage {
  items: ProductView[];
  next: string | null;
}

/** Products by name (then id), a page at a time (keyset: stable while the catalog does not change). */
export async function listProducts(ctx: RequestContext, query: ProductListQuery): Promise<ProductPage> {
  let after: string[] | undefined;
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor, 2);
    if (!after || !UUID_PATTERN.test(after[1]!)) throw catalogProblem('invalid_cursor');
  }
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (query.categoryId) {
    conditions.push('category_id = ?');
    params.push(query.categoryId);
  }
  if (query.active !== undefined) {
    conditions.push('active = ?');
    params.push(query.active);
  }
  if (after) {
    conditions.push('(name, id) > (?, ?::uuid)');
    params.push(after[0], after[1]);
  }
  params.push(query.limit + 1);
  const rows = await ctx.em.execute<{ id: string }[]>(
    `select id from ${tableOf(ctx, 'product')}
     ${conditions.length > 0 ? `where ${conditions.join(' and ')}` : ''}
     order by name, id limit ?`,
    params,
  );
  const ids = rows.slice(0, query.limit).map((row) => row.id);
  const products = ids.length === 0 ? [] : await ctx.em.find(Product, { id: { $in: ids } });
  const byId = new Map(products.map((product) => [product.id, product]));
  const ordered = ids.map((id) => byId.get(id)).filter((product) => product !== undefined);
  const last = ordered.at(-1);
  return {
    items: await productViews(ctx.em, ordered),
    next: rows.length > query.limit && last ? encodeCursor([last.name, last.id]) : null,
  };
}

export async function getProduct(ctx: RequestContext, id: string): Promise<ProductView> {
  const product = await ctx.em.findOne(Product, { id });
  if (!product) notFound('product_not_found', id);
  const [view] = await productViews(ctx.em, [product]);
  return view!;
}

interface StoreInfo {
  id: string;
  currency: string;
}

/** Checks the product-level references of an input; errors point into the request body. */
async function checkProductReferences(
  em: EntityManager,
  input: { taxCategoryId?: string | undefined; categoryId?: string | null | undefined },
): Promise<void> {
  const errors: FieldError[] = [];
  if (
    input.taxCategoryId &&
    !(await em.findOne(TaxCategory, { id: input.taxCategoryId }, { fields: ['id'] }))
  ) {
    errors.push({ path: '/taxCategoryId', message: `there is no tax category ${input.taxCategoryId}` });
  }
  if (input.categoryId && !(await em.findOne(Category, { id: input.categoryId }, { fields: ['id'] }))) {
    errors.push({ path: '/categoryId', message: `there is no category ${input.categoryId}` });
  }
  if (errors.length > 0) referenceError(errors);
}

/** The stores prices name (one query); unknown ones are errors at their path. */
async function storesOf(
  em: EntityManager,
  prices: { path: string; price: NewPrice }[],
): Promise<Map<string, StoreInfo>> {
  const ids = [...new Set(prices.map(({ price }) => price.storeId).filter((id) => typeof id === 'string'))];
  const stores =
    ids.length === 0 ? [] : await em.find(Store, { id: { $in: ids } }, { fields: ['id', 'currency'] });
  const byId = new Map(stores.map((store) => [store.id, { id: store.id, currency: store.currency }]));
  const errors = prices
    .filter(({ price }) => price.storeId && !byId.has(price.storeId))
    .map(({ path, price }) => ({ path: `${path}/storeId`, message: `there is no store ${price.storeId}` }));
  if (errors.length > 0) referenceError(errors);
  return byId;
}

/** The currency a new price is in: as given, else its store's, else the tenant's. */
function priceCurrency(ctx: RequestContext, price: NewPrice, stores: Map<string, StoreInfo>): string {
  return (
    price.currency ?? (price.storeId ? stores.get(price.storeId)?.currency : undefined) ?? ctx.tenant.currency
  );
}

/** Twice the same SKU, barcode, or price key inside one request. */
function checkVariantDuplicates(ctx: RequestContext, variants: NewVariant[], base: string): void {
  const errors: FieldError[] = [];
  const seen = new Map<string, string>();
  variants.forEach((variant, index) => {
    const path = `${base}/${index}`;
    for (const [kind, value] of [
      ['sku', variant.sku],
      ['barcode', variant.barcode],
    ] as const) {
      if (!value) continue;
      const key = `${kind}:${value}`;
      if (seen.has(key))
        errors.push({ path: `${path}/${kind}`, message: `${kind} ${value} is also at ${seen.get(key)}` });
      else seen.set(key, `${path}/${kind}`);
    }
    const priceKeys = new Set<string>();
    variant.prices?.forEach((price, priceIndex) => {
      const key = `${price.currency ?? ''}/${price.storeId ?? ''}`;
      if (priceKeys.has(key)) {
        errors.push({
          path: `${path}/prices/${priceIndex}`,
          message: `a second price for currency ${price.currency ?? ctx.tenant.currency} and store ${price.storeId ?? 'all'}`,
        });
      }
      priceKeys.add(key);
    });
  });
  if (errors.length > 0) {
    throw catalogProblem('conflicting_input', errors.map((error) => error.message).join('; '), { errors });
  }
}

/** Creates variants (and their prices) of `product` in `em`; returns the events they make. */
async function createVariants(
  ctx: RequestContext,
  em: EntityManager,
  product: Product,
  inputs: { path: string; variant: NewVariant }[],
): Promise<{ variants: Variant[]; prices: Price[] }> {
  const stores = await storesOf(
    em,
    inputs.flatMap(({ path, variant }) =>
      (variant.prices ?? []).map((price, index) => ({ path: `${path}/prices/${index}`, price })),
    ),
  );
  const variants: Variant[] = [];
  const prices: Price[] = [];
  for (const { variant: input } of inputs) {
    const variant = em.create(Variant, {
      id: randomUUID(),
      product,
      name: input.name ?? '',
      sku: input.sku,
      barcode: input.barcode ?? null,
      trackStock: input.trackStock ?? true,
      active: input.active ?? true,
      searchKey: variantSearchKey(product.name, input.name ?? ''),
      sellable: (input.active ?? true) && product.active,
    });
    variants.push(variant);
    for (const price of input.prices ?? []) {
      prices.push(
        em.create(Price, {
          id: randomUUID(),
          variant,
          currency: priceCurrency(ctx, price, stores),
          store: price.storeId ?? null,
          amount: price.amount,
        }),
      );
    }
  }
  return { variants, prices };
}

const variantEvent = (variant: Variant, change: 'changed' | 'deleted' = 'changed'): CatalogEvent => ({
  entity: 'variant',
  change,
  payload: { id: variant.id, version: variant.version, productId: variant.product.id, sku: variant.sku },
});

const priceEvent = (price: Price, change: 'changed' | 'deleted' = 'changed'): CatalogEvent => ({
  entity: 'price',
  change,
  payload: {
    id: price.id,
    version: price.version,
    variantId: price.variant.id,
    currency: price.currency,
    storeId: price.store?.id ?? null,
  },
});

const productEvent = (product: Product, change: 'changed' | 'deleted' = 'changed'): CatalogEvent => ({
  entity: 'product',
  change,
  payload: { id: product.id, version: product.version },
});

/** A product with its variants (at least one) and their prices, in one transaction. */
export async function createProduct(ctx: RequestContext, input: NewProduct): Promise<ProductView> {
  checkVariantDuplicates(ctx, input.variants, '/variants');
  return write(ctx, async (em) => {
    await checkProductReferences(em, input);
    const product = em.create(Product, {
      id: randomUUID(),
      externalId: input.externalId ?? null,
      name: input.name,
      description: input.description ?? null,
      category: input.categoryId ?? null,
      taxCategory: input.taxCategoryId,
      active: input.active ?? true,
    });
    const { variants, prices } = await createVariants(
      ctx,
      em,
      product,
      input.variants.map((variant, index) => ({ path: `/variants/${index}`, variant })),
    );
    await em.flush();
    await recordCatalogEvents(ctx, em, [
      productEvent(product),
      ...variants.map((variant) => variantEvent(variant)),
      ...prices.map((price) => priceEvent(price)),
    ]);
    // As reads list them: by creation time, which is one for all of them here, then SKU.
    return productView(
      product,
      [...variants]
        .sort((a, b) => (a.sku < b.sku ? -1 : 1))
        .map((variant) =>
          variantView(variant, prices.filter((price) => price.variant === variant).sort(byPriceKey)),
        ),
    );
  });
}

/**
 * Rewrites what a product's variants derive from it, after it was renamed or (de)activated: their
 * search keys and `sellable` (one statement; the variants' own versions do not change).
 */
async function refreshVariantSearch(ctx: RequestContext, em: EntityManager, product: Product): Promise<void> {
  const variants = await em.execute<{ id: string; name: string; active: boolean }[]>(
    `select id, name, active from ${tableOf(ctx, 'variant')} where product_id = ? for update`,
    [product.id],
  );
  if (variants.length === 0) return;
  await em.execute(
    `update ${tableOf(ctx, 'variant')} v set search_key = x.key, sellable = x.sellable
     from jsonb_to_recordset(?::jsonb) as x(id uuid, key text, sellable boolean) where v.id = x.id`,
    [
      JSON.stringify(
        variants.map((variant) => ({
          id: variant.id,
          key: variantSearchKey(product.name, variant.name),
          sellable: variant.active && product.active,
        })),
      ),
    ],
  );
}

export async function updateProduct(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
  patch: ProductPatch,
): Promise<ProductView> {
  return write(ctx, async (em) => {
    const product = await em.findOne(Product, { id }, lockForUpdate);
    if (!product) notFound('product_not_found', id);
    assertVersion(`product ${id}`, product.version, expected);
    await checkProductReferences(em, patch);
    const searchChanged =
      (patch.name !== undefined && patch.name !== product.name) ||
      (patch.active !== undefined && patch.active !== product.active);
    const { categoryId, taxCategoryId, ...fields } = patch;
    let changed = applyPatch(product, fields);
    if (categoryId !== undefined && categoryId !== (product.category?.id ?? null)) {
      product.category = categoryId === null ? null : em.getReference(Category, categoryId);
      changed = true;
    }
    if (taxCategoryId !== undefined && taxCategoryId !== product.taxCategory.id) {
      product.taxCategory = em.getReference(TaxCategory, taxCategoryId);
      changed = true;
    }
    if (changed) {
      product.updatedAt = new Date();
      await em.flush();
      if (searchChanged) await refreshVariantSearch(ctx, em, product);
      await recordCatalogEvents(ctx, em, [productEvent(product)]);
    }
    const [view] = await productViews(em, [product]);
    return view!;
  });
}

/** Whether sales or stock movements name any of the variants (they must then stay, deactivated). */
async function hasHistory(ctx: RequestContext, em: EntityManager, variantIds: string[]): Promise<boolean> {
  if (variantIds.length === 0) return false;
  const [row] = await em.execute<{ used: boolean }[]>(
    `select exists(select 1 from ${tableOf(ctx, 'sale_line')} where variant_id = any(?::uuid[]))
         or exists(select 1 from ${tableOf(ctx, 'stock_movement')} where variant_id = any(?::uuid[])) as used`,
    [`{${variantIds.join(',')}}`, `{${variantIds.join(',')}}`],
  );
  return row?.used === true;
}

/** Deletes a product that was never sold (variants, prices and stock levels with it). */
export async function deleteProduct(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
): Promise<void> {
  await write(ctx, async (em) => {
    const product = await em.findOne(Product, { id }, lockForUpdate);
    if (!product) notFound('product_not_found', id);
    assertVersion(`product ${id}`, product.version, expected);
    const variants = await em.find(Variant, { product: id }, lockForUpdate);
    if (
      await hasHistory(
        ctx,
        em,
        variants.map((variant) => variant.id),
      )
    ) {
      throw catalogProblem('product_sold', `product ${product.name} was sold or has stock history`);
    }
    const prices = (await pricesOf(em, variants)).values();
    const events: CatalogEvent[] = [];
    for (const list of prices) {
      for (const price of list) {
        events.push(priceEvent(price, 'deleted'));
        em.remove(price);
      }
    }
    for (const variant of variants) {
      events.push(variantEvent(variant, 'deleted'));
      em.remove(variant);
    }
    events.push(productEvent(product, 'deleted'));
    em.remove(product);
    await em.flush();
    await recordCatalogEvents(ctx, em, events);
  });
}

export async function getVariant(ctx: RequestContext, id: string): Promise<VariantView> {
  const variant = await ctx.em.findOne(Variant, { id });
  if (!variant) notFound('variant_not_found', id);
  const prices = await pricesOf(ctx.em, [variant]);
  return variantView(variant, prices.get(id) ?? []);
}

/** Adds a variant (with prices) to a product; no If-Match (nothing existing changes). */
export async function addVariant(
  ctx: RequestContext,
  productId: string,
  input: NewVariant,
): Promise<VariantView> {
  checkVariantDuplicates(ctx, [input], '');
  return write(ctx, async (em) => {
    // Shared: the product's name goes into the search key and must not change meanwhile.
    const product = await em.findOne(Product, { id: productId }, lockForShare);
    if (!product) notFound('product_not_found', productId);
    const { variants, prices } = await createVariants(ctx, em, product, [{ path: '', variant: input }]);
    await em.flush();
    await recordCatalogEvents(ctx, em, [
      ...variants.map((variant) => variantEvent(variant)),
      ...prices.map((price) => priceEvent(price)),
    ]);
    return variantView(variants[0]!, prices.sort(byPriceKey));
  });
}

export async function updateVariant(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
  patch: VariantPatch,
): Promise<VariantView> {
  return write(ctx, async (em) => {
    const locked = await lockVariant(ctx, em, id, lockForShare);
    if (!locked) notFound('variant_not_found', id);
    const { product, variant } = locked;
    assertVersion(`variant ${id}`, variant.version, expected);
    if (applyPatch(variant, patch)) {
      variant.searchKey = variantSearchKey(product.name, variant.name);
      variant.sellable = variant.active && product.active;
      variant.updatedAt = new Date();
      await em.flush();
      await recordCatalogEvents(ctx, em, [variantEvent(variant)]);
    }
    const prices = await pricesOf(em, [variant]);
    return variantView(variant, prices.get(id) ?? []);
  });
}

/** Deletes a variant that was never sold; a product keeps at least one. */
export async function deleteVariant(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
): Promise<void> {
  await write(ctx, async (em) => {
    // The product is locked for update: two variants deleted at once must not leave it with none.
    const locked = await lockVariant(ctx, em, id, lockForUpdate);
    if (!locked) notFound('variant_not_found', id);
    const { variant } = locked;
    assertVersion(`variant ${id}`, variant.version, expected);
    if ((await em.count(Variant, { product: variant.product.id })) <= 1) {
      throw catalogProblem('last_variant', `variant ${variant.sku} is the only variant of its product`);
    }
    if (await hasHistory(ctx, em, [id])) {
      throw catalogProblem('variant_sold', `variant ${variant.sku} was sold or has stock history`);
    }
    const events: CatalogEvent[] = [];
    for (const price of (await pricesOf(em, [variant])).get(id) ?? []) {
      events.push(priceEvent(price, 'deleted'));
      em.remove(price);
    }
    events.push(variantEvent(variant, 'deleted'));
    em.remove(variant);
    await em.flush();
    await recordCatalogEvents(ctx, em, events);
  });
}

export async function getPrice(ctx: RequestContext, id: string): Promise<PriceView> {
  const price = await ctx.em.findOne(Price, { id });
  if (!price) notFound('price_not_found', id);
  return priceView(price);
}

/** A new price of a variant for a currency and a store (or all stores); 409 `price_exists` if it has one. */
export async function createPrice(
  ctx: RequestContext,
  variantId: string,
  input: NewPrice,
): Promise<PriceView> {
  return write(ctx, async (em) => {
    const variant = await em.findOne(Variant, { id: variantId }, { fields: ['id'] });
    if (!variant) notFound('variant_not_found', variantId);
    const stores = await storesOf(em, [{ path: '', price: input }]);
    const price = em.create(Price, {
      id: randomUUID(),
      variant: variant.id,
      currency: priceCurrency(ctx, input, stores),
      store: input.storeId ?? null,
      amount: input.amount,
    });
    await em.flush();
    await recordCatalogEvents(ctx, em, [priceEvent(price)]);
    return priceView(price);
  });
}

export async function updatePrice(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
  patch: PricePatch,
): Promise<PriceView> {
  return write(ctx, async (em) => {
    const price = await em.findOne(Price, { id }, lockForUpdate);
    if (!price) notFound('price_not_found', id);
    assertVersion(`price ${id}`, price.version, expected);
    if (applyPatch(price, patch)) {
      price.updatedAt = new Date();
      await em.flush();
      await recordCatalogEvents(ctx, em, [priceEvent(price)]);
    }
    return priceView(price);
  });
}

export async function deletePrice(ctx: RequestContext, id: string, expected: ExpectedVersion): Promise<void> {
  await write(ctx, async (em) => {
    const price = await em.findOne(Price, { id }, lockForUpdate);
    if (!price) notFound('price_not_found', id);
    assertVersion(`price ${id}`, price.version, expected);
    em.remove(price);
    await recordCatalogEvents(ctx, em, [priceEvent(price, 'deleted')]);
  });
}

// ---------------------------------------------------------------------------------------------------
// Pricing for checkout

export interface VariantTaxRate {
  id: string;
  code: string;
  name: string;
  /** Percent as decimal text ("19", "8.875"): what @cloudpos/pricing's tax rates take. */
  rate: string;
  inclusive: boolean;
}

export interface PricedVariant {
  variantId: string;
  productId: string;
  sku: string;
  barcode: string | null;
  /** Product name, then the variant's ("Latte Large"), at most 300 characters (a sale line's name). */
  name: string;
  /** Product and variant both active: checkout should refuse inactive ones. */
  active: boolean;
  trackStock: boolean;
  currency: string;
  /** Minor units of `currency`; null when the variant has no price in it (neither the store's nor all stores'). */
  unitPrice: number | null;
  /** Where unitPrice came from: the store's own price, or the all-stores price. */
  priceSource: 'store' | 'all_stores' | null;
  taxCategoryId: string;
  /** The active rates of the variant's tax category, in the category's order. */
  taxRates: VariantTaxRate[];
}

/** Variants by id, SKU or barcode; any mix (a sale's lines name them either way). */
export interface VariantKeys {
  variantIds?: string[];
  skus?: string[];
  barcodes?: string[];
}

/**
 * Which variants, in which store and currency. The store is `storeId` when given (null: the
 * all-stores prices), else the signed-in till's store; the currency is `currency` when given, else
 * the store's, else the tenant's.
 */
export type PriceVariantsQuery = StoreScope & VariantKeys;

export interface PricedVariants {
  storeId: string | null;
  currency: string;
  /**
   * One per variant found, in the order of the keys (ids, then SKUs, then barcodes; a variant named
   * twice gives one item).
   */
  items: PricedVariant[];
  /** The keys that matched no variant. */
  notFound: string[];
}

export const MAX_PRICED_VARIANTS = 1000;

interface PricedRow {
  store: { id: string; currency: string } | null;
  currency: string;
  /** Every active tax rate of the tenant (a short list): categories name them by id. */
  taxRates: VariantTaxRate[];
  items: (Omit<PricedVariant, 'name' | 'unitPrice' | 'currency' | 'taxRates'> & {
    productName: string;
    variantName: string;
    unitPrice: number | string | null;
    taxRateIds: string[];
  })[];
}

const priceText = statementText();

/**
 * The price, name and tax rates of variants in a store: one query (store, currency, variants, both
 * price levels and the tax rates), whatever the number of variants. Throws `store_not_found` for a
 * `storeId` that does not exist.
 */
export async function priceVariants(
  ctx: RequestContext,
  request: PriceVariantsQuery,
): Promise<PricedVariants> {
  const kinds = [
    { column: 'id', wanted: request.variantIds ?? [], cast: '::uuid' },
    { column: 'sku', wanted: request.skus ?? [], cast: '' },
    { column: 'barcode', wanted: request.barcodes ?? [], cast: '' },
  ].map(({ column, wanted, cast }) => {
    const keyOf = (key: string) => (column === 'id' ? key.toLowerCase() : key);
    const keys = [...new Set(wanted.map(keyOf))].filter((key) => column !== 'id' || UUID_PATTERN.test(key));
    return { column, wanted, cast, keyOf, keys };
  });
  const total = kinds.reduce((sum, kind) => sum + kind.wanted.length, 0);
  if (total > MAX_PRICED_VARIANTS) {
    throw new RangeError(`priceVariants takes at most ${MAX_PRICED_VARIANTS} keys, got ${total}`);
  }
  const scope = storeCtes(ctx, request);
  // The keys as literal lists (not JSON arrays): the planner then knows how many there are and
  // probes the unique indexes instead of joining whole tables.
  const wanted = kinds.filter((kind) => kind.keys.length > 0);
  const where = () =>
    wanted.length === 0
      ? 'false'
      : wanted
          .map(({ column, keys, cast }) => `v.${column} in (${keys.map(() => `?${cast}`).join(', ')})`)
          .join(' or ');
  // With bind parameters ($n for the `?` the fragments use; none sits in a literal): checkout runs
  // this for every sale, so its connection keeps it prepared (see @cloudpos/tenant-db prepared.ts).
  let parameter = 0;
  const bound = (sql: string) => sql.replace(/\?/g, () => `$${++parameter}`);
  const {
    rows: [row],
  } = await query<PricedRow>(
    ctx,
    priceText(
      ctx,
      () =>
        bound(`with ${scope.sql}
    select
      (select row_to_json(st) from st) as store,
      (select code from cur) as currency,
      coalesce((
        select json_agg(json_build_object('id', t.id, 'code', t.code, 'name', t.name, 'rate', t.rate::text,
                                          'inclusive', t.inclusive))
        from ${tableOf(ctx, 'tax_rate')} t where t.active
      ), '[]'::json) as "taxRates",
      coalesce((
        select json_agg(json_build_object(
          'variantId', v.id, 'productId', p.id, 'sku', v.sku, 'barcode', v.barcode,
          'productName', p.name, 'variantName', v.name, 'active', v.active and p.active,
          'trackStock', v.track_stock, 'unitPrice', pr.amount,
          'priceSource', case when pr.amount is null then null when pr.from_store then 'store' else 'all_stores' end,
          'taxCategoryId', p.tax_category_id, 'taxRateIds', tc.tax_rate_ids
        ))
        from ${tableOf(ctx, 'variant')} v
        join ${tableOf(ctx, 'product')} p on p.id = v.product_id
        join ${tableOf(ctx, 'tax_category')} tc on tc.id = p.tax_category_id
        ${priceLateral(ctx)}
        where ${where()}
      ), '[]'::json) as items`),
      // The text differs by how many keys of each kind the lookup has.
      wanted.map(({ column, keys }) => `${column}:${keys.length}`).join(' '),
    ),
    [...scope.params, ...wanted.flatMap((kind) => kind.keys)],
  );
  if (!row) throw new Error('the price query returned no row');
  if (request.storeId && !row.store) throw problem('store_not_found', `there is no store ${request.storeId}`);
  const rates = new Map(row.taxRates.map((rate) => [rate.id, { ...rate, rate: normalizeRate(rate.rate) }]));
  const keyOfItem = (column: string, item: PricedRow['items'][number]) =>
    column === 'id' ? item.variantId : column === 'sku' ? item.sku : (item.barcode ?? '');
  // Each variant at the first key that names it, kinds in order.
  const position = new Map<string, number>();
  let index = 0;
  for (const { column, keys } of kinds) {
    const byKey = new Map(row.items.map((item) => [keyOfItem(column, item), item.variantId]));
    for (const key of keys) {
      const variantId = byKey.get(key);
      if (variantId !== undefined && !position.has(variantId)) position.set(variantId, index);
      index++;
    }
  }
  const items = row.items
    .sort((a, b) => position.get(a.variantId)! - position.get(b.variantId)!)
    .map(({ productName, variantName, unitPrice, taxRateIds, ...item }) => ({
      ...item,
      name: displayName(productName, variantName).slice(0, 300),
      currency: row.currency,
      unitPrice: unitPrice === null ? null : Number(unitPrice),
      // In the category's order; a deactivated rate no longer applies.
      taxRates: taxRateIds.flatMap((id) => rates.get(id) ?? []),
    }));
  const notFound = kinds.flatMap(({ column, wanted: keys, keyOf }) => {
    const matched = new Set(row.items.map((item) => keyOfItem(column, item)));
    return keys.filter((key) => !matched.has(keyOf(key)));
  });
  return { storeId: row.store?.id ?? null, currency: row.currency, items, notFound: [...new Set(notFound)] };
}

/** The variant a till scanned, priced for the till's store (or `scope.storeId`); `barcode_not_found` otherwise. */
export async function lookupBarcode(
  ctx: RequestContext,
  code: string,
  scope: StoreScope = {},
): Promise<PricedVariant> {
  const priced = await priceVariants(ctx, { ...scope, barcodes: [code] });
  const [variant] = priced.items;
  if (!variant) throw catalogProblem('barcode_not_found', `no variant has barcode ${code}`);
  return variant;
}
