import { describe, expect, it } from 'vitest';
import { cashRound } from './cash.ts';
import type { RoundingMode } from './rounding.ts';

describe('cashRound', () => {
  it.each([
    // amount, increment, mode, payable
    [1002, 5, 'half-up', 1000], // CHF 10.02 → 10.00
    [1003, 5, 'half-up', 1005], // CHF 10.03 → 10.05
    [1005, 5, 'half-even', 1005], // already a multiple
    [-1003, 5, 'half-up', -1005], // a cash refund mirrors a cash sale
    [105, 10, 'half-even', 100], // NZD 1.05: a tie, 10 coins is even
    [105, 10, 'half-up', 110], // a tie, away from zero
    [115, 10, 'half-even', 120], // a tie, 12 coins is even
    [-105, 10, 'half-up', -110],
    [1250, 100, 'half-even', 1200], // SEK 12.50 to whole kronor
    [1250, 100, 'half-up', 1300],
    [0, 5, 'half-up', 0],
  ] as [number, number, RoundingMode, number][])('%i by %i (%s) → %i', (amount, increment, mode, payable) => {
    expect(cashRound(amount, increment, mode)).toEqual({ payable, adjustment: payable - amount });
  });

  it.each([1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])(
    'rejects amount %s with invalid_amount',
    (amount) => {
      expect(() => cashRound(amount, 5, 'half-up')).toThrow(
        expect.objectContaining({ code: 'invalid_amount' }),
      );
    },
  );

  it.each([0, -5, 2.5, Number.POSITIVE_INFINITY])(
    'rejects increment %s with invalid_cash_increment',
    (increment) => {
      expect(() => cashRound(100, increment, 'half-up')).toThrow(
        expect.objectContaining({ code: 'invalid_cash_increment' }),
      );
    },
  );

  it('rejects an unknown mode with invalid_rounding_mode', () => {
    expect(() => cashRound(100, 5, 'up' as RoundingMode)).toThrow(
      expect.objectContaining({ code: 'invalid_rounding_mode' }),
    );
  });

  it('refuses a payable beyond the safe integers with amount_out_of_range', () => {
    // 9007199254740991 rounds up to 9007199254741000, past Number.MAX_SAFE_INTEGER
    expect(() => cashRound(Number.MAX_SAFE_INTEGER, 100, 'half-up')).toThrow(
      expect.objectContaining({ code: 'amount_out_of_range' }),
    );
  });
});
