// Named prepared statements for the statements a request repeats. PostgreSQL parses and plans an
// unnamed statement every time it runs; for checkout that was ~0.8 ms of server CPU per sale (the
// price lookup and the sale's CTEs plan slowly). A statement with bind parameters (raw SQL from
// `executeBound`; MikroORM's own queries carry none) is sent under a name derived from its text, so
// each connection parses it once and PostgreSQL can keep its plan. The text names the tenant's
// schema, so tenants never share a statement; each connection keeps at most `capacity` of them and,
// past that, drops them all (`deallocate all`) when it is next checked out of the pool, never inside
// a transaction. A migration needs nothing: PostgreSQL re-plans a protocol-level prepared statement
// whose tables changed, and pg describes the rows of every execution.
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

/** Statements kept per connection before it starts over; bounds PostgreSQL's memory per session. */
export const PREPARED_PER_CONNECTION = 128;

interface PgConnection {
  parsedStatements: Record<string, string>;
  submittedNamedStatements?: Record<string, string>;
}

const names = new Map<string, string>();
/** Names remembered per process (texts differ per tenant schema): past this, it starts over. */
const NAMES_REMEMBERED = 4096;

/**
 * What a statement does, for a person reading a trace (pg's spans are named after the statement)
 * or the server's log: its first write and table (`insert_sale`), else what it reads
 * (`select_store`). The schema is left out: the hash beside it tells tenants apart.
 */
function summaryOf(text: string): string {
  const write = /\b(?<!\b(?:for|do)\s+)(insert\s+into|update|delete\s+from)\s+(?:"?\w+"?\.)?"?(\w+)\b/i.exec(
    text,
  );
  if (write) return `${write[1]!.split(/\s/)[0]!.toLowerCase()}_${write[2]!.toLowerCase()}`;
  // A table, not a function (`from unnest(...)`).
  const read = /\bfrom\s+(?:"?\w+"?\.)?"?(\w+)\b"?(?!\s*\()/i.exec(text);
  return read ? `select_${read[1]!.toLowerCase()}` : 'statement';
}

/**
 * The statement's name: what it does and a hash of its whole text, within PostgreSQL's 63 bytes
 * (`cp_insert_sale_<12 characters>`; remembered: a sale sends ten of them).
 */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= NAMES_REMEMBERED) names.clear();
    const hash = createHash('sha1').update(text).digest('base64url').slice(0, 12);
    name = `cp_${summaryOf(text).slice(0, 45)}_${hash}`;
    names.set(text, name);
  }
  return name;
}

/** Makes every connection of `pool` send its parameterised statements as named, prepared ones. */
export function prepareRepeatedStatements(pool: Pool, capacity = PREPARED_PER_CONNECTION): void {
  const prepared = new WeakMap<PoolClient, Set<string>>();
  pool.on('connect', (client) => {
    const names = new Set<string>();
    prepared.set(client, names);
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: unknown }).query = (
      text: unknown,
      values?: unknown,
      callback?: unknown,
    ) => {
      if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined)
        return query(text, values, callback);
      const name = statementName(text);
      if (!names.has(name)) {
        if (names.size >= capacity) return query(text, values);
        names.add(name);
      }
      return query({ name, text, values });
    };
  });
  // A checked-out connection is outside any transaction: the safe moment to start over.
  pool.on('acquire', (client) => {
    const names = prepared.get(client);
    if (!names || names.size < capacity) return;
    const connection = (client as unknown as { connection: PgConnection }).connection;
    connection.parsedStatements = {};
    connection.submittedNamedStatements = {};
    names.clear();
    // Queued before anything the borrower sends; a broken connection fails that too, and is dropped.
    client.query('deallocate all').catch(() => {});
  });
}
