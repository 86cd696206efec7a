// Statements whose values must never appear in SQL text. MikroORM 7 writes every parameter into the
// statement on the client (`platform.formatQuery`, then `CompiledQuery.raw(formatted)`) and sends no
// bind parameters, so when such a statement fails, PostgreSQL's error log receives it with its values
// inlined (log_min_error_statement). Secrets at rest (PIN hashes) are written through here instead:
// the text holds $1.. placeholders and the values travel as bind parameters of the extended
// protocol, which the server logs only when told to (log_parameter_max_length_on_error > 0).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TransactionConnection } from '@cloudpos/tenant-db';
import { CompiledQuery } from 'kysely';

export interface BoundResult<Row> {
  rows: Row[];
  /** Rows an insert, update or delete touched. */
  affected: number;
}

/**
 * Runs `sql` (with `$1`, `$2`... placeholders; raw SQL, so table names are qualified by the caller)
 * with `params` as bind parameters: on the transaction's connection while `transaction` holds one,
 * else in `em`'s transaction when it has one, else on its pool. Driver errors become MikroORM's
 * exceptions (UniqueConstraintViolationException...), as from the ORM.
 */
export async function executeBound<Row = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  params: readonly unknown[],
  transaction?: TransactionConnection,
): Promise<BoundResult<Row>> {
  try {
    // getKysely() is bound to the fork's transaction context (the ORM's own connection) when in one.
    const executor = transaction?.connection ?? em.getKysely();
    const result = await executor.executeQuery<Row>(CompiledQuery.raw(sql, [...params]));
    return { rows: result.rows, affected: Number(result.numAffectedRows ?? 0n) };
  } catch (error) {
    throw em.getDriver().convertException(error as Error);
  }
}
