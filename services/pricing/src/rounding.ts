// The only two ways an exact value becomes whole minor units: rounding one value, and allocating
// an integer total over several exact shares (largest remainder). Both are symmetric around zero,
// so that a refund is always the exact mirror of the sale it reverses.
import { abs, compare, sub, truncate, type Rational } from './rational.ts';

/**
 * `half-even`: ties go to the even neighbour (banker's rounding).
 * `half-up`: ties go away from zero (commercial rounding), so round(-x) = -round(x).
 */
export type RoundingMode = 'half-even' | 'half-up';

export const ROUNDING_MODES: readonly RoundingMode[] = ['half-even', 'half-up'];

/** Rounds to the nearest integer; ties are broken by `mode`, symmetrically around zero. */
export function roundRational(value: Rational, mode: RoundingMode): bigint {
  const negative = value.num < 0n;
  const magnitude = negative ? -value.num : value.num;
  let quotient = magnitude / value.den;
  const twiceRemainder = 2n * (magnitude - quotient * value.den);
  if (
    twiceRemainder > value.den ||
    (twiceRemainder === value.den && (mode === 'half-up' || quotient % 2n === 1n))
  ) {
    quotient += 1n;
  }
  return negative ? -quotient : quotient;
}

/**
 * Splits the integer `target` into integers, one per exact share, that sum to `target` exactly
 * (Hamilton's largest-remainder method, made symmetric around zero):
 * each share is first truncated toward zero; the missing units (target − Σ truncated) then go,
 * one each, to the shares with the largest remainder in the direction of the missing units;
 * equal remainders go to the earlier share. Negating every share and the target negates the result.
 *
 * Precondition: |target − Σ shares| ≤ 1/2 (a rounded sum, or the exact sum itself).
 */
export function allocate(shares: readonly Rational[], target: bigint): bigint[] {
  const result = shares.map(truncate);
  let missing = target - result.reduce((a, b) => a + b, 0n);
  if (missing === 0n) return result;
  const step = missing > 0n ? 1n : -1n;
  const candidates = shares
    .map((share, index) => ({ index, remainder: sub(share, { num: result[index]!, den: 1n }) }))
    .filter(({ remainder }) => (step > 0n ? remainder.num > 0n : remainder.num < 0n))
    .sort((a, b) => compare(abs(b.remainder), abs(a.remainder)) || a.index - b.index);
  for (const { index } of candidates) {
    if (missing === 0n) break;
    result[index]! += step;
    missing -= step;
  }
  if (missing !== 0n) throw new RangeError('allocate: target is not within 1/2 of the sum of the shares');
  return result;
}
