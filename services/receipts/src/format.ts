// Turning a receipt's values into text: money, quantities, rates and dates through Intl in the
// receipt's locale, currency and time zone, and the plain-text measuring the fixed-width layouts
// need (display columns, wrapping). Shared by every renderer so they all show the same figures.
import { currencyExponent, formatMinorUnits } from '@cloudpos/pricing';
import type { ReceiptDocument } from './document.ts';

export interface ReceiptFormatter {
  /** The amount in the locale's digits, without a currency sign: 123456 EUR de-DE → "1.234,56". */
  amount(minor: number): string;
  /** The amount with the currency, as the locale writes it: 123456 EUR de-DE → "1.234,56 €". */
  money(minor: number): string;
  /** Decimal quantity text in the locale: "1.25" de-DE → "1,25". */
  quantity(quantity: string): string;
  /** A percent rate as the locale writes it: "8.875" de-DE → "8,875 %". */
  percent(rate: string): string;
  /** The instant in the receipt's time zone: "24.11.2025, 10:05". */
  dateTime(iso: string): string;
}

/** "8.875" → "0.08875": a percent as a fraction, moved by text so no binary float is involved. */
export function percentToFraction(rate: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/u.exec(rate);
  if (!match) throw new RangeError(`a rate is decimal text, got ${JSON.stringify(rate)}`);
  const [, sign = '', whole = '', fraction = ''] = match;
  const padded = whole.padStart(3, '0');
  return `${sign}${padded.slice(0, -2)}.${padded.slice(-2)}${fraction}`;
}

export function receiptFormatter(
  doc: Pick<ReceiptDocument, 'locale' | 'currency' | 'timezone'>,
): ReceiptFormatter {
  // The exponent is the pricing engine's (ISO 4217), not Intl's own idea of the currency's digits.
  const digits = currencyExponent(doc.currency);
  const amountFormat = new Intl.NumberFormat(doc.locale, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  const moneyFormat = new Intl.NumberFormat(doc.locale, {
    style: 'currency',
    currency: doc.currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  const quantityFormat = new Intl.NumberFormat(doc.locale, { maximumFractionDigits: 3 });
  const percentFormat = new Intl.NumberFormat(doc.locale, { style: 'percent', maximumFractionDigits: 6 });
  const dateFormat = new Intl.DateTimeFormat(doc.locale, {
    timeZone: doc.timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  // Intl formats decimal strings exactly; minor units as text never pass through a float.
  const decimal = (minor: number) => formatMinorUnits(minor, doc.currency) as `${number}`;
  return {
    amount: (minor) => amountFormat.format(decimal(minor)),
    money: (minor) => moneyFormat.format(decimal(minor)),
    quantity: (quantity) => quantityFormat.format(quantity as `${number}`),
    percent: (rate) => percentFormat.format(percentToFraction(rate) as `${number}`),
    dateTime: (iso) => dateFormat.format(new Date(iso)),
  };
}

/**
 * Text from the tenant's data made safe to print: composed (NFC), control characters (which would
 * be printer commands on an ESC/POS printer) and line separators turned into spaces, invisible
 * format characters (bidi overrides, soft hyphens, joiners) and lone surrogates removed.
 */
export function cleanText(text: string): string {
  return String(text)
    .replace(/\p{Cs}/gu, '')
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\p{Cf}/gu, '');
}

// East Asian Wide and Fullwidth characters (Unicode UAX #11), and the emoji blocks, take two
// columns on a terminal and on a printer with a CJK font. The common blocks, not every code point.
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

const COMBINING = /^\p{M}$/u;

function codePointWidth(char: string): number {
  if (COMBINING.test(char)) return 0;
  const code = char.codePointAt(0) ?? 0;
  return WIDE_RANGES.some(([from, to]) => code >= from && code <= to) ? 2 : 1;
}

/** The columns a string takes in a monospace font. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += codePointWidth(char);
  return width;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Cuts a word wider than `width` into pieces, between graphemes (never inside an accented letter). */
function breakWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const { segment } of graphemes.segment(word)) {
    if (piece && displayWidth(piece) + displayWidth(segment) > width) {
      pieces.push(piece);
      piece = '';
    }
    piece += segment;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/** Greedy word wrap to `width` columns; words wider than a line are cut. Always at least one line. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (displayWidth(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    const pieces = breakWord(word, width);
    line = pieces.pop() ?? '';
    lines.push(...pieces);
  }
  lines.push(line);
  return lines;
}

export function padStartTo(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

export function padEndTo(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
