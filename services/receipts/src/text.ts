// The fixed-width receipt: one layout, as lines of a monospace page (42 columns on 80 mm paper, 32
// on 58 mm). renderText joins the lines; renderEscPos prints the very same lines, so the paper and
// the text copy cannot drift apart.
import type { ReceiptDocument } from './document.ts';
import { cleanText, displayWidth, padEndTo, padStartTo, receiptFormatter, wrap } from './format.ts';
import { labelsFor } from './labels.ts';

/** `total` is printed bold and double height by ESC/POS; `bold` bold. Text shows them plain. */
export type LayoutStyle = 'normal' | 'bold' | 'total';

export interface LayoutLine {
  text: string;
  style: LayoutStyle;
}

export interface LayoutOptions {
  /** Columns: 42 for 80 mm paper, 32 for 58 mm (font A). */
  width: number;
  /**
   * Maps every piece of text to what the output can show, before it is measured: ESC/POS passes
   * its code page's transliteration so that columns stay aligned after replacement.
   */
  printable?: (text: string) => string;
}

export interface TextOptions {
  width?: number;
}

export const DEFAULT_WIDTH = 42;
export const MIN_WIDTH = 20;
/** The widest tax-code column ("A", "S,C", "A,B,C"); longer codes get a row of their own. */
const MAX_CODES_WIDTH = 5;

export function checkWidth(width: number): number {
  if (!Number.isInteger(width) || width < MIN_WIDTH) {
    throw new RangeError(`a receipt is at least ${MIN_WIDTH} columns wide, got ${width}`);
  }
  return width;
}

