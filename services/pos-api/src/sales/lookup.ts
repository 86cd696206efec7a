// Finding sales again: a filtered list, newest first, in pages with an opaque cursor, a sale by the
// receipt number printed on it (what a till scans to start a return), and a sale as stored.
// Read-only SQL on the sales tables, in the request's transaction when it has one.
import { query, tableOf } from '../db/sql.ts';
import { problem } from '../errors.ts';
import { quantityText, thousandths } from '../quantity.ts';
import type { RequestContext } from '../tenancy/context.ts';

export interface SaleListQuery {
  receiptNumber?: string;
  storeId?: string;
  deviceId?: string;
  staffId?: string;
  status?: 'parked' | 'completed' | 'returned' | 'voided';
  kind?: 'sale' | 'return' | 'unreceipted_return';
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

interface SummaryRow {
  id: string;
  kind: 'sale' | 'return';
  status: 'open' | 'completed' | 'voided';
  receipt_label: string | null;
  original_sale_id: string | null;
  returned: boolean;
  store_id: string;
  device_id: string | null;
  staff_id: string | null;
  currency: string;
  total: string;
  note: string | null;
  created_at: string;
  completed_at: string | null;
}

/** The position after the last row of a page: (created_at, id), newest first. */
interface Cursor {
  at: string;
  id: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(value: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (
      typeof cursor.at === 'string' &&
      !Number.isNaN(Date.parse(cursor.at)) &&
      typeof cursor.id === 'string' &&
      /^[0-9a-f-]{36}$/.test(cursor.id)
    )
      return { at: cursor.at, id: cursor.id };
  } catch {
    // Falls through to the problem below.
  }
  throw problem('invalid_cursor', 'pass the `next` of the previous page unchanged');
}

const q = tableOf;
const hasReturn = (ctx: RequestContext) =>
  `exists (select 1 from ${q(ctx, 'sale')} r where r.original_sale_id = s.id and r.kind = 'return' and r.status = 'completed')`;
const iso = (at: string) => new Date(at).toISOString();

export async function listSales(ctx: RequestContext, filter: SaleListQuery) {
  const limit = filter.limit ?? 50;
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.receiptNumber !== undefined)
    where.push(`s.receipt_label = ${param(filter.receiptNumber.trim())}`);
  if (filter.storeId) where.push(`s.store_id = ${param(filter.storeId)}`);
  if (filter.deviceId) where.push(`s.device_id = ${param(filter.deviceId)}`);
  if (filter.staffId) where.push(`s.staff_id = ${param(filter.staffId)}`);
  if (filter.kind) where.push(`s.kind = ${param(filter.kind)}`);
  if (filter.status === 'parked') where.push(`s.status = 'open'`);
  if (filter.status === 'completed') where.push(`s.status = 'completed'`);
  if (filter.status === 'voided') where.push(`s.status = 'voided'`);
  if (filter.status === 'returned') where.push(`s.kind = 'sale' and ${hasReturn(ctx)}`);
  if (filter.from) where.push(`s.created_at >= ${param(filter.from)}`);
  if (filter.to) where.push(`s.created_at < ${param(filter.to)}`);
  if (filter.cursor) {
    const cursor = decodeCursor(filter.cursor);
    where.push(`(s.created_at, s.id) < (${param(cursor.at)}::timestamptz, ${param(cursor.id)}::uuid)`);
  }
  const { rows } = await query<SummaryRow>(
    ctx,
    `select s.id, s.kind, s.status, s.receipt_label, s.original_sale_id,
              (s.kind = 'sale' and ${hasReturn(ctx)}) as returned,
              s.store_id, s.device_id, s.staff_id, s.currency, s.total::text, s.note, s.created_at, s.completed_at
         from ${q(ctx, 'sale')} s
        ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
        order by s.created_at desc, s.id desc
        limit ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(summary),
    next: rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
  };
}

/** The sale or return whose receipt carries this number; 404 when there is none. */
export async function saleIdByReceiptNumber(ctx: RequestContext, label: string): Promise<string> {
  const { rows } = await query<{ id: string }>(
    ctx,
    `select id from ${q(ctx, 'sale')} where receipt_label = $1`,
    [label.trim()],
  );
  if (!rows[0]) throw problem('sale_not_found', `no sale has the receipt number ${label}`);
  return rows[0].id;
}

/** Numbers registers skipped and whose sales have not arrived (an offline till not synced yet, or lost). */
export async function receiptGaps(ctx: RequestContext) {
  const { rows } = await query<{ device_id: string; code: string; number: string; detected_at: string }>(
    ctx,
    `select g.device_id, d.code, g.number::text, g.detected_at
         from ${q(ctx, 'receipt_gap')} g join ${q(ctx, 'till_device')} d on d.id = g.device_id
        order by d.code, g.number limit 1000`,
  );
  return {
    items: rows.map((row) => ({
      deviceId: row.device_id,
      registerCode: row.code,
      number: Number(row.number),
      detectedAt: iso(row.detected_at),
    })),
    next: null,
  };
}

function summary(row: SummaryRow) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    receiptNumber: row.receipt_label,
    originalSaleId: row.original_sale_id,
    returned: row.returned,
    storeId: row.store_id,
    deviceId: row.device_id,
    staffId: row.staff_id,
    currency: row.currency,
    total: Number(row.total),
    note: row.note,
    createdAt: iso(row.created_at),
    completedAt: row.completed_at ? iso(row.completed_at) : null,
  };
}

/** A sale or return as stored, with its lines, taxes and payments. */
export async function getSale(ctx: RequestContext, saleId: string) {
  const sale = await query<Record<string, unknown> & { createdAt: string; completedAt: string | null }>(
    ctx,
    `select s.id, s.kind, s.status, s.store_id as "storeId", s.receipt_label as "receiptNumber",
            s.original_sale_id as "originalSaleId", s.currency, s.subtotal::float8, s.discount_total::float8 as "discountTotal",
            s.tax_total::float8 as "taxTotal", s.inclusive_tax_total::float8 as "inclusiveTaxTotal", s.total::float8,
            s.cash_rounding::float8 as "cashRounding", s.note, s.created_at as "createdAt", s.completed_at as "completedAt",
            case when s.status = 'open' then s.request end as "resumeWith"
       from ${q(ctx, 'sale')} s where s.id = $1`,
    [saleId],
  );
  if (!sale.rows[0]) throw problem('sale_not_found', `no sale ${saleId}`);
  const { resumeWith, ...row } = sale.rows[0];
  // One statement after another: a transaction's connection runs one at a time anyway.
  const lines = await query<Record<string, unknown>>(
    ctx,
    `select id, sku, name, quantity::text, unit_price::float8 as "unitPrice", gross::float8, discount_total::float8 as "discountTotal",
            net::float8, tax_total::float8 as "taxTotal", total::float8, taxes, refunded_quantity::text as "refundedQuantity",
            original_line_id as "originalLineId", restock
       from ${q(ctx, 'sale_line')} where sale_id = $1 order by position`,
    [saleId],
  );
  const taxes = await query(
    ctx,
    `select tax_rate_id as "taxRateId", code, name, rate::text, inclusive, base::float8, amount::float8
       from ${q(ctx, 'sale_tax')} where sale_id = $1 order by code`,
    [saleId],
  );
  const payments = await query(
    ctx,
    `select id, method, status, amount::float8, tendered::float8, change::float8, label, provider_ref as "providerRef"
       from ${q(ctx, 'payment')} where sale_id = $1 order by position, created_at, id`,
    [saleId],
  );
  return {
    ...row,
    createdAt: iso(row.createdAt),
    completedAt: row.completedAt ? iso(row.completedAt) : null,
    lines: lines.rows.map((line) => ({
      ...line,
      quantity: quantityText(thousandths(String(line.quantity))),
      refundedQuantity: quantityText(thousandths(String(line.refundedQuantity))),
    })),
    taxes: taxes.rows,
    payments: payments.rows,
    // A parked sale: the lines and order discount it was parked with, to be sent again.
    ...(resumeWith
      ? { resumeWith: parkedRequest(resumeWith as { lines: unknown[]; discount?: unknown }) }
      : {}),
  };
}

function parkedRequest(request: { lines: unknown[]; discount?: unknown }) {
  return { lines: request.lines, ...(request.discount ? { discount: request.discount } : {}) };
}

export type StoredSale = Awaited<ReturnType<typeof getSale>>;
