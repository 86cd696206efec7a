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
    const result = await executor.executeQuery<Row>(CompiledQuery.raw(sql, params.map(parameter)));
    return { rows: result.rows, affected: Number(result.numAffectedRows ?? 0n) };
  } catch (error) {
    throw em.getDriver().convertException(error as Error);
  }
}

/**
 * A parameter as pg would send it, except that an array of strings, numbers, booleans and nulls
 * becomes its PostgreSQL array literal in one pass. pg's own conversion runs two regular
 * expressions per element: 3 % of a sale's CPU in the checkout bench, whose sale statement binds
 * 33 arrays. Any other array (nested, dates, buffers) is left to pg.
 */
export function parameter(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  let literal = '{';
  for (let index = 0; index < value.length; index++) {
    const element: unknown = value[index];
    if (index > 0) literal += ',';
    if (element === null || element === undefined) literal += 'NULL';
    else if (typeof element === 'string') literal += quoted(element);
    else if (typeof element === 'number' || typeof element === 'bigint' || typeof element === 'boolean')
      literal += quoted(String(element));
    else return value;
  }
  return literal + '}';
}

/** An array element in double quotes, its quotes and backslashes escaped (as pg's escapeElement). */
const quoted = (element: string) =>
  `"${element.includes('"') || element.includes('\\') ? element.replace(/["\\]/g, '\\$&') : element}"`;
