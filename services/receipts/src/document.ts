// The receipt as a document: everything a receipt shows, already decided, as plain JSON. The
// renderers (text, HTML, ESC/POS) only lay it out; they never compute a figure. Every amount is the
// integer of minor units the sale was committed with (see @cloudpos/tenant-db `Sale`), so a receipt
// printed again next year shows exactly what was paid, whatever the tax rules are by then.
import { currencyExponent } from '@cloudpos/pricing';
import { labelsFor } from './labels.ts';

export const RECEIPT_KINDS = ['sale', 'return'] as const;
export const RECEIPT_PAYMENT_METHODS = ['cash', 'card', 'external'] as const;

export type ReceiptKind = (typeof RECEIPT_KINDS)[number];
export type ReceiptPaymentMethod = (typeof RECEIPT_PAYMENT_METHODS)[number];

/**
 * A discount as the pricing engine reports it: positive on a sale (it lowers the amount), negative
 * on a return line (a refund gives back the discounted price). Shown with the opposite sign.
 */
export interface ReceiptDiscount {
  label: string;
  amount: number;
}

export interface ReceiptLine {
  name: string;
  sku: string;
  /** Canonical decimal text ("2", "1.25"); negative on a return. */
  quantity: string;
  unitPrice: number;
  /** quantity × unitPrice, rounded: what the line shows before its discounts. */
  gross: number;
  discounts: ReceiptDiscount[];
  /** What the line adds to the document total: gross − discounts + additive taxes. */
  total: number;
  /** The short codes ("A", "B") that tie the line to the rows of the tax summary. */
  taxCodes: string[];
}

export interface ReceiptTax {
  code: string;
  name: string;
  /** Percent as canonical decimal text: "19", "8.875". */
  rate: string;
  /** Included in the prices (VAT) rather than added on top (US sales tax). */
  inclusive: boolean;
  /** Σ net (tax-exclusive) of the lines that carry the rate. */
  base: number;
  amount: number;
}

export interface ReceiptTotals {
  /** Σ line gross. */
  subtotal: number;
  /** Same sign convention as a line discount. */
  discountTotal: number;
  taxTotal: number;
  /** The part of taxTotal that is included in the prices; the rest was added on top. */
  inclusiveTaxTotal: number;
  /** subtotal − discountTotal + (taxTotal − inclusiveTaxTotal). */
  total: number;
  /** What cash rounding added to the total (negative when rounded down): Σ payments = total + this. */
  cashRounding: number;
}

export interface ReceiptPayment {
  method: ReceiptPaymentMethod;
  label: string;
  /** What the tender paid towards the total; negative when money went back (a refund). */
  amount: number;
  /** Cash: what the customer handed over, and the change given back. */
  tendered?: number;
  change?: number;
  cardBrand?: string;
  /** The last four digits of the card, and never more: card data does not reach CloudPOS. */
  last4?: string;
}

export interface ReceiptDocument {
  kind: ReceiptKind;
  /** Store code, register code and the register's gapless number: "MAIN-T1-000123" (see receiptNumber). */
  number: string;
  /** A return: the number of the receipt it returns. */
  originalNumber?: string;
  /** When the sale completed, ISO 8601 in UTC; shown in `timezone`. */
  issuedAt: string;
  /** IANA time zone of the store. */
  timezone: string;
  /** BCP 47: numbers, dates and the receipt's own words ("Total", "Summe"). */
  locale: string;
  /** ISO 4217; its minor-unit exponent comes from @cloudpos/pricing. */
  currency: string;
  merchant: { name: string; address?: string[]; taxId?: string };
  store: { code: string; name: string };
  cashier?: { name: string };
  till?: { name: string };
  lines: ReceiptLine[];
  /** The tax summary: one row per rate. */
  taxes: ReceiptTax[];
  totals: ReceiptTotals;
  payments: ReceiptPayment[];
  /** The tenant's own lines under the store's name (opening hours, a slogan); plain text. */
  header?: string[];
  footer?: string[];
  /** Whether printing the receipt should kick the cash drawer open (cash went in or out). */
  openDrawer: boolean;
}

