// priceDocument: a whole sale, return or exchange priced in one pure call. The result holds every
// figure the POS persists at commit time (per line, per tax rate, per document), all integers of
// minor units that add up exactly; a finished sale is never priced again.
import { applyDiscounts, type DiscountAmounts } from './discount.ts';
import { PricingError } from './errors.ts';
import { parseDocument, type DocumentInput, type RoundingPolicy } from './input.ts';
import { mul, rational } from './rational.ts';
import { roundRational } from './rounding.ts';
import { computeTaxes } from './tax.ts';

export interface DiscountBreakdown {
  itemPercent: number;
  orderPercent: number;
  itemFixed: number;
  orderFixed: number;
}

export interface LineTax {
  rateId: string;
  amount: number;
}

export interface PricedLine {
  id: string;
  /** Canonical decimal text: "1.25", "-2". */
  quantity: string;
  unitPrice: number;
  /** quantity × unitPrice, rounded: the extended price before discounts. */
  gross: number;
  /** What each discount step took off this line; negative on a return line. */
  discounts: DiscountBreakdown;
  discountTotal: number;
  /** Tax-exclusive amount after discounts. */
  net: number;
  /** One entry per rate on the line, in the line's order. */
  taxes: LineTax[];
  taxTotal: number;
  /** net + taxTotal = gross − discountTotal + additive taxes. */
  total: number;
}

export interface RateTotal {
  rateId: string;
  name: string;
  rate: string;
  inclusive: boolean;
  /** Σ net of the lines that carry this rate. */
  taxableBase: number;
  /** Σ of this rate's line taxes. */
  tax: number;
}

export interface DocumentTotals {
  /** Σ gross. */
  subtotal: number;
  discounts: DiscountBreakdown;
  discountTotal: number;
  /** Σ line net. */
  net: number;
  inclusiveTax: number;
  additiveTax: number;
  tax: number;
  /** Σ line totals = net + tax = subtotal − discountTotal + additiveTax. */
  total: number;
}

export interface PricedDocument {
  currency: string;
  rounding: RoundingPolicy;
  lines: PricedLine[];
  /** One entry per rate used by at least one line, in the document's rate order. */
  taxes: RateTotal[];
  totals: DocumentTotals;
}

// The engine computes on bigint; results leave it as numbers, so they must be exact as numbers.
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
function toSafeNumber(value: bigint, path: string): number {
  if (value > MAX_SAFE || value < MIN_SAFE) {
    throw new PricingError('amount_out_of_range', 'the result is beyond the safe integer range', path);
  }
  return Number(value);
}

const breakdown = (amounts: DiscountAmounts, path: string): DiscountBreakdown => ({
  itemPercent: toSafeNumber(amounts.itemPercent, `${path}.itemPercent`),
  orderPercent: toSafeNumber(amounts.orderPercent, `${path}.orderPercent`),
  itemFixed: toSafeNumber(amounts.itemFixed, `${path}.itemFixed`),
  orderFixed: toSafeNumber(amounts.orderFixed, `${path}.orderFixed`),
});

const total = (values: Iterable<bigint>): bigint => [...values].reduce((a, b) => a + b, 0n);
const sumOfSteps = (amounts: DiscountAmounts): bigint =>
  amounts.itemPercent + amounts.orderPercent + amounts.itemFixed + amounts.orderFixed;

/** Prices a document; throws PricingError for invalid input or results beyond safe integers. */
export function priceDocument(input: DocumentInput): PricedDocument {
  const document = parseDocument(input);
  const { mode } = document.rounding;

  const grosses = document.lines.map((line) =>
    roundRational(mul(line.quantity, rational(line.unitPrice)), mode),
  );
  const { discounts, amounts } = applyDiscounts(
    grosses,
    document.lines.map((line) => line.discount),
    document.discount,
    mode,
  );
  const taxed = computeTaxes(
    document.lines.map((line, index) => ({ amount: amounts[index]!, taxRates: line.taxRates })),
    document.taxRates,
    document.rounding,
  );

  // bigint figures for the sums below, and the same figures as numbers for the result
  const lines = document.lines.map((line, index) => {
    const taxes = taxed[index]!.taxes;
    const discount = discounts[index]!;
    const taxTotal = total(taxes.values());
    const net = taxed[index]!.net;
    const where = (field: string) => `lines[${index}].${field}`;
    return {
      raw: { gross: grosses[index]!, discount, taxes, net },
      priced: {
        id: line.id,
        quantity: line.quantityText,
        unitPrice: Number(line.unitPrice),
        gross: toSafeNumber(grosses[index]!, where('gross')),
        discounts: breakdown(discount, where('discounts')),
        discountTotal: toSafeNumber(sumOfSteps(discount), where('discountTotal')),
        net: toSafeNumber(net, where('net')),
        taxes: [...taxes].map(([rateId, amount]) => ({
          rateId,
          amount: toSafeNumber(amount, where(`taxes.${rateId}`)),
        })),
        taxTotal: toSafeNumber(taxTotal, where('taxTotal')),
        total: toSafeNumber(net + taxTotal, where('total')),
      } satisfies PricedLine,
    };
  });

  const rateTotals = document.taxRates
    .map((rate) => {
      const carrying = lines.filter(({ raw }) => raw.taxes.has(rate.id));
      return {
        rate,
        used: carrying.length > 0,
        base: total(carrying.map(({ raw }) => raw.net)),
        tax: total(carrying.map(({ raw }) => raw.taxes.get(rate.id)!)),
      };
    })
    .filter(({ used }) => used);

  const sumOf = (pick: (line: (typeof lines)[number]['raw']) => bigint) =>
    total(lines.map(({ raw }) => pick(raw)));
  const byStep: DiscountAmounts = {
    itemPercent: sumOf((line) => line.discount.itemPercent),
    orderPercent: sumOf((line) => line.discount.orderPercent),
    itemFixed: sumOf((line) => line.discount.itemFixed),
    orderFixed: sumOf((line) => line.discount.orderFixed),
  };
  const inclusiveTax = total(rateTotals.filter(({ rate }) => rate.inclusive).map(({ tax }) => tax));
  const additiveTax = total(rateTotals.filter(({ rate }) => !rate.inclusive).map(({ tax }) => tax));
  const net = sumOf((line) => line.net);

  return {
    currency: document.currency,
    rounding: { ...document.rounding },
    lines: lines.map(({ priced }) => priced),
    taxes: rateTotals.map(({ rate, base, tax }) => ({
      rateId: rate.id,
      name: rate.name,
      rate: rate.rate,
      inclusive: rate.inclusive,
      taxableBase: toSafeNumber(base, `taxes.${rate.id}.taxableBase`),
      tax: toSafeNumber(tax, `taxes.${rate.id}.tax`),
    })),
    totals: {
      subtotal: toSafeNumber(
        sumOf((line) => line.gross),
        'totals.subtotal',
      ),
      discounts: breakdown(byStep, 'totals.discounts'),
      discountTotal: toSafeNumber(sumOfSteps(byStep), 'totals.discountTotal'),
      net: toSafeNumber(net, 'totals.net'),
      inclusiveTax: toSafeNumber(inclusiveTax, 'totals.inclusiveTax'),
      additiveTax: toSafeNumber(additiveTax, 'totals.additiveTax'),
      tax: toSafeNumber(inclusiveTax + additiveTax, 'totals.tax'),
      total: toSafeNumber(net + inclusiveTax + additiveTax, 'totals.total'),
    },
  };
}
