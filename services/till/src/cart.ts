// The sale being rung up, priced by @cloudpos/pricing exactly as the server prices it
// (sales/service.ts builds the same DocumentInput), so the till shows the server's totals offline.
import { currencyExponent, priceDocument, type DocumentInput, type PricedDocument } from '@cloudpos/pricing';
import type { CatalogItem, CheckoutLine, TaxRate } from './db.ts';

export interface CartLine {
  item: CatalogItem;
  quantity: number;
  /** Percent off this line, as decimal text ("10"); absent for none. */
  discountPercent?: string;
  /** A unit price other than the catalog's, in minor units (price.override); absent for none. */
  priceOverride?: number;
}

/** Discounts on the whole sale: percent as decimal text ("10"), spread over the lines by the engine. */
export interface OrderDiscount {
  percent: string;
}

/**
 * The server's default rounding policy; the tenant's own comes with the catalog sync (settings), and
 * the online preview (POST /v1/sales/calculate) is compared with the till's total before a commit.
 */
export const ROUNDING: Rounding = { mode: 'half-even', level: 'line' };

export interface Rounding {
  mode: 'half-even' | 'half-up';
  level: 'line' | 'document';
}

export function addItem(lines: CartLine[], item: CatalogItem, quantity = 1): CartLine[] {
  const index = lines.findIndex(
    (line) =>
      line.item.variantId === item.variantId && !line.discountPercent && line.priceOverride === undefined,
  );
  if (index === -1) return [...lines, { item, quantity }];
  return lines.map((line, i) => (i === index ? { ...line, quantity: line.quantity + quantity } : line));
}

export function priceCart(
  lines: CartLine[],
  taxRates: Map<string, TaxRate>,
  currency: string,
  orderDiscount?: OrderDiscount,
  rounding: Rounding = ROUNDING,
): PricedDocument | undefined {
  if (lines.length === 0) return undefined;
  const used = new Map<string, TaxRate>();
  for (const line of lines)
    for (const id of line.item.taxRateIds) {
      const rate = taxRates.get(id);
      if (rate && !used.has(id)) used.set(id, rate);
    }
  const document: DocumentInput = {
    currency,
    rounding,
    taxRates: [...used.values()].map(({ id, name, rate, inclusive }) => ({ id, name, rate, inclusive })),
    lines: lines.map((line, index) => ({
      id: String(index),
      quantity: line.quantity,
      unitPrice: line.priceOverride ?? line.item.unitPrice ?? 0,
      taxRateIds: line.item.taxRateIds.filter((id) => used.has(id)),
      ...(line.discountPercent ? { discount: { percent: line.discountPercent } } : {}),
    })),
    ...(orderDiscount ? { discount: { percent: orderDiscount.percent } } : {}),
  };
  return priceDocument(document);
}

export function checkoutLines(lines: CartLine[]): CheckoutLine[] {
  return lines.map((line) => ({
    sku: line.item.sku,
    quantity: String(line.quantity),
    ...(line.priceOverride !== undefined ? { unitPrice: line.priceOverride } : {}),
    ...(line.discountPercent ? { discount: { percent: line.discountPercent } } : {}),
  }));
}

/**
 * Quick-cash buttons: the exact amount, then the next round amounts a customer is likely to hand
 * over (the next multiples of 5, 10, 20, 50, 100 … major units above the total).
 */
export function quickCashAmounts(total: number, currency: string): number[] {
  const unit = 10 ** currencyExponent(currency);
  const amounts = new Set<number>([total]);
  for (const step of [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]) {
    const next = Math.ceil(total / (step * unit)) * step * unit;
    if (next > total) amounts.add(next);
  }
  return [...amounts].sort((a, b) => a - b).slice(0, 5);
}

/** Parses what the cashier typed as money ("12,50" or "12.50") into minor units, or undefined. */
export function parseMoney(text: string, currency: string): number | undefined {
  const match = /^\s*(\d{1,9})(?:[.,](\d{0,3}))?\s*$/.exec(text);
  if (!match) return undefined;
  const exponent = currencyExponent(currency);
  const fraction = (match[2] ?? '').padEnd(exponent, '0');
  if (fraction.length > exponent) return undefined;
  return Number(match[1]) * 10 ** exponent + Number(fraction || '0');
}

/** Minor units as the text parseMoney reads back ("5.00"). */
export function moneyInputText(amount: number, currency: string): string {
  const exponent = currencyExponent(currency);
  return (amount / 10 ** exponent).toFixed(exponent);
}