/** Receipt data that cannot make a receipt: a bug in the caller, never a client mistake. */
export class ReceiptError extends Error {
  override name = 'ReceiptError';
  /** Where in the input, e.g. `lines[2].quantity`. */
  readonly path: string;

  constructor(message: string, path: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

/** The digits a receipt number is padded to; more are used once a store passes 999999. */
export const RECEIPT_NUMBER_DIGITS = 6;

/**
 * `receiptNumber('MAIN', 123, 'T1')` → `"MAIN-T1-000123"`: the number printed on the receipt (the
 * register's own gapless number); sales from before numbering per register have no register code
 * (`"MAIN-000123"`).
 */
export function receiptNumber(storeCode: string, n: number | bigint, registerCode?: string | null): string {
  if (typeof storeCode !== 'string' || !/^\S+$/u.test(storeCode)) {
    throw new ReceiptError(
      `a store code without spaces is required, got ${JSON.stringify(storeCode)}`,
      'storeCode',
    );
  }
  const number = typeof n === 'bigint' ? n : Number.isSafeInteger(n) ? BigInt(n) : undefined;
  if (number === undefined || number < 1n) {
    throw new ReceiptError(`a receipt number is a positive integer, got ${String(n)}`, 'n');
  }
  if (registerCode !== undefined && registerCode !== null && !/^\S+$/u.test(registerCode)) {
    throw new ReceiptError(
      `a register code without spaces is required, got ${JSON.stringify(registerCode)}`,
      'registerCode',
    );
  }
  const prefix = registerCode ? `${storeCode}-${registerCode}` : storeCode;
  return `${prefix}-${number.toString().padStart(RECEIPT_NUMBER_DIGITS, '0')}`;
}

// The input of buildReceiptDocument mirrors what checkout stores (Sale, SaleLine, SaleTax,
// Payment in @cloudpos/tenant-db) so that rows can be passed nearly as they are; the names and the
// settings (locale, merchant, header, footer) come from where checkout reads them.

export interface ReceiptSaleLine {
  /** Lines are printed in position order when positions are given, else in the given order. */
  position?: number;
  sku: string;
  name: string;
  /** Decimal text as stored ("2.000") or a number of whole units. */
  quantity: string | number;
  unitPrice: number;
  gross: number;
  discountTotal: number;
  total: number;
  /** SaleLine.taxes: the codes are what the receipt needs. */
  taxes: { code: string }[];
  /** What the discounts were called; without it a line with a discount shows one "Discount". */
  discounts?: ReceiptDiscount[] | null;
}

export interface ReceiptSaleTax {
  code: string;
  name: string;
  /** Decimal text as stored ("19.000000") or a number. */
  rate: string | number;
  inclusive: boolean;
  base: number;
  amount: number;
}

export interface ReceiptSalePayment {
  method: ReceiptPaymentMethod;
  /** Only succeeded payments are on a receipt; omitted means succeeded. */
  status?: string;
  amount: number;
  tendered?: number | null;
  change?: number | null;
  /** External tenders: "Voucher", "Bank transfer". Cash and card get the locale's word. */
  label?: string | null;
  cardBrand?: string | null;
  last4?: string | null;
}

export interface ReceiptSaleData {
  kind: ReceiptKind;
  /** The register's number for this sale, from its counter. */
  receiptNumber: number | bigint;
  /** The register (till) code in the printed number; absent for sales numbered per store. */
  registerCode?: string | null;
  /** A return: the sale it returns (possibly from another store). */
  original?: { storeCode: string; receiptNumber: number | bigint; registerCode?: string | null } | null;
  completedAt: Date | string;
  locale: string;
  timezone: string;
  currency: string;
  merchant: { name: string; address?: string[] | null; taxId?: string | null };
  store: { code: string; name: string };
  cashier?: { name: string } | null;
  till?: { name: string } | null;
  lines: ReceiptSaleLine[];
  taxes: ReceiptSaleTax[];
  /** The Sale row's figures (extra fields are ignored). */
  totals: ReceiptTotals;
  payments: ReceiptSalePayment[];
  header?: string[] | null;
  footer?: string[] | null;
  /** Defaults to whether any cash payment is on the receipt. */
  openDrawer?: boolean;
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ReceiptError('must be a string', path);
  return value;
}

function requireAmount(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ReceiptError(`must be a safe integer of minor units, got ${String(value)}`, path);
  }
  return value;
}

function optionalAmount(value: unknown, path: string): number | undefined {
  return value === undefined || value === null ? undefined : requireAmount(value, path);
}

/** "2.000" → "2", "-1.250" → "-1.25", "0.50" → "0.5", 3 → "3". */
export function canonicalDecimal(value: string | number, path: string): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const match = typeof text === 'string' ? /^([+-]?)(\d+)(?:\.(\d+))?$/u.exec(text) : null;
  if (!match) throw new ReceiptError(`must be decimal text, got ${JSON.stringify(value)}`, path);
  const [, sign = '', whole = '', fraction = ''] = match;
  const digits = whole.replace(/^0+(?=\d)/u, '');
  const decimals = fraction.replace(/0+$/u, '');
  const body = decimals ? `${digits}.${decimals}` : digits;
  return sign === '-' && /[1-9]/u.test(body) ? `-${body}` : body;
}

