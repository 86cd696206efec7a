// Bulk upsert by SKU: up to 1,000 variants per call, with their products and prices, all or nothing
// in one transaction, in a fixed number of set-based statements (about a dozen, whatever the
// batch size): rows travel as one JSON parameter and are unpacked with jsonb_to_recordset.
//
// Each item is one variant, keyed by its SKU, and names its product:
//   - an existing SKU updates that variant and its product (the fields the item gives; the others stay);
//   - a new SKU joins the product with the item's `product.externalId` (existing, or created by the
//     first item that names it), or, without an external id, gets a product of its own;
//   - prices are upserted by (currency, store): prices the item does not list stay as they are.
// Items naming the same product must describe it the same way. Rows that end up as they were are
// not written: no version bump and no event, so importing the same file twice changes nothing.
//
// Events: one outbox row per created or changed product, variant and price (the same subjects as
// single edits, so a consumer has one contract), inserted with one statement.
//
// Concurrent bulk calls of a tenant take turns (a row lock in the tenant's schema); rows are locked
// product first, then variant, like single edits.
import { TENANT_LOCKS } from '@cloudpos/tenant-db';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../tenancy/context.ts';
import { recordCatalogEvents, type CatalogEvent } from './events.ts';
import { catalogProblem, type FieldError } from './problems.ts';
import { variantSearchKey } from './search.ts';
import { translateConstraintErrors, type NewPrice } from './service.ts';
import { tableOf } from './sql.ts';

export const MAX_BULK_ITEMS = 1000;

export interface BulkProduct {
  /** Groups variants into one product across calls (an import handle). */
  externalId?: string;
  name: string;
  description?: string | null;
  categoryId?: string | null;
  /** A new product needs one of the two; an existing product keeps its own when neither is given. */
  taxCategoryId?: string;
  taxCategoryCode?: string;
  active?: boolean;
}

export interface BulkItem {
  sku: string;
  /** The variant's name; '' for a product's only variant. */
  name?: string;
  barcode?: string | null;
  trackStock?: boolean;
  active?: boolean;
  prices?: NewPrice[];
  product: BulkProduct;
}

export type BulkStatus = 'created' | 'updated' | 'unchanged';

export interface BulkResult {
  created: { products: number; variants: number; prices: number };
  updated: { products: number; variants: number; prices: number };
  items: { index: number; sku: string; variantId: string; productId: string; status: BulkStatus }[];
}

interface ProductRow {
  id: string;
  external_id: string | null;
  name: string;
  description: string | null;
  category_id: string | null;
  tax_category_id: string;
  active: boolean;
  version: number;
}

interface VariantRow {
  id: string;
  product_id: string;
  sku: string;
  name: string;
  barcode: string | null;
  track_stock: boolean;
  active: boolean;
  version: number;
}

interface ProductPlan {
  row: ProductRow;
  isNew: boolean;
  changed: boolean;
  /** Renamed or (de)activated: what its other variants derive from it changes too. */
  searchChanged: boolean;
  /** The first item that describes it, and its description for comparison. */
  firstIndex: number;
  described: string;
}

const describe = (product: BulkProduct) =>
  JSON.stringify(Object.fromEntries(Object.entries(product).sort(([a], [b]) => a.localeCompare(b))));

const jsonList = (values: unknown[]) => JSON.stringify(values);

/** Item-level mistakes found before anything is read: SKUs, barcodes or price keys given twice. */
function checkBatch(items: BulkItem[]): FieldError[] {
  const errors: FieldError[] = [];
  const skus = new Map<string, number>();
  const barcodes = new Map<string, number>();
  items.forEach((item, index) => {
    const seenSku = skus.get(item.sku);
    if (seenSku !== undefined) {
      errors.push({ path: `/items/${index}/sku`, message: `SKU ${item.sku} is also item ${seenSku}` });
    } else skus.set(item.sku, index);
    if (item.barcode) {
      const seenBarcode = barcodes.get(item.barcode);
      if (seenBarcode !== undefined) {
        errors.push({
          path: `/items/${index}/barcode`,
          message: `barcode ${item.barcode} is also item ${seenBarcode}'s`,
        });
      } else barcodes.set(item.barcode, index);
    }
    if (item.product.taxCategoryId !== undefined && item.product.taxCategoryCode !== undefined) {
      errors.push({
        path: `/items/${index}/product/taxCategoryCode`,
        message: 'give taxCategoryId or taxCategoryCode, not both',
      });
    }
    const priceKeys = new Set<string>();
    item.prices?.forEach((price, priceIndex) => {
      const key = `${price.currency ?? ''}/${price.storeId ?? ''}`;
      if (priceKeys.has(key)) {
        errors.push({
          path: `/items/${index}/prices/${priceIndex}`,
          message: 'a second price for the same currency and store',
        });
      }
      priceKeys.add(key);
    });
  });
  return errors;
}

