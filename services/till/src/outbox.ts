// The outbox: every sale is written to IndexedDB with its outbox entry and the register's next
// receipt number in ONE transaction, then replayed to the server in receipt-number order. An entry
// leaves the outbox only when the server has confirmed the sale (or refused it: then it moves to
// "needs attention" with the reason, in the same transaction; it is never dropped).
import { api, ApiError, isRetryable } from './api.ts';
import type { AttentionEntry, CheckoutBody, LocalSale, OutboxEntry, TillDb } from './db.ts';
import { describeError } from './messages.ts';
import { accessTokenOf } from './sessions.ts';

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

/** Queued sales read from IndexedDB at a time while replaying. */
const REPLAY_BATCH = 50;

/**
 * Sends queued sales in order until the outbox is empty or the server cannot take one now. A sale
 * is sent only after the server answered the one before it; recording an answer in IndexedDB
 * overlaps with sending the next sale (a crash in between only sends a confirmed sale again, which
 * its Idempotency-Key makes harmless), and an entry leaves the outbox only once it is confirmed.
 */
export async function replayOutbox(db: TillDb): Promise<ReplayResult> {
  const result: ReplayResult = { confirmed: 0, refused: 0 };
  let recording: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const batch = await db.getAll('outbox', undefined, REPLAY_BATCH);
      if (batch.length === 0) return result;
      // Access tokens by staff member for this batch (a token lives for minutes, a batch for a second).
      const tokens = new Map<string, Promise<string>>();
      for (const entry of batch) {
        try {
          if (!tokens.has(entry.staffId)) tokens.set(entry.staffId, accessTokenOf(db, entry.staffId));
          const token = await tokens.get(entry.staffId)!;
          const sale = await api<{ id: string; receiptNumber: string | null }>('/v1/sales', {
            method: 'POST',
            token,
            body: entry.body,
            headers: {
              'idempotency-key': entry.key,
              ...(entry.approvalIds.length ? { 'x-approval-id': entry.approvalIds.join(',') } : {}),
            },
          });
          recording = recording.then(() =>
            settle(db, entry, { serverSaleId: sale.id, receiptLabel: sale.receiptNumber }),
          );
          result.confirmed += 1;
        } catch (error) {
          await recording;
          const message = describeError(error);
          if (isRetryable(error) || isSessionProblem(error)) {
            await db.put('outbox', { ...entry, attempts: entry.attempts + 1, lastError: message });
            return { ...result, stoppedBy: message };
          }
          const code = error instanceof ApiError ? error.code : 'unknown';
          await settle(db, entry, { refused: { code, reason: message } });
          result.refused += 1;
        }
      }
      // The next batch is read once this one's answers are recorded (and its entries gone).
      await recording;
    }
  } finally {
    await recording;
  }
}

/** A session that ran out cannot send this staff member's sales; they stay queued until sign-in. */
function isSessionProblem(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    ['unauthenticated', 'token_expired', 'refresh_token_invalid', 'refresh_token_reused'].includes(error.code)
  );
}

async function settle(
  db: TillDb,
  entry: OutboxEntry,
  outcome:
    { serverSaleId: string; receiptLabel: string | null } | { refused: { code: string; reason: string } },
): Promise<void> {
  const tx = db.transaction(['sales', 'outbox', 'attention'], 'readwrite');
  const sale = await tx.objectStore('sales').get(entry.key);
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
    if (sale) await tx.objectStore('sales').put({ ...sale, status: 'needs-attention' });
  } else if (sale) {
    await tx.objectStore('sales').put({
      ...sale,
      status: 'synced',
      serverSaleId: outcome.serverSaleId,
      receiptLabel: outcome.receiptLabel ?? sale.receiptLabel,
    });
  }
  await tx.objectStore('outbox').delete(entry.receiptNumber);
  await tx.done;
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