function canonicalLocale(locale: unknown): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(requireString(locale, 'locale'));
    if (canonical) return canonical;
  } catch {
    // Reported below with the path.
  }
  throw new ReceiptError(`must be a BCP 47 language tag, got ${JSON.stringify(locale)}`, 'locale');
}

function validTimeZone(timezone: unknown): string {
  const zone = requireString(timezone, 'timezone');
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    throw new ReceiptError(`must be an IANA time zone, got ${JSON.stringify(zone)}`, 'timezone');
  }
}

function knownCurrency(currency: unknown): string {
  const code = requireString(currency, 'currency');
  try {
    currencyExponent(code);
    return code;
  } catch {
    throw new ReceiptError(`must be an ISO 4217 code the pricing engine knows, got ${code}`, 'currency');
  }
}

function isoInstant(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(requireString(value, 'completedAt'));
  if (Number.isNaN(date.getTime())) throw new ReceiptError('must be a valid date', 'completedAt');
  return date.toISOString();
}

function buildPayment(
  payment: ReceiptSalePayment,
  path: string,
  labels: ReturnType<typeof labelsFor>,
): ReceiptPayment {
  if (!(RECEIPT_PAYMENT_METHODS as readonly string[]).includes(payment.method)) {
    throw new ReceiptError(`unknown payment method ${JSON.stringify(payment.method)}`, `${path}.method`);
  }
  const label = payment.method === 'external' && payment.label ? payment.label : labels[payment.method];
  const result: ReceiptPayment = {
    method: payment.method,
    label,
    amount: requireAmount(payment.amount, `${path}.amount`),
  };
  const tendered = optionalAmount(payment.tendered, `${path}.tendered`);
  const change = optionalAmount(payment.change, `${path}.change`);
  if (tendered !== undefined) result.tendered = tendered;
  if (change !== undefined) result.change = change;
  if (payment.cardBrand) result.cardBrand = payment.cardBrand;
  if (payment.last4 !== undefined && payment.last4 !== null) {
    // Anything but four digits could be more of a card number than a receipt may show.
    if (!/^\d{4}$/u.test(payment.last4))
      throw new ReceiptError('must be exactly four digits', `${path}.last4`);
    result.last4 = payment.last4;
  }
  return result;
}

/**
 * Builds the receipt of a completed sale or return from the figures it was committed with. Checks
 * what a renderer relies on (integer amounts, a known currency, a valid locale and time zone) and
 * throws ReceiptError with the path of the first problem; it never recomputes a figure.
 */
