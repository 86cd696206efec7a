// The sales tables (sale, sale_line, sale_tax, payment, register_counter, receipt_gap): the only
// file that writes them. Raw SQL with set-based inserts (a sale of 200 lines is one statement per
// table), in the caller's transaction.
import { createHash, randomUUID } from 'node:crypto';
import { query, statementText, tableOf } from '../db/sql.ts';
import { problem } from '../errors.ts';
import { deviceIdOf, staffActorOf, type RequestContext } from '../tenancy/context.ts';

export type SaleKind = 'sale' | 'return' | 'unreceipted_return';

export interface SaleRow {
  id: string;
  kind: SaleKind;
  status: 'open' | 'completed';
  storeId: string;
  receipt: ReceiptNumber | null;
  originalSaleId?: string | null;
  customerId?: string | null;
  currency: string;
  roundingMode: string;
  roundingLevel: string;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  inclusiveTaxTotal: number;
  total: number;
  cashRounding: number;
  /** What was asked for, as stored evidence. */
  request: unknown;
  note?: string | null;
  clientCreatedAt?: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

export interface LineTax {
  taxRateId: string;
  code: string;
  amount: number;
  inclusive: boolean;
}

export interface LineRow {
  id: string;
  variantId: string | null;
  sku: string;
  name: string;
  /** Decimal text; negative on returns. */
  quantity: string;
  unitPrice: number;
  gross: number;
  discountTotal: number;
  net: number;
  taxTotal: number;
  total: number;
  taxes: LineTax[];
  originalLineId?: string | null;
  restock?: boolean | null;
}

export interface TaxRow {
  taxRateId: string;
  code: string;
  name: string;
  rate: string;
  inclusive: boolean;
  base: number;
  amount: number;
}

export interface PaymentRow {
  id?: string;
  method: string;
  amount: number;
  status?: 'succeeded' | 'pending';
  tendered?: number;
  change?: number;
  label?: string;
  providerRef?: string;
  refundOf?: string;
}

export interface ReceiptNumber {
  number: number;
  registerCode: string;
  label: string;
}

const insertSaleText = statementText();

/**
 * The sale with its lines, taxes and payments: one statement (the child rows are inserted by
 * data-modifying CTEs from arrays, one per column), so a sale costs one round trip however many
 * lines, rates and tenders it has.
 */
export async function insertSale(
  ctx: RequestContext,
  sale: SaleRow,
  lines: LineRow[],
  taxes: TaxRow[],
  payments: PaymentRow[],
): Promise<void> {
  const saleValues = [
    sale.id,
    sale.kind,
    sale.status,
    sale.storeId,
    sale.receipt?.number ?? null,
    sale.originalSaleId ?? null,
    deviceIdOf(ctx) ?? null,
    ctx.actor?.kind === 'staff' ? ctx.actor.staffId : null,
    sale.customerId ?? null,
    sale.currency,
    sale.roundingMode,
    sale.roundingLevel,
    sale.subtotal,
    sale.discountTotal,
    sale.taxTotal,
    sale.inclusiveTaxTotal,
    sale.total,
    sale.cashRounding,
    JSON.stringify(sale.request),
    sale.note ?? null,
    sale.clientCreatedAt ?? null,
    sale.createdAt,
    sale.completedAt,
    sale.receipt?.registerCode ?? null,
    sale.receipt?.label ?? null,
  ];
  const lineColumns = columns(
    lines.map((line, position) => [
      line.id,
      position,
      line.variantId,
      line.sku,
      line.name,
      line.quantity,
      line.unitPrice,
      line.gross,
      line.discountTotal,
      line.net,
      line.taxTotal,
      line.total,
      JSON.stringify(line.taxes),
      line.originalLineId ?? null,
      line.restock ?? null,
    ]),
    15,
  );
  const taxColumns = columns(
    taxes.map((tax) => [tax.taxRateId, tax.code, tax.name, tax.rate, tax.inclusive, tax.base, tax.amount]),
    7,
  );
  const paymentColumns = columns(
    payments.map((payment, position) => [
      position,
      payment.id ?? randomUUID(),
      payment.method,
      payment.status ?? 'succeeded',
      payment.amount,
      payment.tendered ?? null,
      payment.change ?? null,
      payment.label ?? null,
      payment.providerRef ? 'stripe' : null,
      payment.providerRef ?? null,
      payment.refundOf ?? null,
    ]),
    11,
  );
  // $1..$25 the sale, $26..$40 the lines, $41..$47 the taxes, $48..$58 the payments (empty arrays
  // insert nothing).
  await query(
    ctx,
    insertSaleText(
      ctx,
      () => `with sale as (
       insert into ${tableOf(ctx, 'sale')} (id, kind, status, store_id, receipt_number, original_sale_id, device_id, staff_id,
         customer_id, currency, rounding_mode, rounding_level, subtotal, discount_total, tax_total, inclusive_tax_total,
         total, cash_rounding, request, note, client_created_at, created_at, completed_at, version, register_code, receipt_label)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 1, $24, $25)
       returning id),
     lines as (
       insert into ${tableOf(ctx, 'sale_line')} (id, sale_id, position, variant_id, sku, name, quantity, unit_price, gross,
         discount_total, net, tax_total, total, taxes, original_line_id, restock)
       select l.id, sale.id, l.position, l.variant_id, l.sku, l.name, l.quantity, l.unit_price, l.gross, l.discount_total,
              l.net, l.tax_total, l.total, l.taxes, l.original_line_id, l.restock
         from sale, unnest($26::uuid[], $27::int[], $28::uuid[], $29::text[], $30::text[], $31::numeric[], $32::bigint[],
           $33::bigint[], $34::bigint[], $35::bigint[], $36::bigint[], $37::bigint[], $38::jsonb[], $39::uuid[], $40::bool[])
           as l(id, position, variant_id, sku, name, quantity, unit_price, gross, discount_total, net, tax_total, total,
                taxes, original_line_id, restock)),
     taxes as (
       insert into ${tableOf(ctx, 'sale_tax')} (sale_id, tax_rate_id, code, name, rate, inclusive, base, amount)
       select sale.id, t.* from sale, unnest($41::uuid[], $42::text[], $43::text[], $44::numeric[], $45::bool[],
         $46::bigint[], $47::bigint[]) as t)
     insert into ${tableOf(ctx, 'payment')} (position, id, sale_id, method, status, amount, tendered, change, label,
       provider, provider_ref, refund_of_payment_id)
     select p.position, p.id, sale.id, p.method, p.status, p.amount, p.tendered, p.change, p.label, p.provider,
            p.provider_ref, p.refund_of
       from sale, unnest($48::int[], $49::uuid[], $50::text[], $51::text[], $52::bigint[], $53::bigint[], $54::bigint[],
         $55::text[], $56::text[], $57::text[], $58::uuid[])
         as p(position, id, method, status, amount, tendered, change, label, provider, provider_ref, refund_of)`,
    ),
    [...saleValues, ...lineColumns, ...taxColumns, ...paymentColumns],
  );
}

/** Removes a parked sale's rows so that its completion can write them anew under the same id. */
export async function deleteParkedSale(ctx: RequestContext, saleId: string): Promise<void> {
  await query(ctx, `delete from ${tableOf(ctx, 'sale_tax')} where sale_id = $1`, [saleId]);
  await query(ctx, `delete from ${tableOf(ctx, 'sale_line')} where sale_id = $1`, [saleId]);
  await query(ctx, `delete from ${tableOf(ctx, 'sale')} where id = $1`, [saleId]);
}

/** Locks a sale's row and answers its status (undefined: no such sale). */
export async function lockSale(ctx: RequestContext, saleId: string): Promise<string | undefined> {
  const { rows } = await query<{ status: string }>(
    ctx,
    `select status from ${tableOf(ctx, 'sale')} where id = $1 for update`,
    [saleId],
  );
  return rows[0]?.status;
}

export async function setSaleStatus(ctx: RequestContext, saleId: string, status: 'voided'): Promise<void> {
  await query(ctx, `update ${tableOf(ctx, 'sale')} set status = $2, version = version + 1 where id = $1`, [
    saleId,
    status,
  ]);
}

/** How far ahead of its counter a register may number a sale (the numbers between become gaps). */
const MAX_RECEIPT_GAP = 1000;

const nextNumberText = statementText();
const ownNumberText = statementText();

/**
 * The sale's number on its register (the till it is made on), gapless per register: the register's
 * own number when it sends one (a till numbers what it sells offline), else the next one. The
 * register's counter row stays locked until the sale commits, so a register's numbers are given in
 * order and a rolled-back sale gives its number back, while other registers commit in parallel.
 * A number past the next one leaves a gap, recorded (not hidden) until its sale arrives; a number
 * another sale of the register already has is refused.
 */
export async function takeReceiptNumber(
  ctx: RequestContext,
  storeCode: string,
  requested: number | undefined,
): Promise<ReceiptNumber> {
  const deviceId = staffActorOf(ctx).deviceId;
  const counter = tableOf(ctx, 'register_counter');
  const gap = tableOf(ctx, 'receipt_gap');
  const device = tableOf(ctx, 'till_device');
  // The usual cases in one statement: the server's next number, or the register's own when it is
  // the next one. Either locks the counter row until commit.
  const next = await query<{ last: string; code: string }>(
    ctx,
    requested === undefined
      ? nextNumberText(
          ctx,
          () => `with counter as (
                   insert into ${counter} (device_id, last) values ($1, 1)
                   on conflict (device_id) do update set last = ${counter}.last + 1 returning last)
                 select counter.last, d.code from counter, ${device} d where d.id = $1`,
        )
      : ownNumberText(
          ctx,
          () => `with counter as (
                   update ${counter} set last = $2 where device_id = $1 and last = $2 - 1 returning last)
                 select counter.last, d.code from counter, ${device} d where d.id = $1`,
        ),
    requested === undefined ? [deviceId] : [deviceId, requested],
  );
  if (next.rows[0]) {
    const { last, code } = next.rows[0];
    return { number: Number(last), registerCode: code, label: receiptLabel(storeCode, code, Number(last)) };
  }
  const { rows } = await query<{ last: string; code: string }>(
    ctx,
    `with counter as (
       insert into ${counter} (device_id, last) values ($1, 0)
       on conflict (device_id) do update set last = ${counter}.last returning last)
     select counter.last, d.code from counter, ${device} d where d.id = $1`,
    [deviceId],
  );
  const last = Number(rows[0]!.last);
  const registerCode = rows[0]!.code;
  const number = requested ?? last + 1;
  if (number > last + 1 + MAX_RECEIPT_GAP)
    throw problem(
      'receipt_number_invalid',
      `register ${registerCode} is at ${last}: ${number} would skip more than ${MAX_RECEIPT_GAP} numbers`,
    );
  if (number <= last) {
    // Only a number the register skipped may come later (an offline sale arriving after newer ones).
    const filled = await query(ctx, `delete from ${gap} where device_id = $1 and number = $2`, [
      deviceId,
      number,
    ]);
    if (filled.rowCount === 0)
      throw problem('receipt_number_taken', `register ${registerCode} already used number ${number}`);
  } else {
    if (number > last + 1)
      await query(
        ctx,
        `insert into ${gap} (device_id, number)
         select $1, n from generate_series($2::bigint, $3::bigint) as n on conflict do nothing`,
        [deviceId, last + 1, number - 1],
      );
    await query(ctx, `update ${counter} set last = $2 where device_id = $1`, [deviceId, number]);
  }
  return { number, registerCode, label: receiptLabel(storeCode, registerCode, number) };
}

/** The number printed and scanned: store code, register code, the register's number (MAIN-T1-000042). */
export const receiptLabel = (storeCode: string, registerCode: string, number: number) =>
  `${storeCode}-${registerCode}-${String(number).padStart(6, '0')}`;

/** A UUID (v4 layout) derived from a name: the same request always names the same rows. */
export function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function columns(rows: unknown[][], count: number): unknown[][] {
  return Array.from({ length: count }, (_, column) => rows.map((row) => row[column]));
}