function invalid(errors: FieldError[]): never {
  throw catalogProblem(
    'bulk_invalid',
    `${errors.length} problem${errors.length === 1 ? '' : 's'}, first: ${errors[0]!.path}: ${errors[0]!.message}`,
    { errors: errors.slice(0, 100) },
  );
}

/** Upserts up to 1,000 variants by SKU with their products and prices, all or nothing. */
export async function bulkUpsert(ctx: RequestContext, items: BulkItem[]): Promise<BulkResult> {
  if (items.length > MAX_BULK_ITEMS) {
    throw catalogProblem('batch_too_large', `${items.length} items; at most ${MAX_BULK_ITEMS} per call`);
  }
  const batchErrors = checkBatch(items);
  if (batchErrors.length > 0) invalid(batchErrors);
  if (items.length === 0) {
    return {
      created: { products: 0, variants: 0, prices: 0 },
      updated: { products: 0, variants: 0, prices: 0 },
      items: [],
    };
  }

  return translateBulkConflicts(items, () =>
    ctx.em.transactional(async (em) => {
      const t = (table: Parameters<typeof tableOf>[1]) => tableOf(ctx, table);
      // One bulk upsert at a time per tenant: a row lock in the tenant's own schema (ADR 0009).
      await em.execute(`select name from ${t('tenant_lock')} where name = ? for update`, [
        TENANT_LOCKS.catalogBulk,
      ]);

      // References, one query each.
      const taxIds = [...new Set(items.flatMap((item) => item.product.taxCategoryId ?? []))];
      const taxCodes = [...new Set(items.flatMap((item) => item.product.taxCategoryCode ?? []))];
      const categoryIds = [...new Set(items.flatMap((item) => item.product.categoryId ?? []))];
      const storeIds = [
        ...new Set(items.flatMap((item) => (item.prices ?? []).flatMap((price) => price.storeId ?? []))),
      ];
      const taxCategories = await em.execute<{ id: string; code: string }[]>(
        `select id, code from ${t('tax_category')}
         where id::text in (select jsonb_array_elements_text(?::jsonb))
            or code in (select jsonb_array_elements_text(?::jsonb))`,
        [jsonList(taxIds), jsonList(taxCodes)],
      );
      const categories = await em.execute<{ id: string }[]>(
        `select id from ${t('category')} where id::text in (select jsonb_array_elements_text(?::jsonb))`,
        [jsonList(categoryIds)],
      );
      const stores = await em.execute<{ id: string; currency: string }[]>(
        `select id, currency from ${t('store')} where id::text in (select jsonb_array_elements_text(?::jsonb))`,
        [jsonList(storeIds)],
      );
      const taxById = new Set(taxCategories.map((row) => row.id));
      const taxByCode = new Map(taxCategories.map((row) => [row.code, row.id]));
      const categorySet = new Set(categories.map((row) => row.id));
      const storeCurrency = new Map(stores.map((row) => [row.id, row.currency]));

      // Lock the products the batch touches (by its SKUs' variants and by external id), then the variants.
      const skus = items.map((item) => item.sku);
      const externalIds = [...new Set(items.flatMap((item) => item.product.externalId ?? []))];
      const products = await em.execute<ProductRow[]>(
        `select id, external_id, name, description, category_id, tax_category_id, active, version
         from ${t('product')}
         where id in (select product_id from ${t('variant')} where sku in (select jsonb_array_elements_text(?::jsonb)))
            or external_id in (select jsonb_array_elements_text(?::jsonb))
         order by id for update`,
        [jsonList(skus), jsonList(externalIds)],
      );
      const variants = await em.execute<VariantRow[]>(
        `select id, product_id, sku, name, barcode, track_stock, active, version
         from ${t('variant')} where sku in (select jsonb_array_elements_text(?::jsonb))
         order by id for update`,
        [jsonList(skus)],
      );
      const productById = new Map(products.map((row) => [row.id, row]));
      const productByExternalId = new Map<string, ProductRow>(
        products.flatMap((row) => (row.external_id ? [[row.external_id, row] as const] : [])),
      );
      const variantBySku = new Map(variants.map((row) => [row.sku, row]));
      // An existing product without an external id takes the one its SKU's item gives, so that new
      // SKUs of the batch with that external id join it (the first such item wins).
      for (const item of items) {
        const existingVariant = variantBySku.get(item.sku);
        const externalId = item.product.externalId;
        if (!existingVariant || !externalId || productByExternalId.has(externalId)) continue;
        const product = productById.get(existingVariant.product_id);
        if (product && !product.external_id) productByExternalId.set(externalId, product);
      }

      // Which product each item belongs to, and the product as the batch leaves it.
      const errors: FieldError[] = [];
      const plans = new Map<string, ProductPlan>();
      const itemProduct: ProductPlan[] = [];
      items.forEach((item, index) => {
        const path = `/items/${index}/product`;
        const existingVariant = variantBySku.get(item.sku);
        const externalId = item.product.externalId;
        let key: string;
        let existing: ProductRow | undefined;
        if (existingVariant) {
          existing = productById.get(existingVariant.product_id);
          key = `id:${existingVariant.product_id}`;
          const other = externalId ? productByExternalId.get(externalId) : undefined;
          if (externalId && existing?.external_id && existing.external_id !== externalId) {
            errors.push({
              path: `${path}/externalId`,
              message: `SKU ${item.sku} belongs to the product with external id ${existing.external_id}`,
            });
          } else if (other && other.id !== existingVariant.product_id) {
            errors.push({
              path: `${path}/externalId`,
              message: `SKU ${item.sku} belongs to another product than external id ${externalId}`,
            });
          }
        } else if (externalId) {
          existing = productByExternalId.get(externalId);
          key = existing ? `id:${existing.id}` : `external:${externalId}`;
        } else {
          key = `item:${index}`;
        }

        const plan = plans.get(key);
        if (plan) {
          if (plan.described !== describe(item.product)) {
            errors.push({
              path,
              message: `describes its product differently from item ${plan.firstIndex} (the same product)`,
            });
          }
          itemProduct.push(plan);
          return;
        }

        let taxCategoryId: string | undefined;
        if (item.product.taxCategoryId !== undefined) {
          if (taxById.has(item.product.taxCategoryId)) taxCategoryId = item.product.taxCategoryId;
          else
            errors.push({
              path: `${path}/taxCategoryId`,
              message: `there is no tax category ${item.product.taxCategoryId}`,
            });
        } else if (item.product.taxCategoryCode !== undefined) {
          taxCategoryId = taxByCode.get(item.product.taxCategoryCode);
          if (!taxCategoryId) {
            errors.push({
              path: `${path}/taxCategoryCode`,
              message: `there is no tax category ${item.product.taxCategoryCode}`,
            });
          }
        } else if (!existing) {
          errors.push({
            path: `${path}/taxCategoryCode`,
            message: 'a new product needs taxCategoryCode or taxCategoryId',
          });
        }
        const categoryId = item.product.categoryId;
        if (categoryId && !categorySet.has(categoryId)) {
          errors.push({ path: `${path}/categoryId`, message: `there is no category ${categoryId}` });
        }

        const base: ProductRow = existing ?? {
          id: randomUUID(),
          external_id: null,
          name: item.product.name,
          description: null,
          category_id: null,
          tax_category_id: taxCategoryId ?? '',
          active: true,
          version: 1,
        };
        const row: ProductRow = {
          ...base,
          external_id: externalId ?? base.external_id,
          name: item.product.name,
          description: item.product.description === undefined ? base.description : item.product.description,
          category_id: categoryId === undefined ? base.category_id : categoryId,
          tax_category_id: taxCategoryId ?? base.tax_category_id,
          active: item.product.active ?? base.active,
        };
        const changed =
          !existing ||
          (['external_id', 'name', 'description', 'category_id', 'tax_category_id', 'active'] as const).some(
            (field) => row[field] !== existing[field],
          );
        const created: ProductPlan = {
          row,
          isNew: !existing,
          changed,
          searchChanged:
            existing !== undefined && (existing.name !== row.name || existing.active !== row.active),
          firstIndex: index,
          described: describe(item.product),
        };
        plans.set(key, created);
        itemProduct.push(created);
      });

      // Variants as the batch leaves them.
      const variantPlans = items.map((item, index) => {
        const product = itemProduct[index]!.row;
        const existing = variantBySku.get(item.sku);
        const row: VariantRow = {
          id: existing?.id ?? randomUUID(),
          product_id: product.id,
          sku: item.sku,
          name: item.name ?? existing?.name ?? '',
          barcode: item.barcode === undefined ? (existing?.barcode ?? null) : item.barcode,
          track_stock: item.trackStock ?? existing?.track_stock ?? true,
          active: item.active ?? existing?.active ?? true,
          version: existing?.version ?? 1,
        };
        const changed =
          !existing ||
          (['name', 'barcode', 'track_stock', 'active'] as const).some(
            (field) => row[field] !== existing[field],
          );
        return {
          row,
          isNew: !existing,
          changed,
          searchKey: variantSearchKey(product.name, row.name),
          sellable: row.active && product.active,
        };
      });

      const priceRows = items.flatMap((item, index) =>
        (item.prices ?? []).map((price, priceIndex) => {
          if (price.storeId && !storeCurrency.has(price.storeId)) {
            errors.push({
              path: `/items/${index}/prices/${priceIndex}/storeId`,
              message: `there is no store ${price.storeId}`,
            });
          }
          return {
            index,
            id: randomUUID(),
            variant_id: variantPlans[index]!.row.id,
            currency:
              price.currency ??
              (price.storeId ? storeCurrency.get(price.storeId) : undefined) ??
              ctx.tenant.currency,
            store_id: price.storeId ?? null,
            amount: price.amount,
          };
        }),
      );
      if (errors.length > 0) invalid(errors);

      // Writes: products, variants, what renamed or (de)activated products' variants derive, prices, events.
      const events: CatalogEvent[] = [];
      const allPlans = [...plans.values()];
      const newProducts = allPlans.filter((plan) => plan.isNew).map((plan) => plan.row);
      const changedProducts = allPlans.filter((plan) => !plan.isNew && plan.changed).map((plan) => plan.row);
      const productColumns = `id uuid, external_id text, name text, description text, category_id uuid, tax_category_id uuid, active boolean`;
      if (newProducts.length > 0) {
        const inserted = await em.execute<{ id: string; version: number }[]>(
          `insert into ${t('product')} (id, external_id, name, description, category_id, tax_category_id, active)
           select x.id, x.external_id, x.name, x.description, x.category_id, x.tax_category_id, x.active
           from jsonb_to_recordset(?::jsonb) as x(${productColumns})
           returning id, version`,
          [JSON.stringify(newProducts)],
        );
        events.push(...inserted.map((row) => productChanged(row)));
      }
      if (changedProducts.length > 0) {
        const updated = await em.execute<{ id: string; version: number }[]>(
          `update ${t('product')} p set external_id = x.external_id, name = x.name, description = x.description,
             category_id = x.category_id, tax_category_id = x.tax_category_id, active = x.active,
             version = p.version + 1, updated_at = now()
           from jsonb_to_recordset(?::jsonb) as x(${productColumns})
           where p.id = x.id
           returning p.id, p.version`,
          [JSON.stringify(changedProducts)],
        );
        events.push(...updated.map((row) => productChanged(row)));
      }

      const variantJson = (plans: typeof variantPlans) =>
        JSON.stringify(
          plans.map((plan) => ({ ...plan.row, search_key: plan.searchKey, sellable: plan.sellable })),
        );
      const variantColumns = `id uuid, product_id uuid, sku text, name text, barcode text, track_stock boolean, active boolean, search_key text, sellable boolean`;
      const newVariants = variantPlans.filter((plan) => plan.isNew);
      const changedVariants = variantPlans.filter((plan) => !plan.isNew && plan.changed);
      if (newVariants.length > 0) {
        const inserted = await em.execute<VariantEventRow[]>(
          `insert into ${t('variant')} (id, product_id, sku, name, barcode, track_stock, active, search_key, sellable)
           select x.id, x.product_id, x.sku, x.name, x.barcode, x.track_stock, x.active, x.search_key, x.sellable
           from jsonb_to_recordset(?::jsonb) as x(${variantColumns})
           on conflict (sku) do nothing
           returning id, version, product_id, sku`,
          [variantJson(newVariants)],
        );
        if (inserted.length !== newVariants.length) {
          // Another call created one of these SKUs after this one looked: start over.
          throw catalogProblem('sku_taken', 'a SKU of the batch was created meanwhile by another request');
        }
        events.push(...inserted.map((row) => variantChanged(row)));
      }
      if (changedVariants.length > 0) {
        const updated = await em.execute<VariantEventRow[]>(
          `update ${t('variant')} v set name = x.name, barcode = x.barcode, track_stock = x.track_stock,
             active = x.active, search_key = x.search_key, sellable = x.sellable, version = v.version + 1,
             updated_at = now()
           from jsonb_to_recordset(?::jsonb) as x(${variantColumns})
           where v.id = x.id
           returning v.id, v.version, v.product_id, v.sku`,
          [variantJson(changedVariants)],
        );
        events.push(...updated.map((row) => variantChanged(row)));
      }

      // Renamed or (de)activated products: what all their variants derive from them.
      const refreshed = allPlans.filter((plan) => plan.searchChanged).map((plan) => plan.row);
      if (refreshed.length > 0) {
        const siblings = await em.execute<
          { id: string; product_id: string; name: string; active: boolean }[]
        >(
          `select id, product_id, name, active from ${t('variant')}
           where product_id in (select (jsonb_array_elements_text(?::jsonb))::uuid) order by id for update`,
          [jsonList(refreshed.map((row) => row.id))],
        );
        const productOf = new Map(refreshed.map((row) => [row.id, row]));
        await em.execute(
          `update ${t('variant')} v set search_key = x.key, sellable = x.sellable
           from jsonb_to_recordset(?::jsonb) as x(id uuid, key text, sellable boolean)
           where v.id = x.id and (v.search_key, v.sellable) is distinct from (x.key, x.sellable)`,
          [
            JSON.stringify(
              siblings.map((row) => {
                const product = productOf.get(row.product_id)!;
                return {
                  id: row.id,
                  key: variantSearchKey(product.name, row.name),
                  sellable: row.active && product.active,
                };
              }),
            ),
          ],
        );
      }

      const changedPrices = new Set<string>();
      let pricesCreated = 0;
      let pricesUpdated = 0;
      if (priceRows.length > 0) {
        const upserted = await em.execute<(PriceEventRow & { inserted: boolean })[]>(
          `insert into ${t('price')} as pr (id, variant_id, currency, store_id, amount)
           select x.id, x.variant_id, x.currency, x.store_id, x.amount
           from jsonb_to_recordset(?::jsonb) as x(id uuid, variant_id uuid, currency text, store_id uuid, amount bigint)
           on conflict (variant_id, currency, store_id) do update
             set amount = excluded.amount, version = pr.version + 1, updated_at = now()
             where pr.amount <> excluded.amount
           returning pr.id, pr.version, pr.variant_id, pr.currency, pr.store_id, (pr.xmax = 0) as inserted`,
          [JSON.stringify(priceRows.map(({ index: _index, ...row }) => row))],
        );
        for (const row of upserted) {
          changedPrices.add(row.variant_id);
          if (row.inserted) pricesCreated += 1;
          else pricesUpdated += 1;
          events.push({
            entity: 'price',
            change: 'changed',
            payload: {
              id: row.id,
              version: row.version,
              variantId: row.variant_id,
              currency: row.currency,
              storeId: row.store_id,
            },
          });
        }
      }
      await recordCatalogEvents(ctx, em, events);

      return {
        created: { products: newProducts.length, variants: newVariants.length, prices: pricesCreated },
        updated: {
          products: changedProducts.length,
          variants: changedVariants.length,
          prices: pricesUpdated,
        },
        items: items.map((item, index) => {
          const variant = variantPlans[index]!;
          const product = itemProduct[index]!;
          const status: BulkStatus = variant.isNew
            ? 'created'
            : variant.changed || product.changed || changedPrices.has(variant.row.id)
              ? 'updated'
              : 'unchanged';
          return { index, sku: item.sku, variantId: variant.row.id, productId: product.row.id, status };
        }),
      };
    }),
  );
}

