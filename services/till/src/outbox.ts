// The outbox: every sale is written to IndexedDB with its outbox entry and the register's next
// receipt number in ONE transaction, then replayed to the server in receipt-number order, many sales
// per request (POST /v1/sales/batch). An entry leaves the outbox only when the server has confirmed
// its sale (or refused it: then it moves to "needs attention" with the reason, in the same
// transaction; it is never dropped).
import { api, ApiError, isRetryable } from './api.ts';
import type { AttentionEntry, CheckoutBody, LocalSale, OutboxEntry, TillDb } from './db.ts';
import { describeError } from './messages.ts';
import { accessTokenOf } from './sessions.ts';
import { inSpan, SALE_SYNC_SPAN } from './tracing.ts';

export const NEXT_RECEIPT = 'nextReceiptNumber';

export interface NewSale {
  /** The sale's Idempotency-Key when the tender screen already used it (a card payment names it). */
  key?: string;
  staffId: string;
  lines: CheckoutBody['lines'];
  discount?: CheckoutBody['discount'];
  tenders: CheckoutBody['tenders'];
  approvalIds: string[];
  /** Completes this parked sale (the server replaces it), keeping its note. */
  resumed?: { saleId: string; note: string | null };
  display: LocalSale['display'];
  /** Builds the printed label from the number the register gives the sale. */
  label: (receiptNumber: number) => string;
}

/** Numbers the sale and writes it with its outbox entry, atomically. */
export async function recordSale(db: TillDb, sale: NewSale, now = new Date()): Promise<LocalSale> {
  const tx = db.transaction(['meta', 'sales', 'outbox'], 'readwrite');
  const receiptNumber = Number((await tx.objectStore('meta').get(NEXT_RECEIPT)) ?? 1);
  const key = sale.key ?? crypto.randomUUID();
  const body: CheckoutBody = {
    lines: sale.lines,
    ...(sale.discount ? { discount: sale.discount } : {}),
    tenders: sale.tenders,
    receiptNumber,
    clientCreatedAt: now.toISOString(),
    ...(sale.resumed ? { resumeSaleId: sale.resumed.saleId } : {}),
    ...(sale.resumed?.note ? { note: sale.resumed.note } : {}),
  };
  const local: LocalSale = {
    key,
    receiptNumber,
    receiptLabel: sale.label(receiptNumber),
    staffId: sale.staffId,
    body,
    display: sale.display,
    status: 'queued',
    createdAt: now.toISOString(),
  };
  const entry: OutboxEntry = {
    receiptNumber,
    key,
    staffId: sale.staffId,
    body,
    approvalIds: sale.approvalIds,
    createdAt: now.toISOString(),
    attempts: 0,
  };
  await Promise.all([
    tx.objectStore('sales').add(local),
    tx.objectStore('outbox').add(entry),
    tx.objectStore('meta').put(receiptNumber + 1, NEXT_RECEIPT),
  ]);
  await tx.done;
  return local;
}

export interface ReplayResult {
  confirmed: number;
  refused: number;
  /** Why replay stopped early (the entry stays queued), if it did. */
  stoppedBy?: string;
}

/** Sales sent in one request (POST /v1/sales/batch takes up to 50). */
export const REPLAY_BATCH = 50;
/** A batch's body stays well under the API's 1 MiB (a sale of many lines is a few KiB). */
const BATCH_BYTES = 512 * 1024;

/** What the server said about one sale: confirmed, refused (needs attention), or try again later. */
type Outcome =
  | { serverSaleId: string; receiptLabel: string | null }
  | { refused: { code: string; reason: string } }
  | { retryLater: string };

interface BatchAnswer {
  status: number;
  sale?: { id: string; receiptNumber: string | null };
  problem?: { code: string; title: string; detail?: string };
}

/**
 * Sends queued sales in order, many per request (POST /v1/sales/batch: each sale committed on its
 * own, with its own Idempotency-Key and approvals, answered in order), until the outbox is empty or
 * the server cannot take one now. Recording a batch's answers in IndexedDB overlaps with sending the
 * next batch (a crash in between only sends confirmed sales again, which their keys make harmless);
 * an entry leaves the outbox only once its own sale is confirmed or refused.
 */
