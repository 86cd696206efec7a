// ISO 4217 minor-unit exponents. Amounts everywhere else are integers of minor units, so the
// exponent only matters at the edges: turning an amount into text, and reading one from text.
import { PricingError } from './errors.ts';

/** Minor-unit exponents of the currencies CloudPOS sells in (ISO 4217 "minor unit" column). */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AUD: 2,
  BHD: 3,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  INR: 2,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  MXN: 2,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PLN: 2,
  SEK: 2,
  SGD: 2,
  TND: 3,
  USD: 2,
  ZAR: 2,
});

/** The number of decimal digits of a currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD. */
export function currencyExponent(code: string): number {
  const exponent = Object.hasOwn(CURRENCY_EXPONENTS, code) ? CURRENCY_EXPONENTS[code] : undefined;
  if (exponent === undefined) {
    throw new PricingError(
      'unknown_currency',
      `unknown currency ${JSON.stringify(code)} (ISO 4217, upper case)`,
    );
  }
  return exponent;
}

/** Minor units as plain decimal text in major units: 1234 USD → "12.34", 1234 JPY → "1234", -5 KWD → "-0.005". */
export function formatMinorUnits(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) {
    throw new PricingError('invalid_amount', `amount must be a safe integer of minor units, got ${amount}`);
  }
  const exponent = currencyExponent(currency);
  const digits = Math.abs(amount)
    .toString()
    .padStart(exponent + 1, '0');
  const sign = amount < 0 ? '-' : '';
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
