// Which permissions a priced sale needs before it may be committed: a price other than the catalog's
// (price.override), or a discount above the tenant's limit (discount.overLimit), judged on what the
// discount takes off, whatever its form (percent or fixed, on the line or the order). Pure: the
// preview lists them so the till can ask for a manager's PIN before payment, and the commit checks
// the same list.
import type { PricedDocument } from '@cloudpos/pricing';
import type { Action } from '../staff/permissions.ts';

export interface RequiredApproval {
  action: Action;
  /** For people: which line or the order, and by how much. */
  reason: string;
}

export interface ApprovalInput {
  priced: PricedDocument;
  /** Per line: the price the till asked for (undefined: the catalog's) and the catalog's price. */
  prices: { requested: number | undefined; catalog: number | null }[];
  /** Discounts above this percent of what they apply to need discount.overLimit. */
  discountLimitPercent: string;
}

/** Percent as decimal text ("10", "12.5") → [numerator, denominator] of a fraction of 100. */
function percentFraction(percent: string): [bigint, bigint] {
  const match = /^(\d{1,3})(?:\.(\d{1,6}))?$/.exec(percent);
  if (!match) throw new Error(`not a percent: ${percent}`);
  const decimals = match[2] ?? '';
  return [BigInt(match[1]! + decimals), 100n * 10n ** BigInt(decimals.length)];
}

/** Whether `discount` is more than `limit` percent of `base` (exact integers, no floats). */
function exceeds(discount: number, base: number, [numerator, denominator]: [bigint, bigint]): boolean {
  if (discount <= 0) return false;
  return BigInt(discount) * denominator > BigInt(base) * numerator;
}

/** What a sale needs approved; reasons name lines as a receipt does, from 1. */
export function requiredApprovals(input: ApprovalInput): RequiredApproval[] {
  const limit = percentFraction(input.discountLimitPercent);
  const required: RequiredApproval[] = [];
  const overridden = input.prices.flatMap((price, index) =>
    price.requested !== undefined && price.requested !== price.catalog ? [index + 1] : [],
  );
  if (overridden.length > 0) {
    required.push({
      action: 'price.override',
      reason: `line${overridden.length > 1 ? 's' : ''} ${overridden.join(', ')}: a price other than the catalog's`,
    });
  }
  const overLimit = input.priced.lines.flatMap((line, index) =>
    exceeds(line.discountTotal, line.gross, limit) ? [index + 1] : [],
  );
  const { totals } = input.priced;
  const orderOverLimit = exceeds(totals.discountTotal, totals.subtotal, limit);
  if (overLimit.length > 0 || orderOverLimit) {
    const where = [
      ...(overLimit.length > 0 ? [`line${overLimit.length > 1 ? 's' : ''} ${overLimit.join(', ')}`] : []),
      ...(orderOverLimit ? ['the sale'] : []),
    ];
    required.push({
      action: 'discount.overLimit',
      reason: `${where.join(' and ')}: more than ${input.discountLimitPercent}% off`,
    });
  }
  return required;
}
