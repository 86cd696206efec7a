// Discounts, in the one fixed order: item-% → order-% → item-fixed → order-fixed. Each step works
// on the line amounts the previous step left (in the line's price terms: tax-inclusive for lines
// with an inclusive rate), and a discount only ever moves an amount toward zero, never past it.
import type { ParsedDiscount } from './input.ts';
import { mul, rational } from './rational.ts';
import { allocate, roundRational, type RoundingMode } from './rounding.ts';

/** What each step took off a line, signed like the line: a return line's discounts are negative. */
export interface DiscountAmounts {
  itemPercent: bigint;
  orderPercent: bigint;
  itemFixed: bigint;
  orderFixed: bigint;
}

export interface DiscountResult {
  discounts: DiscountAmounts[];
  /** Line amounts after every discount. */
  amounts: bigint[];
}

const sign = (value: bigint): bigint => (value > 0n ? 1n : value < 0n ? -1n : 0n);
const absolute = (value: bigint): bigint => (value < 0n ? -value : value);
const total = (values: readonly bigint[]): bigint => values.reduce((a, b) => a + b, 0n);
const smaller = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * Spreads an order-level discount over the lines pro rata to their current amounts, by largest
 * remainder so the parts add up to `target` exactly. Only lines that point the same way as the
 * document take part: in an exchange that is mostly a sale, the returned item keeps its refund.
 * Callers guarantee |target| ≤ |Σ amounts| with the same sign, so no line crosses zero.
 */
function spread(amounts: readonly bigint[], target: bigint): bigint[] {
  const direction = sign(total(amounts));
  if (target === 0n || direction === 0n) return amounts.map(() => 0n);
  const weights = amounts.map((amount) => (sign(amount) === direction ? amount : 0n));
  const weightTotal = total(weights);
  return allocate(
    weights.map((weight) => rational(target * weight, weightTotal)),
    target,
  );
}

export function applyDiscounts(
  grosses: readonly bigint[],
  lineDiscounts: readonly ParsedDiscount[],
  orderDiscount: ParsedDiscount,
  mode: RoundingMode,
): DiscountResult {
  const amounts = [...grosses];
  const take = (parts: readonly bigint[]) => parts.forEach((part, index) => (amounts[index]! -= part));

  // 1. item-%: rounded per line.
  const itemPercent = amounts.map((amount, index) => {
    const percent = lineDiscounts[index]?.percent;
    return percent === undefined ? 0n : roundRational(mul(rational(amount), percent), mode);
  });
  take(itemPercent);

  // 2. order-%: rounded once on the document, then spread.
  const orderPercentTotal =
    orderDiscount.percent === undefined
      ? 0n
      : roundRational(mul(rational(total(amounts)), orderDiscount.percent), mode);
  const orderPercent = spread(amounts, orderPercentTotal);
  take(orderPercent);

  // 3. item-fixed: a magnitude, clamped so that the line stops at zero.
  const itemFixed = amounts.map(
    (amount, index) => sign(amount) * smaller(lineDiscounts[index]?.fixed ?? 0n, absolute(amount)),
  );
  take(itemFixed);

  // 4. order-fixed: a magnitude, clamped so that the document stops at zero, then spread.
  const remaining = total(amounts);
  const orderFixed = spread(
    amounts,
    sign(remaining) * smaller(orderDiscount.fixed ?? 0n, absolute(remaining)),
  );
  take(orderFixed);

  return {
    discounts: grosses.map((_, index) => ({
      itemPercent: itemPercent[index]!,
      orderPercent: orderPercent[index]!,
      itemFixed: itemFixed[index]!,
      orderFixed: orderFixed[index]!,
    })),
    amounts,
  };
}