/** The receipt as lines no wider than `width` columns, without trailing spaces. */
export function layoutReceipt(doc: ReceiptDocument, options: LayoutOptions): LayoutLine[] {
  const width = checkWidth(options.width);
  const printable = options.printable ?? ((text: string) => text);
  // Intl puts no-break and narrow spaces in numbers and dates; on a fixed grid a space is a space.
  const t = (text: string) => printable(cleanText(text).replace(/\p{Zs}/gu, ' '));
  const format = receiptFormatter(doc);
  const labels = labelsFor(doc.locale);
  const amount = (minor: number) => t(format.amount(minor));

  // Tax codes stand after the line amounts, in a column of their own; every amount ends at `edge`.
  // Codes too long for the column go on a row of their own rather than squeeze every amount.
  const lineCodes = doc.lines.map((line) => t(line.taxCodes.join(',')));
  const codesWidth = Math.max(0, ...lineCodes.map(displayWidth).filter((w) => w <= MAX_CODES_WIDTH));
  const edge = codesWidth > 0 ? width - codesWidth - 1 : width;

  const out: LayoutLine[] = [];
  const push = (rows: string[], style: LayoutStyle = 'normal') => {
    for (const row of rows) out.push({ text: row.trimEnd(), style });
  };

  const centered = (text: string): string[] =>
    wrap(text, width).map((row) => ' '.repeat(Math.floor((width - displayWidth(row)) / 2)) + row);

  const indented = (text: string, indent: string): string[] =>
    wrap(text, width - indent.length).map((row) => indent + row);

  /**
   * A label and a value ending at `edge`: the label wraps beside the value when its words fit there,
   * else it takes whole rows and the value goes below it (words are never cut to fit beside).
   */
  const leftRight = (left: string, right: string, indent = '', codes = ''): string[] => {
    const tail = codesWidth > 0 ? ` ${codes}` : '';
    const rightWidth = displayWidth(right);
    const room = edge - rightWidth - 1 - indent.length;
    const longestWord = Math.max(0, ...left.split(' ').map(displayWidth));
    if (room > 0 && longestWord <= room) {
      const rows = wrap(left, room).map((row) => indent + row);
      rows[0] = padEndTo(rows[0] ?? '', edge - rightWidth) + right + tail;
      return rows;
    }
    const rows = indented(left, indent);
    if (rightWidth <= edge) rows.push(padStartTo(right, edge) + tail);
    else rows.push(...wrap(right, width));
    return rows;
  };

  const rule = (char: string) => push([char.repeat(width)]);

  // Header: who sold, where, which receipt.
  push(centered(t(doc.merchant.name)), 'bold');
  for (const row of doc.merchant.address ?? []) push(centered(t(row)));
  if (doc.merchant.taxId) push(centered(t(`${labels.taxId} ${doc.merchant.taxId}`)));
  push(centered(t(doc.store.name)));
  for (const row of doc.header ?? []) push(centered(t(row)));
  push(['']);
  if (doc.kind === 'return') push(centered(t(labels.return)), 'bold');
  push(leftRight(t(labels.receipt), t(doc.number)));
  if (doc.originalNumber) push(leftRight(t(labels.originalReceipt), t(doc.originalNumber)));
  push(leftRight(t(labels.date), t(format.dateTime(doc.issuedAt))));
  if (doc.till) push(leftRight(t(labels.till), t(doc.till.name)));
  if (doc.cashier) push(leftRight(t(labels.cashier), t(doc.cashier.name)));
  rule('-');

  // Lines: the extended price beside the name; quantity × unit price and discounts below it.
  doc.lines.forEach((line, index) => {
    const codes = lineCodes[index] ?? '';
    const codesFit = displayWidth(codes) <= codesWidth;
    push(leftRight(t(line.name), amount(line.gross), '', codesFit ? codes : ''));
    if (!codesFit) push(indented(codes, '  '));
    if (!/^1(\.0*)?$/u.test(line.quantity)) {
      push(indented(t(`${format.quantity(line.quantity)} x ${format.amount(line.unitPrice)}`), '  '));
    }
    for (const discount of line.discounts) push(leftRight(t(discount.label), amount(-discount.amount), '  '));
  });
  rule('-');

  // Totals: the subtotal only when something stands between it and the total.
  const { totals } = doc;
  const additiveTaxes = doc.taxes.filter((tax) => !tax.inclusive);
  if (totals.discountTotal !== 0 || additiveTaxes.length > 0) {
    push(leftRight(t(labels.subtotal), amount(totals.subtotal)));
  }
  if (totals.discountTotal !== 0) push(leftRight(t(labels.discounts), amount(-totals.discountTotal)));
  for (const tax of additiveTaxes) push(leftRight(t(tax.name), amount(tax.amount)));
  push(leftRight(t(`${labels.total} ${doc.currency}`), amount(totals.total)), 'total');
  if (totals.cashRounding !== 0) push(leftRight(t(labels.cashRounding), amount(totals.cashRounding)));

  // Payments: what each tender paid; cash with what was handed over and given back.
  if (doc.payments.length > 0) push(['']);
  for (const payment of doc.payments) {
    push(leftRight(t(payment.label), amount(payment.amount)));
    const card = [payment.cardBrand, payment.last4 && `**** ${payment.last4}`].filter(Boolean).join(' ');
    if (card) push(indented(t(card), '  '));
    if (typeof payment.tendered === 'number')
      push(leftRight(t(labels.tendered), amount(payment.tendered), '  '));
    if (typeof payment.change === 'number') push(leftRight(t(labels.change), amount(payment.change), '  '));
  }

  // Tax summary: one row per rate, net and tax in columns ending at the amount edge.
  if (doc.taxes.length > 0) {
    push(['']);
    const rows = doc.taxes.map((tax) => ({
      label: t(`${tax.code} ${format.percent(tax.rate)}${tax.inclusive ? ` ${labels.inclusive}` : ''}`),
      net: amount(tax.base),
      tax: amount(tax.amount),
    }));
    const heading = { label: t(labels.rate), net: t(labels.net), tax: t(labels.tax) };
    const netWidth = Math.max(...[heading, ...rows].map((row) => displayWidth(row.net)));
    const taxWidth = Math.max(...[heading, ...rows].map((row) => displayWidth(row.tax)));
    const columnsWidth = netWidth + 2 + taxWidth;
    if (columnsWidth > edge) {
      // Too narrow for columns: each figure on a line of its own, under its rate.
      for (const row of rows) {
        push(indented(row.label, ''));
        push(leftRight(heading.net, row.net, '  '));
        push(leftRight(heading.tax, row.tax, '  '));
      }
    } else {
      for (const row of [heading, ...rows]) {
        const columns = `${padStartTo(row.net, netWidth)}  ${padStartTo(row.tax, taxWidth)}`;
        if (displayWidth(row.label) < edge - columnsWidth) {
          push([padEndTo(row.label, edge - columnsWidth) + columns]);
        } else {
          push(indented(row.label, ''));
          push([padStartTo(columns, edge)]);
        }
      }
    }
  }

  if (doc.footer?.length) {
    push(['']);
    for (const row of doc.footer) push(centered(t(row)));
  }
  return out;
}

/** The receipt as plain monospace text, one line per printed line, ending with a newline. */
export function renderText(doc: ReceiptDocument, options: TextOptions = {}): string {
  const lines = layoutReceipt(doc, { width: options.width ?? DEFAULT_WIDTH });
  return lines.map((line) => line.text).join('\n') + '\n';
}
