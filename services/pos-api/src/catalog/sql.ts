// Pieces of raw SQL the catalog's read paths share. Raw SQL must qualify every name with the
// tenant's schema itself (the connection's search_path is not the tenant's); the schema name comes
// from the tenant directory, which only ever yields `tenant_<slug>` names.
import { deviceIdOf, type RequestContext } from '../tenancy/context.ts';

export type CatalogTable =
  | 'tax_rate'
  | 'tax_category'
  | 'category'
  | 'product'
  | 'variant'
  | 'price'
  | 'store'
  | 'till_device'
  | 'sale_line'
  | 'stock_movement'
  | 'outbox_event'
  | 'tenant_lock';

/** `"tenant_acme"."variant"` */
export function tableOf(ctx: RequestContext, table: CatalogTable): string {
  return `"${ctx.tenant.schema}"."${table}"`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where prices are looked up: a store named by the caller, else the signed-in till's store, else none. */
export interface StoreScope {
  /** An explicit store; `null` asks for the all-stores prices even on a till that has a store. */
  storeId?: string | null;
  /** ISO 4217; defaults to the store's currency, else the tenant's. */
  currency?: string;
}

/**
 * Two CTEs, `st` (the store, zero or one row) and `cur` (the currency), with their parameters. A
 * query using them selects `(select row_to_json(st) from st) as store` so that a store named by the
 * caller but missing is told apart from "no store".
 */
export function storeCtes(ctx: RequestContext, scope: StoreScope): { sql: string; params: unknown[] } {
  const explicit = scope.storeId !== undefined;
  // Not an id at all: no store (a caller that named one then gets `store_not_found`).
  const storeId = explicit && scope.storeId && UUID_PATTERN.test(scope.storeId) ? scope.storeId : null;
  const deviceId = explicit ? null : (deviceIdOf(ctx) ?? null);
  return {
    sql: `st as (
        select s.id, s.currency from ${tableOf(ctx, 'store')} s
        where s.id = coalesce(?::uuid, (select d.store_id from ${tableOf(ctx, 'till_device')} d where d.id = ?::uuid))
      ),
      cur as (select coalesce(?::text, (select currency from st), ?::text) as code)`,
    params: [storeId, deviceId, scope.currency ?? null, ctx.tenant.currency],
  };
}

/**
 * `left join lateral` the unit price of variant `v` in scope: the store's own price when it has one,
 * else the all-stores price (columns `amount`, `from_store`). One probe of the price unique index.
 */
export function priceLateral(ctx: RequestContext): string {
  return `left join lateral (
      select pr.amount, pr.store_id is not null as from_store
      from ${tableOf(ctx, 'price')} pr
      where pr.variant_id = v.id and pr.currency = (select code from cur)
        and (pr.store_id = (select id from st) or pr.store_id is null)
      order by pr.store_id nulls last
      limit 1
    ) pr on true`;
}

/** The name a till and a receipt show: the product's, then the variant's when it has one. */
export function displayName(productName: string, variantName: string): string {
  return variantName === '' ? productName : `${productName} ${variantName}`;
}

/** Opaque page cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): string[] | undefined {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(values) || values.length !== arity) return undefined;
    if (!values.every((value) => typeof value === 'string')) return undefined;
    return values;
  } catch {
    return undefined;
  }
}
