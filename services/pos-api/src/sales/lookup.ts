// Finding sales again: a filtered list, newest first, in pages with an opaque cursor, and a sale by
// the receipt number printed on it (what a till scans to start a return). Read-only SQL on the
// sales tables, which this domain owns.
import type pg from 'pg';
import { problem } from '../errors.ts';
import type { RequestContext } from '../tenancy/context.ts';

export interface SaleListQuery {
  receiptNumber?: string;
  storeId?: string;
  deviceId?: string;
  staffId?: string;
  status?: 'parked' | 'completed' | 'returned' | 'voided';
  kind?: 'sale' | 'return';
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
  created_at: Date;
  completed_at: Date | null;
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

export function saleLookup(pool: pg.Pool) {
  const q = (ctx: RequestContext, table: string) => `"${ctx.tenant.schema}".${table}`;
  const hasReturn = (ctx: RequestContext) =>
    `exists (select 1 from ${q(ctx, 'sale')} r where r.original_sale_id = s.id and r.kind = 'return' and r.status = 'completed')`;

  async function list(ctx: RequestContext, query: SaleListQuery) {
    const limit = query.limit ?? 50;
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.receiptNumber !== undefined)
      where.push(`s.receipt_label = ${param(query.receiptNumber.trim())}`);
    if (query.storeId) where.push(`s.store_id = ${param(query.storeId)}`);
    if (query.deviceId) where.push(`s.device_id = ${param(query.deviceId)}`);
    if (query.staffId) where.push(`s.staff_id = ${param(query.staffId)}`);
    if (query.kind) where.push(`s.kind = ${param(query.kind)}`);
    if (query.status === 'parked') where.push(`s.status = 'open'`);
    if (query.status === 'completed') where.push(`s.status = 'completed'`);
    if (query.status === 'voided') where.push(`s.status = 'voided'`);
    if (query.status === 'returned') where.push(`s.kind = 'sale' and ${hasReturn(ctx)}`);
    if (query.from) where.push(`s.created_at >= ${param(query.from)}`);
    if (query.to) where.push(`s.created_at < ${param(query.to)}`);
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      where.push(`(s.created_at, s.id) < (${param(cursor.at)}::timestamptz, ${param(cursor.id)}::uuid)`);
    }
    const { rows } = await pool.query<SummaryRow>(
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
      next:
        rows.length > limit && last ? encodeCursor({ at: last.created_at.toISOString(), id: last.id }) : null,
    };
  }

  /** The sale or return whose receipt carries this number; 404 when there is none. */
  async function idByReceiptNumber(ctx: RequestContext, label: string): Promise<string> {
    const { rows } = await pool.query<{ id: string }>(
      `select id from ${q(ctx, 'sale')} where receipt_label = $1`,
      [label.trim()],
    );
    if (!rows[0]) throw problem('sale_not_found', `no sale has the receipt number ${label}`);
    return rows[0].id;
  }

  /** Numbers registers skipped and whose sales have not arrived (an offline till not synced yet, or lost). */
  async function receiptGaps(ctx: RequestContext) {
    const { rows } = await pool.query<{ device_id: string; code: string; number: string; detected_at: Date }>(
      `select g.device_id, d.code, g.number::text, g.detected_at
         from ${q(ctx, 'receipt_gap')} g join ${q(ctx, 'till_device')} d on d.id = g.device_id
        order by d.code, g.number limit 1000`,
    );
    return {
      items: rows.map((row) => ({
        deviceId: row.device_id,
        registerCode: row.code,
        number: Number(row.number),
        detectedAt: row.detected_at.toISOString(),
      })),
      next: null,
    };
  }

  return { list, idByReceiptNumber, receiptGaps };
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
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

export type SaleLookup = ReturnType<typeof saleLookup>;
