// Exactly-once mutating requests. A request with an Idempotency-Key runs in one transaction that
// first claims the key (its primary key decides a race: a concurrent twin waits on it); the answer
// is stored with the effect, so a retry with the same key and body gets the first answer back, with
// no new permission check (the key was authorised when it first committed), and a retry with another
// body is refused. Writes to a store's hot rows (stock levels) can run after the answer is stored,
// as the transaction's last statement (`lastWrite`).
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { inTransaction, query, statementText, tableOf } from '../db/sql.ts';
import { problem } from '../errors.ts';
import type { RequestContext } from '../tenancy/context.ts';

export interface IdempotentRequest {
  key: string;
  /** Method and path: one key names one operation. */
  operation: string;
  /** The body (or whatever identifies what was asked); hashed canonically. */
  request: unknown;
}

export interface IdempotentAnswer<Body> {
  statusCode: number;
  body: Body;
  /**
   * Writes to rows that every register of a store updates (stock levels), run after the answer is
   * stored as the transaction's last statement: those rows then stay locked for the commit alone,
   * not also for the answer's write, which is what bounds a busy store's sales per second. May amend
   * the answer (negative stock), which is then stored again: one more statement, only then.
   */
  lastWrite?: (tx: RequestContext) => Promise<Body | undefined>;
}

export interface IdempotentResult<Body> {
  statusCode: number;
  body: Body;
  replayed: boolean;
}

const claimText = statementText();
const storedText = statementText();
const answerText = statementText();

/**
 * Runs `work` once per key, in the transaction that claims the key, and stores its answer there. A
 * key already used answers with the stored answer when the operation and body match.
 */
export async function idempotent<Body>(
  ctx: RequestContext,
  { key, operation, request }: IdempotentRequest,
  work: (tx: RequestContext) => Promise<IdempotentAnswer<Body>>,
): Promise<IdempotentResult<Body>> {
  const requestHash = hashOf(request);
  return inTransaction(ctx, async (tx) => {
    const claimed = await query(
      tx,
      claimText(
        tx,
        () => `insert into ${tableOf(tx, 'idempotency_key')} (key, operation, request_hash, status_code, response)
               values ($1, $2, $3, 0, 'null') on conflict (key) do nothing`,
      ),
      [key, operation, requestHash],
    );
    if (claimed.rowCount === 0) {
      // The twin that holds the key has committed (the insert waited for it): its answer is stored.
      const { rows } = await query<{
        operation: string;
        request_hash: string;
        status_code: number;
        response: Body;
      }>(
        tx,
        storedText(
          tx,
          () =>
            `select operation, request_hash, status_code, response from ${tableOf(tx, 'idempotency_key')} where key = $1`,
        ),
        [key],
      );
      const stored = rows[0];
      if (!stored || stored.operation !== operation || stored.request_hash !== requestHash)
        throw problem('idempotency_key_reused', 'this Idempotency-Key was used for a different request');
      return { statusCode: stored.status_code, body: stored.response, replayed: true };
    }
    const { statusCode, body, lastWrite } = await work(tx);
    const store = (answer: Body) =>
      query(
        tx,
        answerText(
          tx,
          () => `update ${tableOf(tx, 'idempotency_key')} set status_code = $2, response = $3 where key = $1`,
        ),
        [key, statusCode, JSON.stringify(answer)],
      );
    // Sent together (the pool's connections pipeline): one round trip for both.
    const [, amended] = await Promise.all([store(body), lastWrite?.(tx)]);
    if (amended !== undefined) await store(amended);
    return { statusCode, body: amended ?? body, replayed: false };
  });
}

/** The request's Idempotency-Key, or `idempotency_key_required` (its format is checked by the route schema). */
export function idempotencyKeyOf(request: FastifyRequest, what = 'this request'): string {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '')
    throw problem(
      'idempotency_key_required',
      `send Idempotency-Key: a UUID the client makes for ${what} and reuses on retry`,
    );
  return key;
}

/** Sends an idempotent result, marking a replay with `Idempotent-Replayed: true`. */
export function sendIdempotent<Body>(reply: FastifyReply, result: IdempotentResult<Body>) {
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(result.statusCode).send(result.body);
}

/** A canonical hash of a request body: key order does not matter, values do. */
export function hashOf(value: unknown): string {
  const canonical = (input: unknown): unknown =>
    Array.isArray(input)
      ? input.map(canonical)
      : input && typeof input === 'object'
        ? Object.fromEntries(
            Object.entries(input)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : input;
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}