interface VariantEventRow {
  id: string;
  version: number;
  product_id: string;
  sku: string;
}

interface PriceEventRow {
  id: string;
  version: number;
  variant_id: string;
  currency: string;
  store_id: string | null;
}

const productChanged = (row: { id: string; version: number }): CatalogEvent => ({
  entity: 'product',
  change: 'changed',
  payload: { id: row.id, version: row.version },
});

const variantChanged = (row: VariantEventRow): CatalogEvent => ({
  entity: 'variant',
  change: 'changed',
  payload: { id: row.id, version: row.version, productId: row.product_id, sku: row.sku },
});

/** A unique violation names the value (`Key (barcode)=(400...) already exists`): point at its item. */
async function translateBulkConflicts<T>(items: BulkItem[], run: () => Promise<T>): Promise<T> {
  try {
    return await translateConstraintErrors(run);
  } catch (error) {
    const problemError = error as { code?: string; message?: string; extensions?: Record<string, unknown> };
    const match = /Key \((\w+)\)=\((.*)\) already exists/.exec(problemError.message ?? '');
    if (match && problemError.extensions) {
      const [, column, value] = match;
      const field = column === 'external_id' ? 'product/externalId' : column;
      const index = items.findIndex((item) =>
        column === 'barcode'
          ? item.barcode === value
          : column === 'sku'
            ? item.sku === value
            : item.product.externalId === value,
      );
      if (index >= 0) {
        problemError.extensions.errors = [
          {
            path: `/items/${index}/${field}`,
            message: `${column} ${value} belongs to a variant outside this item`,
          },
        ];
      }
    }
    throw error;
  }
}
