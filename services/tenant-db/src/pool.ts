// A pg pool that a lost connection cannot take down with it. pg reports a connection the server
// ended (a restart, `pg_terminate_backend`, 57P01) as an `'error'` event on the client, and pg-pool
// removes its own listener while a client is checked out: with no listener, Node treats the event
// as an uncaught exception and the whole process (every tenant of a pooled API) dies. The query in
// flight still rejects, so the request that held the connection fails alone; the pool drops the
// broken client and opens a new one for the next request. (MikroORM's own pool does the same.)
import pg from 'pg';

export function createPgPool(
  config: pg.PoolConfig,
  onError: (error: Error, where: 'checked-out' | 'idle') => void,
): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('connect', (client) => client.on('error', (error) => onError(error, 'checked-out')));
  pool.on('error', (error) => onError(error, 'idle'));
  return pool;
}

/**
 * PostgreSQL or the network went away under the request (the server shut down or restarted, the
 * connection was terminated or could not be made): a retry later can succeed. SQLSTATE classes 08
 * (connection exception) and 57P01-57P03 (shutdown, crash, cannot connect now), and pg's own errors
 * for a dropped socket or a pool that could not connect in time.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  // Wrapped errors (an ORM's exception, `new Error(..., { cause })`) say it in their cause.
  if (error.cause !== undefined && isDatabaseUnavailable(error.cause, depth + 1)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[1-3]$/.test(code))) return true;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code))
    return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i.test(
    error.message,
  );
}
