import { describe, expect, it } from 'vitest';
import { add, compare, div, mul, neg, parseDecimal, rational, sub, sum, truncate } from './rational.ts';

describe('rational', () => {
  it('normalises sign and common factors', () => {
    expect(rational(6n, -4n)).toEqual({ num: -3n, den: 2n });
    expect(rational(0n, -7n)).toEqual({ num: 0n, den: 1n });
    expect(() => rational(1n, 0n)).toThrow(RangeError);
  });

  it('does exact arithmetic where floating point cannot', () => {
    const tenth = rational(1n, 10n);
    expect(add(tenth, rational(2n, 10n))).toEqual(rational(3n, 10n));
    expect(sub(tenth, tenth)).toEqual(rational(0n));
    expect(mul(rational(2n, 3n), rational(9n, 4n))).toEqual(rational(3n, 2n));
    expect(div(rational(1n), rational(119n, 100n))).toEqual(rational(100n, 119n));
    expect(neg(rational(1n, 3n))).toEqual(rational(-1n, 3n));
    expect(sum([tenth, tenth, tenth])).toEqual(rational(3n, 10n));
  });

  it('compares and truncates toward zero', () => {
    expect(compare(rational(1n, 3n), rational(33n, 100n))).toBe(1);
    expect(compare(rational(-1n, 3n), rational(-33n, 100n))).toBe(-1);
    expect(compare(rational(2n, 4n), rational(1n, 2n))).toBe(0);
    expect(truncate(rational(7n, 2n))).toBe(3n);
    expect(truncate(rational(-7n, 2n))).toBe(-3n);
  });
});

describe('parseDecimal', () => {
  it.each([
    ['19', 19n, 1n, 0, '19'],
    ['8.875', 71n, 8n, 3, '8.875'],
    ['-1.250', -5n, 4n, 3, '-1.25'],
    ['007.50', 15n, 2n, 2, '7.5'],
    ['-0.000', 0n, 1n, 3, '0'],
  ])('%s', (text, num, den, decimals, canonical) => {
    expect(parseDecimal(text)).toEqual({ value: { num, den }, decimals, negative: num < 0n, canonical });
  });

  it.each(['', '1.', '.5', '+1', '1e3', ' 1', '1,5', '0x10', 'NaN'])('rejects %j', (text) => {
    expect(parseDecimal(text)).toBeUndefined();
  });
});
