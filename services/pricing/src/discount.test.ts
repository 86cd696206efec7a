import { describe, expect, it } from 'vitest';
import { applyDiscounts } from './discount.ts';
import type { ParsedDiscount } from './input.ts';
import { rational } from './rational.ts';

const none: ParsedDiscount = { percent: undefined, fixed: undefined };
const percent = (value: bigint, per = 100n): ParsedDiscount => ({
  percent: rational(value, per),
  fixed: undefined,
});
const fixed = (value: bigint): ParsedDiscount => ({ percent: undefined, fixed: value });

describe('applyDiscounts', () => {
  it('rounds an item percentage per line with the tenant mode', () => {
    // 12.5% of 100 = 12.5: a tie
    expect(applyDiscounts([100n], [percent(125n, 1000n)], none, 'half-even').amounts).toEqual([88n]);
    expect(applyDiscounts([100n], [percent(125n, 1000n)], none, 'half-up').amounts).toEqual([87n]);
    expect(applyDiscounts([-100n], [percent(125n, 1000n)], none, 'half-up').amounts).toEqual([-87n]);
  });

  it('takes 100% down to zero and nothing further', () => {
    const result = applyDiscounts([999n, -999n], [percent(100n), percent(100n)], fixed(50n), 'half-up');
    expect(result.amounts).toEqual([0n, 0n]);
    expect(result.discounts.map((d) => d.orderFixed)).toEqual([0n, 0n]);
  });

  it('moves a fixed item discount toward zero on a return line too', () => {
    const result = applyDiscounts([1000n, -1000n], [fixed(300n), fixed(300n)], none, 'half-up');
    expect(result.amounts).toEqual([700n, -700n]);
    expect(result.discounts.map((d) => d.itemFixed)).toEqual([300n, -300n]);
  });

  it('spreads order discounts only over the lines that point the way the document does', () => {
    // a sale of 30.00 and a return of 10.00: the document is worth 20.00
    const result = applyDiscounts(
      [3000n, -1000n],
      [none, none],
      { percent: rational(1n, 10n), fixed: 5000n },
      'half-up',
    );
    // order-%: 10% of 2000 = 200, all on the sale; order-fixed: clamped to what is left, 1800
    expect(result.discounts.map((d) => d.orderPercent)).toEqual([200n, 0n]);
    expect(result.discounts.map((d) => d.orderFixed)).toEqual([1800n, 0n]);
    expect(result.amounts).toEqual([1000n, -1000n]);
  });

  it('gives nothing when the document is worth zero', () => {
    const result = applyDiscounts(
      [1000n, -1000n],
      [none, none],
      { percent: rational(1n, 2n), fixed: 100n },
      'half-up',
    );
    expect(result.amounts).toEqual([1000n, -1000n]);
  });

  it('spreads pro rata with the remainder to the largest fractional share', () => {
    // 2 over 1, 1, 1 (and an empty line): 0.67 each, two units missing; ties go to the earlier lines
    const result = applyDiscounts([1n, 1n, 1n, 0n], [none, none, none, none], fixed(2n), 'half-up');
    expect(result.discounts.map((d) => d.orderFixed)).toEqual([1n, 1n, 0n, 0n]);
  });

  it('handles an empty document', () => {
    expect(applyDiscounts([], [], { percent: rational(1n, 10n), fixed: 100n }, 'half-even')).toEqual({
      discounts: [],
      amounts: [],
    });
  });
});
