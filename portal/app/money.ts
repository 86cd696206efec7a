// Money as the tenant's currency and locale: amounts are integer minor units (ADR: money is never a
// float). Pure, shared by pages and actions.

/** Digits after the decimal point of a currency (JPY 0, EUR 2, ...). */
export function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

export function formatMoney(minor: number, currency: string, locale: string): string {
  const digits = minorDigits(currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
}

/**
 * A price typed by a person ("3.50", "3,50", "12") as minor units; undefined when it is not a price
 * (negative, too many decimals, letters, thousands separators).
 */
export function parseMoney(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const match = /^(\d{1,9})(?:[.,](\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

/**
 * A minor-unit amount as the text a price field shows ("3.50"; "350" for yen; "3,50" where the
 * locale writes a decimal comma), without grouping, so parseMoney reads it back.
 */
export function moneyInput(minor: number, currency: string, locale = 'en-US'): string {
  const digits = minorDigits(currency);
  if (digits === 0) return String(minor);
  const separator =
    new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === 'decimal')?.value === ','
      ? ','
      : '.';
  return `${Math.trunc(minor / 10 ** digits)}${separator}${String(minor % 10 ** digits).padStart(digits, '0')}`;
}

/** A timestamp to the minute, the same on the server and in the browser (no locale data involved). */
export const utcMinute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
