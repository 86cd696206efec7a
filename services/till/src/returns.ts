// Returns at the till: find the sale by its receipt number (typed, or scanned from the receipt's
// barcode), choose what comes back, and refund it in cash (POST /v1/sales/:id/returns). The server
// computes the refund (cumulatively, so no series of returns exceeds the sale) and locks the
// refundable quantities; a cashier needs a manager's approval (sale.refund). Online only.
//
// The return takes the register's next receipt number on the server (the API numbers returns
// itself), so the till first makes sure no sale of its own waits in the outbox with a number the
// server has not seen, then moves its own counter past the return's number.
import { api } from './api.ts';
import type { TillDb } from './db.ts';
import { NEXT_RECEIPT } from './outbox.ts';
import { lastReceiptNumber } from './register.ts';
import { accessTokenOf } from './sessions.ts';

export interface SoldLine {
  id: string;
  sku: string;
  name: string;
  quantity: string;
  refundedQuantity: string;
  total: number;
}

export interface SoldSale {
  id: string;
  kind: string;
  status: string;
  receiptNumber: string | null;
  total: number;
  lines: SoldLine[];
}

export interface ReturnAnswer {
  id: string;
  receiptNumber: string | null;
  total: number;
  payments: { method: string; amount: number }[];
}

export class ReturnRefused extends Error {}

/** How many more of a line may come back (whole units: the till returns what it sells). */
export function returnable(line: SoldLine): number {
  return Math.max(0, Math.floor(Number(line.quantity) - Number(line.refundedQuantity)));
}

export async function findSale(db: TillDb, staffId: string, receiptNumber: string): Promise<SoldSale> {
  const token = await accessTokenOf(db, staffId);
  const sale = await api<SoldSale>(`/v1/sales/by-receipt/${encodeURIComponent(receiptNumber.trim())}`, {
    token,
  });
  if (sale.kind !== 'sale') throw new ReturnRefused(`${receiptNumber} is a return, not a sale.`);
  if (sale.status !== 'completed') throw new ReturnRefused(`${receiptNumber} is not a completed sale.`);
  return sale;
}

export async function refundInCash(
  db: TillDb,
  staffId: string,
  request: {
    saleId: string;
    lines: { lineId: string; quantity: string }[];
    restock: boolean;
    reason?: string;
    /** One key for every try of this return (a retry after an approval, or after a lost answer). */
    key: string;
    approvalIds?: string[];
  },
): Promise<ReturnAnswer> {
  if ((await db.count('outbox')) > 0)
    throw new ReturnRefused('Sales of this register are waiting for the server. Sync them before a return.');
  const token = await accessTokenOf(db, staffId);
  const answer = await api<ReturnAnswer>(`/v1/sales/${request.saleId}/returns`, {
    method: 'POST',
    token,
    headers: {
      'idempotency-key': request.key,
      ...(request.approvalIds?.length ? { 'x-approval-id': request.approvalIds.join(',') } : {}),
    },
    body: {
      lines: request.lines,
      restock: request.restock,
      refundTo: 'cash',
      ...(request.reason ? { reason: request.reason } : {}),
    },
  });
  await passReceiptNumber(db, answer.receiptNumber);
  return answer;
}

/** Moves the register's next number past one the server gave (never back). */
async function passReceiptNumber(db: TillDb, label: string | null): Promise<void> {
  const register = (await db.get('meta', 'register')) as { code: string } | undefined;
  if (!label || !register) return;
  const used = lastReceiptNumber([label], register.code);
  const tx = db.transaction('meta', 'readwrite');
  const next = Number((await tx.store.get(NEXT_RECEIPT)) ?? 1);
  if (used + 1 > next) await tx.store.put(used + 1, NEXT_RECEIPT);
  await tx.done;
}
