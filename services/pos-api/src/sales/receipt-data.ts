// What a receipt of a sale needs, read as it was stored (see receipts/document.ts): the sale, its
// store, register, cashier, the original of a return, the tenant's profile and its receipt header
// and footer (the `receipt` settings, as the settings domain reads them).
import { query, tableOf as q } from '../db/sql.ts';
import { problem } from '../errors.ts';
import type {
  ReceiptSaleData,
  ReceiptSaleLine,
  ReceiptSalePayment,
  ReceiptSaleTax,
} from '@cloudpos/receipts';
import { effectiveSettings, receiptProfileOf } from '../settings/index.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { getSale } from './lookup.ts';

export async function receiptData(ctx: RequestContext, saleId: string): Promise<ReceiptSaleData> {
  const sale = (await getSale(ctx, saleId)) as unknown as Record<string, unknown> & {
    lines: ReceiptSaleLine[];
    taxes: ReceiptSaleTax[];
    payments: ReceiptSalePayment[];
  };
  if (sale.status !== 'completed')
    throw problem(
      'sale_has_no_receipt',
      sale.status === 'open'
        ? `sale ${saleId} is parked: it gets its receipt when it is completed`
        : `sale ${saleId} was discarded: it has no receipt`,
      { extensions: { saleStatus: sale.status } },
    );
  const { rows } = await query<{
    store_name: string;
    store_code: string;
    number: string;
    register_code: string | null;
    original_code: string | null;
    original_number: string | null;
    original_register: string | null;
    staff: string | null;
    till: string | null;
    profile: unknown;
    receipt: unknown;
  }>(
    ctx,
    `select st.name as store_name, st.code as store_code, s.receipt_number::text as number, s.register_code,
            ost.code as original_code, o.receipt_number::text as original_number, o.register_code as original_register,
            m.display_name as staff, d.name as till,
            (select value from ${q(ctx, 'setting')} where key = 'tenant.profile') as profile,
            (select value from ${q(ctx, 'setting')} where key = 'receipt') as receipt
       from ${q(ctx, 'sale')} s join ${q(ctx, 'store')} st on st.id = s.store_id
       left join ${q(ctx, 'sale')} o on o.id = s.original_sale_id
       left join ${q(ctx, 'store')} ost on ost.id = o.store_id
       left join ${q(ctx, 'staff_member')} m on m.id = s.staff_id
       left join ${q(ctx, 'till_device')} d on d.id = s.device_id
      where s.id = $1`,
    [saleId],
  );
  const row = rows[0]!;
  const { header, footer } = effectiveSettings({ receipt: row.receipt }, ctx.tenant.currency).receipt;
  const profile = receiptProfileOf(row.profile, ctx.tenant.slug);
  const amount = (key: string) => sale[key] as number;
  return {
    // An unreceipted return prints as a return without an original.
    kind: sale.kind === 'sale' ? 'sale' : 'return',
    receiptNumber: Number(row.number),
    registerCode: row.register_code,
    original: row.original_code
      ? {
          storeCode: row.original_code,
          receiptNumber: Number(row.original_number),
          registerCode: row.original_register,
        }
      : null,
    completedAt: new Date(sale.completedAt as string),
    locale: profile.locale,
    timezone: ctx.tenant.timezone,
    currency: sale.currency as string,
    merchant: { name: profile.displayName },
    store: { code: row.store_code, name: row.store_name },
    cashier: row.staff ? { name: row.staff } : null,
    till: row.till ? { name: row.till } : null,
    lines: sale.lines.map((line, position) => ({ ...line, position })),
    taxes: sale.taxes,
    totals: {
      subtotal: amount('subtotal'),
      discountTotal: amount('discountTotal'),
      taxTotal: amount('taxTotal'),
      inclusiveTaxTotal: amount('inclusiveTaxTotal'),
      total: amount('total'),
      cashRounding: amount('cashRounding'),
    },
    payments: sale.payments,
    header,
    footer,
  };
}
