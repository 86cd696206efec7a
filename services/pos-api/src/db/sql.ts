// The request's one data path: raw SQL and the ORM run on the request's EntityManager, so inside
// `inTransaction` every statement of every domain (prices, stock, approvals, audit, outbox) goes
// through the same connection and commits or rolls back together. Raw SQL travels with bind
// parameters (see bound-sql.ts). Timestamps come back as text (MikroORM's pg type parsers): use
// `new Date(row.x)` where a Date is needed.
import { withTransactionConnection, type TransactionConnection } from '@cloudpos/tenant-db';
import type { RequestContext } from '../tenancy/context.ts';
import { executeBound } from './bound-sql.ts';

export interface SqlResult<Row> {
  rows: Row[];
  /** Rows an insert, update or delete touched. */
  rowCount: number;
}

/** `"tenant_x".table`: raw SQL names tables with the request's tenant schema. */
export const tableOf = (ctx: RequestContext, table: string) => `"${ctx.tenant.schema}".${table}`;

/** Texts one statement keeps (one per tenant schema and shape); past that many it starts over. */
const TEXTS_KEPT = 1024;

/**
 * One statement's text, built once per tenant schema (its tables are the tenant's) and `shape`
 * (what else the text depends on: how many keys a lookup has): a request then sends the very
 * string the last one sent, so neither the text nor the name of its prepared statement (a hash of
 * the text, @cloudpos/tenant-db prepared.ts) is worked out again. Make one per statement, where the
 * module starts; `build` must depend on nothing but the schema and `shape`.
 */
export function statementText() {
  const texts = new Map<string, string>();
  return (ctx: RequestContext, build: () => string, shape?: string): string => {
    const key = shape === undefined ? ctx.tenant.schema : `${ctx.tenant.schema}/${shape}`;
    let text = texts.get(key);
    if (text === undefined) {
      if (texts.size >= TEXTS_KEPT) texts.clear();
      text = build();
      texts.set(key, text);
    }
    return text;
  };
}

/** Runs `text` ($1.. placeholders) with `params` bound, in the context's transaction when it has one. */
export async function query<Row = Record<string, unknown>>(
  ctx: RequestContext,
  text: string,
  params: readonly unknown[] = [],
): Promise<SqlResult<Row>> {
  const result = await executeBound<Row>(ctx.em, text, params, ctx.transaction);
  return { rows: result.rows, rowCount: result.affected };
}

/**
 * Runs `work` in one transaction of the tenant's database, with a context whose EntityManager is
 * bound to it (nested calls become savepoints). A thrown error rolls everything back.
 */
export async function inTransaction<T>(
  ctx: RequestContext,
  work: (tx: RequestContext) => Promise<T>,
): Promise<T> {
  // Nested: a savepoint on the same connection.
  if (ctx.transaction) return ctx.em.transactional((em) => work({ ...ctx, em }));
  const transaction: TransactionConnection = {};
  return withTransactionConnection(transaction, () =>
    ctx.em.transactional((em) => work({ ...ctx, em, transaction })),
  );
}
