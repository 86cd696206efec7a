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
