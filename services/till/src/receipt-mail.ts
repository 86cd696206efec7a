// E-mailing a receipt from the till: the POS API queues the mail (POST /v1/sales/:id/receipt/email)
// and its worker sends it. Online only, on purpose (ADR 0024): the customer's address is personal
// data, and a shared register would otherwise keep it in IndexedDB for as long as the network is
// away; the customer is at the counter now, so a clear "not sent, print it" beats a mail that may
// arrive hours later. The Idempotency-Key is kept while the address stays the same, so a retry
// after a lost answer never sends twice.
import { api } from './api.ts';
import type { TillDb } from './db.ts';
import { accessTokenOf } from './sessions.ts';

export interface QueuedMail {
  id: string;
  /** The address shortened by the server ("j…@example.com"). */
  to: string;
  status: 'queued';
}

export async function emailReceipt(
  db: TillDb,
  staffId: string,
  request: { saleId: string; to: string; key: string },
): Promise<QueuedMail> {
  const token = await accessTokenOf(db, staffId);
  return api<QueuedMail>(`/v1/sales/${encodeURIComponent(request.saleId)}/receipt/email`, {
    method: 'POST',
    token,
    headers: { 'idempotency-key': request.key },
    body: { to: request.to.trim() },
  });
}