export function buildReceiptDocument(data: ReceiptSaleData): ReceiptDocument {
  if (!(RECEIPT_KINDS as readonly string[]).includes(data.kind)) {
    throw new ReceiptError(`must be sale or return, got ${JSON.stringify(data.kind)}`, 'kind');
  }
  const locale = canonicalLocale(data.locale);
  const labels = labelsFor(locale);

  const lines = data.lines
    .map((line, index) => ({ line, index }))
    .sort((a, b) => (a.line.position ?? a.index) - (b.line.position ?? b.index) || a.index - b.index)
    .map(({ line, index }): ReceiptLine => {
      const path = `lines[${index}]`;
      const discountTotal = requireAmount(line.discountTotal, `${path}.discountTotal`);
      const discounts = (
        line.discounts ?? (discountTotal === 0 ? [] : [{ label: labels.discount, amount: discountTotal }])
      ).map((discount, d) => ({
        label: requireString(discount.label, `${path}.discounts[${d}].label`),
        amount: requireAmount(discount.amount, `${path}.discounts[${d}].amount`),
      }));
      return {
        name: requireString(line.name, `${path}.name`),
        sku: requireString(line.sku, `${path}.sku`),
        quantity: canonicalDecimal(line.quantity, `${path}.quantity`),
        unitPrice: requireAmount(line.unitPrice, `${path}.unitPrice`),
        gross: requireAmount(line.gross, `${path}.gross`),
        discounts,
        total: requireAmount(line.total, `${path}.total`),
        taxCodes: line.taxes.map((tax, t) => requireString(tax.code, `${path}.taxes[${t}].code`)),
      };
    });

  // Rows come from the database in no particular order; by code they read A, B, C.
  const taxes = data.taxes
    .map((tax, index): ReceiptTax => ({
      code: requireString(tax.code, `taxes[${index}].code`),
      name: requireString(tax.name, `taxes[${index}].name`),
      rate: canonicalDecimal(tax.rate, `taxes[${index}].rate`),
      inclusive: tax.inclusive === true,
      base: requireAmount(tax.base, `taxes[${index}].base`),
      amount: requireAmount(tax.amount, `taxes[${index}].amount`),
    }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

  const payments = data.payments
    .map((payment, index) => ({ payment, path: `payments[${index}]` }))
    .filter(({ payment }) => payment.status === undefined || payment.status === 'succeeded')
    .map(({ payment, path }) => buildPayment(payment, path, labels));

  const document: ReceiptDocument = {
    kind: data.kind,
    number: receiptNumber(data.store.code, data.receiptNumber, data.registerCode),
    issuedAt: isoInstant(data.completedAt),
    timezone: validTimeZone(data.timezone),
    locale,
    currency: knownCurrency(data.currency),
    merchant: { name: requireString(data.merchant.name, 'merchant.name') },
    store: { code: data.store.code, name: requireString(data.store.name, 'store.name') },
    lines,
    taxes,
    totals: {
      subtotal: requireAmount(data.totals.subtotal, 'totals.subtotal'),
      discountTotal: requireAmount(data.totals.discountTotal, 'totals.discountTotal'),
      taxTotal: requireAmount(data.totals.taxTotal, 'totals.taxTotal'),
      inclusiveTaxTotal: requireAmount(data.totals.inclusiveTaxTotal, 'totals.inclusiveTaxTotal'),
      total: requireAmount(data.totals.total, 'totals.total'),
      cashRounding: requireAmount(data.totals.cashRounding, 'totals.cashRounding'),
    },
    payments,
    openDrawer: data.openDrawer ?? payments.some((payment) => payment.method === 'cash'),
  };
  if (data.original) {
    document.originalNumber = receiptNumber(
      data.original.storeCode,
      data.original.receiptNumber,
      data.original.registerCode,
    );
  }
  if (data.merchant.address?.length) document.merchant.address = [...data.merchant.address];
  if (data.merchant.taxId) document.merchant.taxId = data.merchant.taxId;
  if (data.cashier) document.cashier = { name: requireString(data.cashier.name, 'cashier.name') };
  if (data.till) document.till = { name: requireString(data.till.name, 'till.name') };
  if (data.header?.length) {
    document.header = data.header.map((row, index) => requireString(row, `header[${index}]`));
  }
  if (data.footer?.length) {
    document.footer = data.footer.map((row, index) => requireString(row, `footer[${index}]`));
  }
  return document;
}