export async function replayOutbox(db: TillDb): Promise<ReplayResult> {
  const result: ReplayResult = { confirmed: 0, refused: 0 };
  let recording: Promise<void> = Promise.resolve();
  const record = (outcomes: [OutboxEntry, Outcome][]) => {
    for (const [, outcome] of outcomes) {
      if ('serverSaleId' in outcome) result.confirmed += 1;
      else if ('refused' in outcome) result.refused += 1;
    }
    const settled = outcomes.filter(
      (pair): pair is [OutboxEntry, Exclude<Outcome, { retryLater: string }>] => !('retryLater' in pair[1]),
    );
    recording = recording.then(() => settle(db, settled));
  };
  let after: number | undefined;
  try {
    for (;;) {
      // Past the sales already sent: their answers may still be being recorded.
      const queued = await db.getAll(
        'outbox',
        after === undefined ? undefined : IDBKeyRange.lowerBound(after, true),
        REPLAY_BATCH,
      );
      if (queued.length === 0) return result;
      const batch = sameStaffRun(queued);
      after = batch.at(-1)!.receiptNumber;
      const outcomes = await send(db, batch);
      const stop = outcomes.find(([, outcome]) => 'retryLater' in outcome);
      record(outcomes);
      if (stop) {
        await recording;
        const [entry, outcome] = stop as [OutboxEntry, { retryLater: string }];
        await db.put('outbox', { ...entry, attempts: entry.attempts + 1, lastError: outcome.retryLater });
        return { ...result, stoppedBy: outcome.retryLater };
      }
    }
  } finally {
    await recording;
  }
}

/**
 * The first queued sales of one staff member (a request is signed in as one), in order, within
 * the size a request may have.
 */
function sameStaffRun(queued: OutboxEntry[]): OutboxEntry[] {
  const run: OutboxEntry[] = [];
  let bytes = 0;
  for (const entry of queued) {
    bytes += JSON.stringify(entry.body).length + 200;
    if (run.length > 0 && (entry.staffId !== run[0]!.staffId || bytes > BATCH_BYTES)) break;
    run.push(entry);
  }
  return run;
}

/**
 * The server's word on each sale of the batch, in order, up to the first to try again later. When
 * the batch as a whole is refused (an API without the batch route, or a sale it cannot read), the
 * sales go one by one, which tells which of them is at fault.
 */
async function send(db: TillDb, batch: OutboxEntry[]): Promise<[OutboxEntry, Outcome][]> {
  let token: string;
  let answers: BatchAnswer[];
  try {
    token = await accessTokenOf(db, batch[0]!.staffId);
    ({ results: answers } = await inSpan(SALE_SYNC_SPAN, saleSyncAttributes(batch), (parent) =>
      api<{ results: BatchAnswer[] }>('/v1/sales/batch', {
        method: 'POST',
        token,
        parent,
        body: {
          items: batch.map((entry) => ({
            idempotencyKey: entry.key,
            ...(entry.approvalIds.length ? { approvalIds: entry.approvalIds } : {}),
            sale: entry.body,
          })),
        },
      }),
    ));
  } catch (error) {
    if (isRetryable(error) || isSessionProblem(error) || !(error instanceof ApiError))
      return [[batch[0]!, { retryLater: describeError(error) }]];
    return sendOneByOne(db, batch);
  }
  const outcomes: [OutboxEntry, Outcome][] = [];
  for (const [index, answer] of answers.entries()) {
    const entry = batch[index];
    if (!entry) break;
    outcomes.push([entry, outcomeOf(answer)]);
    if ('retryLater' in outcomes.at(-1)![1]) return outcomes;
  }
  // The server answers every sale up to the first it cannot take now; a shorter answer is that.
  if (outcomes.length < batch.length)
    outcomes.push([batch[outcomes.length]!, { retryLater: 'the server did not answer for this sale' }]);
  return outcomes;
}

