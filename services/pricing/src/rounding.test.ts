import { describe, expect, it } from 'vitest';
import { rational } from './rational.ts';
import { allocate, roundRational } from './rounding.ts';

describe('roundRational', () => {
  // value as num/den, then the expected result for half-even and for half-up
  it.each([
    [5n, 2n, 2n, 3n], // 2.5: the even neighbour is 2; away from zero is 3
    [7n, 2n, 4n, 4n], // 3.5: 4 is both even and away from zero
    [-5n, 2n, -2n, -3n], // mirrors 2.5 exactly
    [-7n, 2n, -4n, -4n],
    [1n, 2n, 0n, 1n],
    [-1n, 2n, 0n, -1n],
    [251n, 100n, 3n, 3n], // 2.51: not a tie
    [249n, 100n, 2n, 2n],
    [-249n, 100n, -2n, -2n],
    [3n, 1n, 3n, 3n],
    [0n, 1n, 0n, 0n],
  ])('%i/%i → %i (half-even), %i (half-up)', (num, den, halfEven, halfUp) => {
    expect(roundRational(rational(num, den), 'half-even')).toBe(halfEven);
    expect(roundRational(rational(num, den), 'half-up')).toBe(halfUp);
  });
});

describe('allocate', () => {
  const r = (num: bigint, den = 1n) => rational(num, den);

  it('keeps exact integer shares as they are', () => {
    expect(allocate([r(3n), r(4n)], 7n)).toEqual([3n, 4n]);
  });

  it('gives the missing unit to the largest remainder', () => {
    // 10 split in thirds: 3.33 each, one unit missing, equal remainders → the first share
    expect(allocate([r(10n, 3n), r(10n, 3n), r(10n, 3n)], 10n)).toEqual([4n, 3n, 3n]);
    // 0.2 + 0.7 + 0.1 = 1: the 0.7 gets it
    expect(allocate([r(2n, 10n), r(7n, 10n), r(1n, 10n)], 1n)).toEqual([0n, 1n, 0n]);
  });

  it('is the exact mirror for negated shares', () => {
    expect(allocate([r(-10n, 3n), r(-10n, 3n), r(-10n, 3n)], -10n)).toEqual([-4n, -3n, -3n]);
    expect(allocate([r(1n, 2n), r(1n, 2n)], 1n)).toEqual([1n, 0n]);
    expect(allocate([r(-1n, 2n), r(-1n, 2n)], -1n)).toEqual([-1n, 0n]);
  });

  it('takes a unit away when the rounded total is below the truncated sum', () => {
    // mixed signs: 2.6 − 0.6 = 2 exactly; truncation gives 2 + 0 = 2
    expect(allocate([r(26n, 10n), r(-6n, 10n)], 2n)).toEqual([2n, 0n]);
    // 0.5 − 1.5 = −1: truncation gives 0 − 1 = −1
    expect(allocate([r(1n, 2n), r(-3n, 2n)], -1n)).toEqual([0n, -1n]);
    // rounded total −2 (from −1.6 − 0.2 = −1.8): truncated −1, one unit goes to the −0.6 remainder
    expect(allocate([r(-16n, 10n), r(-2n, 10n)], -2n)).toEqual([-2n, 0n]);
  });

  it('refuses a target that is not a rounding of the sum', () => {
    expect(() => allocate([r(1n, 2n)], 5n)).toThrow(RangeError);
  });

  it('handles an empty list', () => {
    expect(allocate([], 0n)).toEqual([]);
  });
});
