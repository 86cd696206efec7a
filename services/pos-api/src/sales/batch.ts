// Many sales in one request: what a till that was offline sends when it drains its outbox. Each sale
// is committed exactly as `POST /v1/sales` commits it (the same service call, permission checks and
// Idempotency-Key, in a transaction of its own), in the order sent, and answered in the order sent:
// one refused sale rolls back nothing else, a key already committed answers with its stored sale.
// The batch stops at the first sale the server cannot take now (rate limit, database, payment
// provider): that one and the rest were not committed and are sent again later.
import type { FastifyBaseLogger } from 'fastify';
import {
  PROBLEM_CODES,
  problemDocument,
  problemOf,
  type Problem,
  type ProblemExtensions,
} from '../errors.ts';
import type { IdempotentResult } from '../idempotency/index.ts';
import type { CheckoutRequest } from './checkout.ts';

/** Sales per request: a batch stays a fraction of a second on the server. */
export const MAX_BATCH_SALES = 50;

export interface BatchSale {
  /** The sale's Idempotency-Key (what `POST /v1/sales` takes as a header). */
  idempotencyKey: string;
  /** Manager approvals for this sale (what `POST /v1/sales` takes as `X-Approval-Id`). */
  approvalIds?: string[];
  sale: CheckoutRequest;
}

export interface BatchAnswer<Sale> {
  idempotencyKey: string;
  /** What `POST /v1/sales` would have answered: 201, or the problem's status. */
  status: number;
  /** The sale was committed by an earlier request with this key; this is its stored answer. */
  replayed: boolean;
  sale?: Sale;
  problem?: Problem & ProblemExtensions;
}

/** A status the client should retry later (the sale was not committed): the batch stops there. */
export const isRetryLater = (status: number) => status === 429 || status >= 500;

/**
 * Commits the sales one after the other with `commitOne` (each in its own transaction). `budget` is
 * how many of them the client's rate limit lets through; the first one past it is answered
 * `rate_limited`. Answers end with the first sale that is to be retried later.
 */
export async function commitBatch<Sale>(
  sales: readonly BatchSale[],
  budget: number,
  commitOne: (sale: BatchSale) => Promise<IdempotentResult<Sale>>,
  log: FastifyBaseLogger,
): Promise<BatchAnswer<Sale>[]> {
  const answers: BatchAnswer<Sale>[] = [];
  for (const [index, sale] of sales.entries()) {
    const { idempotencyKey } = sale;
    if (index >= budget) {
      const [status, title] = PROBLEM_CODES.rate_limited;
      const detail = `${index} of the ${sales.length} sales fit in this till's request limit; send the rest later`;
      answers.push({
        idempotencyKey,
        status,
        replayed: false,
        problem: problemDocument({ status, code: 'rate_limited', title, detail }),
      });
      break;
    }
    try {
      const result = await commitOne(sale);
      answers.push({
        idempotencyKey,
        status: result.statusCode,
        replayed: result.replayed,
        sale: result.body,
      });
    } catch (error) {
      const itemLog = log.child({ idempotency_key: idempotencyKey });
      const problem = problemDocument(problemOf(error, itemLog));
      // What the request log line says of a single commit, said of each sale of the batch.
      if (problem.status < 500) itemLog.info({ code: problem.code }, 'sale refused');
      answers.push({ idempotencyKey, status: problem.status, replayed: false, problem });
      if (isRetryLater(problem.status)) break;
    }
  }
  return answers;
}
