// Finding sales again: a filtered list, newest first, in pages with an opaque cursor, and a sale by
// the receipt number printed on it (what a till scans to start a return). Read-only SQL on the
// sales tables, which this domain owns.
import type pg from 'pg';
import { problem } from '../errors.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { receiptLabel } from './service.ts';

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
  store_code: string;
  receipt_number: string | null;
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

/** "MAIN-000123" → the store code and the number; undefined when it is not a receipt number. */
export function parseReceiptNumber(label: string): { storeCode: string; number: number } | undefined {
  const match = /^(\S+)-(\d{1,15})$/.exec(label.trim());
  if (!match) return undefined;
  const number = Number(match[2]);
  return Number.isSafeInteger(number) && number > 0 ? { storeCode: match[1]!, number } : undefined;
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
    if (query.receiptNumber !== undefined) {
      const receipt = parseReceiptNumber(query.receiptNumber);
      if (!receipt) return { items: [], next: null };
      where.push(`st.code = ${param(receipt.storeCode)} and s.receipt_number = ${param(receipt.number)}`);
    }
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
      `select s.id, s.kind, s.status, st.code as store_code, s.receipt_number::text, s.original_sale_id,
              (s.kind = 'sale' and ${hasReturn(ctx)}) as returned,
              s.store_id, s.device_id, s.staff_id, s.currency, s.total::text, s.note, s.created_at, s.completed_at
         from ${q(ctx, 'sale')} s join ${q(ctx, 'store')} st on st.id = s.store_id
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
    const receipt = parseReceiptNumber(label);
    const { rows } = receipt
      ? await pool.query<{ id: string }>(
          `select s.id from ${q(ctx, 'sale')} s join ${q(ctx, 'store')} st on st.id = s.store_id
            where st.code = $1 and s.receipt_number = $2`,
          [receipt.storeCode, receipt.number],
        )
      : { rows: [] };
    if (!rows[0]) throw problem('sale_not_found', `no sale has the receipt number ${label}`);
    return rows[0].id;
  }

  return { list, idByReceiptNumber };
}

function summary(row: SummaryRow) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    receiptNumber:
      row.receipt_number === null ? null : receiptLabel(row.store_code, Number(row.receipt_number)),
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
