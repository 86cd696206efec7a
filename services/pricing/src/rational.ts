// Exact rational numbers on bigint. Money never passes through floating point: rates, percentages
// and quantities are parsed from decimal strings into rationals, and a value only becomes an
// integer number of minor units at one of the documented rounding points (see rounding.ts).

export interface Rational {
  /** Numerator; carries the sign. */
  readonly num: bigint;
  /** Denominator; always > 0, and gcd(num, den) = 1. */
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function rational(num: bigint, den: bigint = 1n): Rational {
  if (den === 0n) throw new RangeError('rational with a zero denominator');
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

export const ZERO: Rational = { num: 0n, den: 1n };
export const ONE: Rational = { num: 1n, den: 1n };

export const add = (a: Rational, b: Rational): Rational =>
  rational(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Rational, b: Rational): Rational =>
  rational(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Rational, b: Rational): Rational => rational(a.num * b.num, a.den * b.den);
export const div = (a: Rational, b: Rational): Rational => rational(a.num * b.den, a.den * b.num);
export const neg = (a: Rational): Rational => ({ num: -a.num, den: a.den });
export const abs = (a: Rational): Rational => (a.num < 0n ? neg(a) : a);
export const sum = (values: readonly Rational[]): Rational => values.reduce(add, ZERO);

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compare(a: Rational, b: Rational): -1 | 0 | 1 {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The integer part, rounded toward zero (bigint division truncates). */
export const truncate = (a: Rational): bigint => a.num / a.den;

export interface Decimal {
  /** The value as an exact rational. */
  readonly value: Rational;
  /** How many digits followed the decimal point in the text. */
  readonly decimals: number;
  readonly negative: boolean;
  /** Canonical text: no leading zeros, no trailing fractional zeros, no `-0`. */
  readonly canonical: string;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Parses plain decimal text (`"8.875"`, `"-1.250"`, `"19"`); undefined when it is not one. */
export function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = ''] = match;
  const digits = BigInt(whole + fraction);
  const value = rational(sign === '-' ? -digits : digits, 10n ** BigInt(fraction.length));
  const trimmedFraction = fraction.replace(/0+$/, '');
  const trimmedWhole = whole.replace(/^0+(?=\d)/, '');
  const isZero = digits === 0n;
  const canonical =
    (sign === '-' && !isZero ? '-' : '') + trimmedWhole + (trimmedFraction ? `.${trimmedFraction}` : '');
  return { value, decimals: fraction.length, negative: sign === '-' && !isZero, canonical };
}
