// How a sale is paid, as a pure function: split tender across card, external tenders and cash.
// Non-cash tenders pay exact amounts; cash pays the rest, rounded to the tenant's cash increment
// (CHF 0.05: the difference is the sale's cash rounding), and only cash can be over-tendered (change).
import { cashRound, type RoundingMode } from '@cloudpos/pricing';

export type TenderInput =
  | { method: 'cash'; amount: number; tendered?: number }
  | { method: 'external'; amount: number; label: string }
  | { method: 'card'; amount: number; providerRef: string };

export interface SettledTender {
  method: 'cash' | 'external' | 'card';
  amount: number;
  tendered?: number;
  change?: number;
  label?: string;
  providerRef?: string;
}

export interface Settlement {
  tenders: SettledTender[];
  /** Added to the total by cash rounding (negative: the customer paid less). */
  cashRounding: number;
  /** Σ tender amounts = total + cashRounding. */
  paid: number;
  change: number;
}

export class TenderError extends Error {
  override name = 'TenderError';
  readonly code: 'tender_mismatch' | 'tender_invalid';
  constructor(code: 'tender_mismatch' | 'tender_invalid', message: string) {
    super(message);
    this.code = code;
  }
}

export function settle(
  total: number,
  tenders: TenderInput[],
  cash: { increment: number; mode: RoundingMode },
): Settlement {
  if (tenders.length === 0) throw new TenderError('tender_mismatch', 'a sale needs at least one tender');
  const sign = total < 0 ? -1 : 1;
  const exact = tenders.filter((tender) => tender.method !== 'cash');
  const cashTenders = tenders.filter((tender) => tender.method === 'cash');
  if (cashTenders.length > 1) throw new TenderError('tender_invalid', 'give cash as one tender');
  for (const tender of tenders) {
    if (!Number.isSafeInteger(tender.amount) || Math.sign(tender.amount) === -sign)
      throw new TenderError(
        'tender_invalid',
        `a ${tender.method} tender must be whole minor units with the sale's sign`,
      );
  }
  const nonCash = exact.reduce((sum, tender) => sum + tender.amount, 0);
  if (Math.abs(nonCash) > Math.abs(total))
    throw new TenderError(
      'tender_mismatch',
      `card and external tenders (${nonCash}) exceed the total (${total})`,
    );

  const remaining = total - nonCash;
  let cashRounding = 0;
  const settled: SettledTender[] = exact.map((tender) =>
    tender.method === 'card'
      ? { method: 'card', amount: tender.amount, providerRef: tender.providerRef }
      : { method: 'external', amount: tender.amount, label: tender.label },
  );
  let change = 0;
  if (remaining !== 0) {
    const cashTender = cashTenders[0];
    if (!cashTender)
      throw new TenderError('tender_mismatch', `${remaining} is left to pay and there is no cash tender`);
    const { payable, adjustment } = cashRound(remaining, cash.increment, cash.mode);
    if (cashTender.amount !== payable)
      throw new TenderError(
        'tender_mismatch',
        `the cash tender must be ${payable} (the ${remaining} left, rounded to ${cash.increment})`,
      );
    cashRounding = adjustment;
    const tendered = cashTender.tendered ?? payable;
    if (Math.abs(tendered) < Math.abs(payable))
      throw new TenderError(
        'tender_mismatch',
        `${tendered} tendered does not cover the cash part ${payable}`,
      );
    change = tendered - payable;
    settled.push({ method: 'cash', amount: payable, tendered, change });
  } else if (cashTenders.length > 0 && cashTenders[0]!.amount !== 0) {
    throw new TenderError('tender_mismatch', 'nothing is left to pay in cash');
  }
  return { tenders: settled, cashRounding, paid: total + cashRounding, change };
}
