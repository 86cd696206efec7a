// The ESC/POS bytes of a sale's receipt, for a receipt printer on Web Serial or WebUSB. A sale the
// server has: the server's own bytes (GET /v1/sales/:id/receipt?format=escpos). A sale still in the
// outbox: the same bytes rendered here, offline, by the same code (@cloudpos/receipts) from what the
// till stored when it priced the sale with @cloudpos/pricing, laid out as checkout stores it.
import type { PricedDocument } from '@cloudpos/pricing';
import {
  buildReceiptDocument,
  renderEscPos,
  type ReceiptSaleData,
  type ReceiptSalePayment,
} from '@cloudpos/receipts';
import { api } from './api.ts';
import type { TillSettings } from './catalog-sync.ts';
import type { LocalSale, ReceiptFigures, Register, TaxRate, TillDb } from './db.ts';
import { accessTokenOf } from './sessions.ts';

/** Characters per line of 80 mm paper, as the server renders by default. */
export const RECEIPT_WIDTH = 42;

/** What the receipt needs from the priced sale, in the shape checkout stores (sale lines, taxes). */
export function receiptFigures(
  priced: PricedDocument,
  items: { sku: string; name: string }[],
  taxRates: Map<string, TaxRate>,
): ReceiptFigures {
  const code = (rateId: string) => taxRates.get(rateId)?.code ?? rateId;
  return {
    lines: priced.lines.map((line, position) => ({
      position,
      sku: items[position]!.sku,
      name: items[position]!.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      gross: line.gross,
      discountTotal: line.discountTotal,
      total: line.total,
      taxes: line.taxes.map((tax) => ({ code: code(tax.rateId) })),
    })),
    taxes: priced.taxes.map((tax) => ({
      code: code(tax.rateId),
      name: tax.name,
      rate: tax.rate,
      inclusive: tax.inclusive,
      base: tax.taxableBase,
      amount: tax.tax,
    })),
    totals: {
      subtotal: priced.totals.subtotal,
      discountTotal: priced.totals.discountTotal,
      taxTotal: priced.totals.tax,
      inclusiveTaxTotal: priced.totals.inclusiveTax,
      total: priced.totals.total,
    },
  };
}

export interface ReceiptPlace {
  register: Register;
  settings: TillSettings;
  /** The cashier's name as the server knows it (the session's display name). */
  cashier: string;
}

/** The receipt data of a sale made on this till, as the server would read it once committed. */
export function localReceiptData(
  sale: LocalSale,
  figures: ReceiptFigures,
  place: ReceiptPlace,
): ReceiptSaleData {
  const { register, settings } = place;
  const payments: ReceiptSalePayment[] = sale.body.tenders.map((tender) =>
    tender.method === 'cash'
      ? {
          method: 'cash',
          amount: tender.amount,
          tendered: tender.tendered,
          change: tender.tendered - tender.amount,
        }
      : tender.method === 'external'
        ? { method: 'external', amount: tender.amount, label: tender.label }
        : { method: 'card', amount: tender.amount },
  );
  const paid = payments.reduce((sum, payment) => sum + payment.amount, 0);
  return {
    kind: 'sale',
    receiptNumber: sale.receiptNumber,
    registerCode: register.code,
    completedAt: sale.createdAt,
    locale: settings.profile?.locale ?? 'en-US',
    timezone: register.tenant.timezone,
    currency: register.tenant.currency,
    merchant: { name: settings.profile?.displayName ?? register.tenant.slug },
    store: { code: register.storeCode, name: register.storeName },
    cashier: { name: place.cashier },
    till: { name: register.name },
    lines: figures.lines,
    taxes: figures.taxes,
    // What cash rounding added is what the tenders paid beyond the total.
    totals: { ...figures.totals, cashRounding: paid - figures.totals.total },
    payments,
    header: settings.receipt?.header ?? [],
    footer: settings.receipt?.footer ?? [],
  };
}

/** The bytes the printer gets for a sale made on this till, rendered here. */
export function localEscPos(sale: LocalSale, figures: ReceiptFigures, place: ReceiptPlace): Uint8Array {
  return renderEscPos(buildReceiptDocument(localReceiptData(sale, figures, place)), {
    width: RECEIPT_WIDTH,
    barcode: true,
  });
}

export class ReceiptUnavailable extends Error {}

/** The server's bytes when it has the sale (and can be reached), else the till's own rendering. */
export async function receiptBytes(
  db: TillDb,
  staffId: string,
  sale: LocalSale,
  place: ReceiptPlace,
): Promise<{ bytes: Uint8Array; from: 'server' | 'till' }> {
  if (sale.serverSaleId) {
    try {
      const token = await accessTokenOf(db, staffId);
      const buffer = await api<ArrayBuffer>(
        `/v1/sales/${sale.serverSaleId}/receipt?format=escpos&width=${RECEIPT_WIDTH}`,
        { token, as: 'bytes' },
      );
      return { bytes: new Uint8Array(buffer), from: 'server' };
    } catch (error) {
      if (!sale.display.receipt) throw error;
      // Offline again: the till's own rendering is the same receipt.
    }
  }
  if (!sale.display.receipt)
    throw new ReceiptUnavailable(
      'This sale was made before the till could print receipts itself: print it once the network is back.',
    );
  return { bytes: localEscPos(sale, sale.display.receipt, place), from: 'till' };
}
