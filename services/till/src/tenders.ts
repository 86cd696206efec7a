// How the customer pays, as a pure function the tender screen asks: any number of card payments
// (through the tenant's payment provider) and external tenders (a card on a terminal the till does
// not drive, a voucher, …) for exact amounts, then cash for what is left, the only tender that
// gives change. The API settles the same way (pos-api sales/tender.ts): non-cash tenders may not
// exceed the total, cash is one tender, and cash pays what is left rounded to the tenant's cash
// increment (CHF 0.05: the difference is the sale's cash rounding).
import { cashRound, type RoundingMode } from '@cloudpos/pricing';

/** The tenant's cash rounding: the increment in minor units (1: none) and its rounding mode. */
export interface CashRounding {
  increment: number;
  mode: RoundingMode;
}

export const NO_CASH_ROUNDING: CashRounding = { increment: 1, mode: 'half-even' };

/** What cash must pay of `left`, rounded to the tenant's increment. */
export function cashPayable(left: number, cash: CashRounding = NO_CASH_ROUNDING): number {
  return left === 0 ? 0 : cashRound(left, cash.increment, cash.mode).payable;
}

export interface ExternalPayment {
  /** What the receipt and the server call it, with its reference: "Voucher · V-1234". */
  label: string;
  /** Minor units. */
  amount: number;
  /** A card payment the provider says succeeded (its id there): sent as a card tender. */
  providerRef?: string;
}

export type CheckoutTender =
  | { method: 'cash'; amount: number; tendered: number }
  | { method: 'external'; amount: number; label: string }
  | { method: 'card'; amount: number; providerRef: string };

export const EXTERNAL_KINDS = ['Card on external terminal', 'Voucher', 'Other'] as const;

/** The label the server stores for an external tender: its kind and, when given, its reference. */
export function externalLabel(kind: string, reference: string): string {
  const ref = reference.trim();
  return (ref ? `${kind} · ${ref}` : kind).slice(0, 100);
}

/** What is left for cash after the external tenders (never below 0: adding more is refused). */
export function cashDue(total: number, externals: ExternalPayment[]): number {
  return total - externals.reduce((sum, payment) => sum + payment.amount, 0);
}

/** Why this external tender cannot be added, in words for the cashier; undefined when it can. */
export function externalRefusal(
  amount: number | undefined,
  left: number,
  format: (minorUnits: number) => string,
): string | undefined {
  if (amount === undefined || amount <= 0) return 'Enter the amount paid this way.';
  if (amount > left) return `Only ${format(left)} is left to pay.`;
  return undefined;
}

/**
 * The tenders of the sale: the external ones, then cash for what is left (absent when nothing is),
 * or why the sale cannot be paid yet.
 */
export function tendersOf(
  total: number,
  externals: ExternalPayment[],
  cashTendered: number | undefined,
  cash: CashRounding = NO_CASH_ROUNDING,
): { tenders: CheckoutTender[]; change: number } | { missing: number } {
  const left = cashPayable(cashDue(total, externals), cash);
  const tenders: CheckoutTender[] = externals.map((payment) =>
    payment.providerRef
      ? { method: 'card', amount: payment.amount, providerRef: payment.providerRef }
      : { method: 'external', amount: payment.amount, label: payment.label },
  );
  if (left === 0) return { tenders, change: 0 };
  const tendered = cashTendered ?? 0;
  if (tendered < left) return { missing: left - tendered };
  return { tenders: [...tenders, { method: 'cash', amount: left, tendered }], change: tendered - left };
}
