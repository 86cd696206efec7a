// Parked sales, kept on the server so that any register of the store can resume them: park the
// sale being rung up with a note (POST /v1/sales with park: true), list the store's parked sales,
// load one back into the cart (its resumeWith: the lines as they were parked), or discard it
// (sale.void: a manager, or a manager's approval). Online only: a parked sale that only this
// register knew about could not be resumed anywhere else.
import { api } from './api.ts';
import { checkoutLines, type CartLine, type OrderDiscount } from './cart.ts';
import type { CatalogItem, CheckoutLine, TillDb } from './db.ts';
import { accessTokenOf } from './sessions.ts';

export interface ParkedSummary {
  id: string;
  note: string | null;
  total: number;
  createdAt: string;
}

/** A parked sale back in the cart: completing it sends resumeSaleId. */
export interface ResumedSale {
  saleId: string;
  note: string | null;
  lines: CartLine[];
  orderDiscount?: OrderDiscount;
}

export class ParkRefused extends Error {}

export async function parkSale(
  db: TillDb,
  staffId: string,
  sale: { lines: CartLine[]; orderDiscount?: OrderDiscount | undefined; note: string; resumeSaleId?: string },
): Promise<{ id: string }> {
  const token = await accessTokenOf(db, staffId);
  return api<{ id: string }>('/v1/sales', {
    method: 'POST',
    token,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: {
      lines: checkoutLines(sale.lines),
      ...(sale.orderDiscount ? { discount: sale.orderDiscount } : {}),
      park: true,
      ...(sale.note ? { note: sale.note } : {}),
      ...(sale.resumeSaleId ? { resumeSaleId: sale.resumeSaleId } : {}),
    },
  });
}

export async function listParked(db: TillDb, staffId: string, storeId: string): Promise<ParkedSummary[]> {
  const token = await accessTokenOf(db, staffId);
  const query = new URLSearchParams({ status: 'parked', storeId, limit: '100' }).toString();
  return (await api<{ items: ParkedSummary[] }>(`/v1/sales?${query}`, { token })).items;
}

/** The parked sale's lines as cart lines, or why the till cannot show it. */
export function cartLinesOf(lines: CheckoutLine[], items: CatalogItem[]): CartLine[] {
  return lines.map((line) => {
    const item = items.find((candidate) => candidate.sku === line.sku);
    if (!item)
      throw new ParkRefused(`${line.sku ?? 'An item'} of this parked sale is no longer in the catalog.`);
    const quantity = Number(line.quantity);
    if (!Number.isInteger(quantity) || quantity < 1)
      throw new ParkRefused(
        `The till sells whole quantities; ${item.name} was parked with ${line.quantity}.`,
      );
    if (line.discount?.fixed !== undefined)
      throw new ParkRefused(`${item.name} was parked with a fixed discount, which the till cannot show yet.`);
    return {
      item,
      quantity,
      ...(line.discount?.percent ? { discountPercent: line.discount.percent } : {}),
      ...(line.unitPrice !== undefined ? { priceOverride: line.unitPrice } : {}),
    };
  });
}

export async function loadParked(
  db: TillDb,
  staffId: string,
  saleId: string,
  items: CatalogItem[],
): Promise<ResumedSale> {
  const token = await accessTokenOf(db, staffId);
  const sale = await api<{
    id: string;
    note: string | null;
    resumeWith?: { lines: CheckoutLine[]; discount?: unknown };
  }>(`/v1/sales/${saleId}`, { token });
  if (!sale.resumeWith) throw new ParkRefused('This sale is no longer parked.');
  const discount = sale.resumeWith.discount as { percent?: string; fixed?: number } | undefined;
  if (discount?.fixed !== undefined)
    throw new ParkRefused(
      'This sale was parked with a fixed order discount, which the till cannot show yet.',
    );
  return {
    saleId: sale.id,
    note: sale.note,
    lines: cartLinesOf(sale.resumeWith.lines, items),
    ...(discount?.percent ? { orderDiscount: { percent: discount.percent } } : {}),
  };
}

export async function discardParked(
  db: TillDb,
  staffId: string,
  saleId: string,
  approvalIds: string[] = [],
): Promise<void> {
  const token = await accessTokenOf(db, staffId);
  await api(`/v1/sales/${saleId}/discard`, {
    method: 'POST',
    token,
    headers: approvalIds.length ? { 'x-approval-id': approvalIds.join(',') } : {},
  });
}
