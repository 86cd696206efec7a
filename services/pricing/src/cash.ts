// Cash rounding (Swedish rounding): where the smallest coin is larger than the minor unit, what is
// paid in cash is rounded to a multiple of the smallest coin. It changes only the payable amount,
// never a line, a tax figure or the document total, which is why it is not part of priceDocument.
import { PricingError } from './errors.ts';
import { rational } from './rational.ts';
import { roundRational, ROUNDING_MODES, type RoundingMode } from './rounding.ts';

export interface CashRounding {
  /** What the customer pays (or gets back, when negative) in cash: a multiple of the increment. */
  payable: number;
  /** payable − amount: positive when the customer pays more, negative when less. */
  adjustment: number;
}

/**
 * Rounds the cash part of a payment to a multiple of `increment` minor units (5 for CHF 0.05,
 * 10 for SEK 0.10 on a 2-decimal currency). Ties follow `mode` like every other rounding.
 */
export function cashRound(amount: number, increment: number, mode: RoundingMode): CashRounding {
  if (!Number.isSafeInteger(amount)) {
    throw new PricingError('invalid_amount', `amount must be a safe integer of minor units, got ${amount}`);
  }
  if (!Number.isSafeInteger(increment) || increment <= 0) {
    throw new PricingError(
      'invalid_cash_increment',
      `cash rounding increment must be a positive integer of minor units, got ${increment}`,
    );
  }
  if (!ROUNDING_MODES.includes(mode)) {
    throw new PricingError(
      'invalid_rounding_mode',
      `rounding mode must be half-even or half-up, got ${String(mode)}`,
    );
  }
  const coins = roundRational(rational(BigInt(amount), BigInt(increment)), mode);
  const payable = Number(coins * BigInt(increment));
  // A payable beyond the safe range would come from an amount within one increment of the limit.
  if (!Number.isSafeInteger(payable)) {
    throw new PricingError('amount_out_of_range', 'the rounded amount is beyond the safe integer range');
  }
  return { payable, adjustment: payable - amount };
}
