// The request's one data path: raw SQL and the ORM run on the request's EntityManager, so inside
// `inTransaction` every statement of every domain (prices, stock, approvals, audit, outbox) goes
// through the same connection and commits or rolls back together. Raw SQL travels with bind
// parameters (see bound-sql.ts). Timestamps come back as text (MikroORM's pg type parsers): use
// `new Date(row.x)` where a Date is needed.
import { withTransactionConnection, type TransactionConnection } from '@cloudpos/tenant-db';
import type { EntityManager } from '@mikro-orm/postgresql';
import { contextWith, type RequestContext } from '../tenancy/context.ts';
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
  const { transaction } = ctx;
  // In a transaction, raw SQL does not bind the context's EntityManager (see inTransaction).
  const em = transaction?.connection ? transaction.sharedEm : ctx.em;
  const result = await executeBound<Row>(em, text, params, transaction);
  return { rows: result.rows, rowCount: result.affected };
}

/** The transaction `inTransaction` opened: its connection (for raw SQL) and the EntityManager it was opened with. */
export interface SqlTransaction extends TransactionConnection {
  /** Not bound to the transaction: converts driver errors (any EntityManager's driver would). */
  readonly sharedEm: EntityManager;
}

/**
 * Runs `work` in one transaction of the tenant's database (nested calls become savepoints); a
 * thrown error rolls everything back. Raw SQL of `work` goes to the transaction's connection
 * directly; the context's EntityManager is bound to the transaction when `work` first uses it, and
 * flushed before the commit. The transaction is opened on the ORM's own Kysely client (its pool
 * and driver, through the shared EntityManager `ctx.db`), not through `em.transactional`: a sale
 * needs no entity, and MikroORM's transaction manager (a fork, events, a flush) cost 8 % of the
 * API's CPU per sale in the checkout bench.
 */
export async function inTransaction<T>(
  ctx: RequestContext,
  work: (tx: RequestContext) => Promise<T>,
): Promise<T> {
  // Nested: MikroORM's savepoint on the same connection (the entities of a savepoint that rolls
  // back are forgotten with it).
  if (ctx.transaction) return ctx.em.transactional((em) => work({ ...ctx, em }));
  const sharedEm = ctx.db ?? ctx.em;
  const transaction: SqlTransaction = { sharedEm };
  return withTransactionConnection(transaction, async () => {
    const trx = await sharedEm.getKysely().startTransaction().execute();
    let em: EntityManager | undefined;
    const tx = contextWith(ctx, {
      transaction,
      em: () => {
        if (!em) {
          em = ctx.em.fork({ clear: false });
          em.setTransactionContext(trx);
        }
        return em;
      },
    });
    try {
      const result = await work(tx);
      if (em) await em.flush();
      await trx.commit().execute();
      return result;
    } catch (error) {
      // A connection that cannot roll back is released by the driver (see @cloudpos/tenant-db).
      if (!trx.isCommitted && !trx.isRolledBack)
        await trx
          .rollback()
          .execute()
          .catch(() => {});
      throw error;
    }
  });
}