function outcomeOf(answer: BatchAnswer): Outcome {
  if (answer.status < 300 && answer.sale)
    return { serverSaleId: answer.sale.id, receiptLabel: answer.sale.receiptNumber };
  const problem = answer.problem ?? { code: `http_${answer.status}`, title: `HTTP ${answer.status}` };
  const error = new ApiError(answer.status, problem.code, problem.title, problem.detail);
  if (isRetryable(error)) return { retryLater: describeError(error) };
  return { refused: { code: error.code, reason: describeError(error) } };
}

async function sendOneByOne(db: TillDb, batch: OutboxEntry[]): Promise<[OutboxEntry, Outcome][]> {
  const outcomes: [OutboxEntry, Outcome][] = [];
  for (const entry of batch) {
    try {
      const token = await accessTokenOf(db, entry.staffId);
      const sale = await inSpan(SALE_SYNC_SPAN, saleSyncAttributes([entry]), (parent) =>
        api<{ id: string; receiptNumber: string | null }>('/v1/sales', {
          method: 'POST',
          token,
          parent,
          body: entry.body,
          headers: {
            'idempotency-key': entry.key,
            ...(entry.approvalIds.length ? { 'x-approval-id': entry.approvalIds.join(',') } : {}),
          },
        }),
      );
      outcomes.push([entry, { serverSaleId: sale.id, receiptLabel: sale.receiptNumber }]);
    } catch (error) {
      const message = describeError(error);
      if (isRetryable(error) || isSessionProblem(error) || !(error instanceof ApiError)) {
        outcomes.push([entry, { retryLater: message }]);
        break;
      }
      outcomes.push([entry, { refused: { code: error.code, reason: message } }]);
    }
  }
  return outcomes;
}

/** What a sale sync's span says: how many sales, and the register's numbers for them (to find it by). */
function saleSyncAttributes(entries: OutboxEntry[]) {
  return {
    'cloudpos.sale.count': entries.length,
    'cloudpos.sale.receipt_numbers': entries.map((entry) => entry.receiptNumber),
  };
}

/** A session that ran out cannot send this staff member's sales; they stay queued until sign-in. */
function isSessionProblem(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    ['unauthenticated', 'token_expired', 'refresh_token_invalid', 'refresh_token_reused'].includes(error.code)
  );
}

/** Records answers in one IndexedDB transaction: a sale confirmed, or refused into "needs attention". */
async function settle(
  db: TillDb,
  outcomes: [
    OutboxEntry,
    { serverSaleId: string; receiptLabel: string | null } | { refused: { code: string; reason: string } },
  ][],
): Promise<void> {
  if (outcomes.length === 0) return;
  const tx = db.transaction(['sales', 'outbox', 'attention'], 'readwrite');
  const sales = tx.objectStore('sales');
  const work: Promise<unknown>[] = [];
  for (const [entry, outcome] of outcomes) {
    work.push(
      sales.get(entry.key).then(async (sale) => {
        if ('refused' in outcome) {
          const attention: AttentionEntry = {
            key: entry.key,
            receiptNumber: entry.receiptNumber,
            code: outcome.refused.code,
            reason: outcome.refused.reason,
            entry,
            at: new Date().toISOString(),
          };
          await tx.objectStore('attention').put(attention);
          if (sale) await sales.put({ ...sale, status: 'needs-attention' });
        } else if (sale) {
          await sales.put({
            ...sale,
            status: 'synced',
            serverSaleId: outcome.serverSaleId,
            receiptLabel: outcome.receiptLabel ?? sale.receiptLabel,
          });
        }
        await tx.objectStore('outbox').delete(entry.receiptNumber);
      }),
    );
  }
  await Promise.all([...work, tx.done]);
}

export interface OutboxStatus {
  queued: number;
  oldest?: string;
  lastError?: string;
  attention: AttentionEntry[];
}

export async function outboxStatus(db: TillDb): Promise<OutboxStatus> {
  const tx = db.transaction(['outbox', 'attention']);
  const [queued, first, attention] = await Promise.all([
    tx.objectStore('outbox').count(),
    tx.objectStore('outbox').openCursor(),
    tx.objectStore('attention').getAll(),
  ]);
  return {
    queued,
    ...(first ? { oldest: first.value.createdAt } : {}),
    ...(first?.value.lastError ? { lastError: first.value.lastError } : {}),
    attention,
  };
}
