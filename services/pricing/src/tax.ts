// Taxes on the discounted line amounts. Inclusive rates are extracted from the amount first
// (net = amount / (1 + Σ inclusive rates), each tax = net × rate); additive rates are then charged
// on the net. No compound taxes: a tax is never part of another tax's base.
import type { ParsedTaxRate, RoundingPolicy } from './input.ts';
import { add, div, mul, ONE, rational, sum, type Rational } from './rational.ts';
import { allocate, roundRational } from './rounding.ts';

export interface TaxableLine {
  /** The line amount after discounts, in the line's price terms. */
  amount: bigint;
  taxRates: readonly ParsedTaxRate[];
}

export interface LineTaxes {
  /** The tax-exclusive amount. */
  net: bigint;
  /** Tax per rate id, in the order the line lists its rates. */
  taxes: Map<string, bigint>;
}

type ExactTaxes = Map<string, Rational>;

/**
 * Turns exact taxes into minor units by the tenant's rounding level:
 * `line` rounds every line's tax for every rate on its own;
 * `document` rounds each rate's document sum once and hands it back to the lines by largest
 * remainder, so that the line figures still add up to the rate's total.
 */
function roundTaxes(exact: readonly ExactTaxes[], rates: readonly ParsedTaxRate[], policy: RoundingPolicy) {
  const rounded = exact.map((taxes) => new Map([...taxes].map(([id]) => [id, 0n])));
  if (policy.level === 'line') {
    exact.forEach((taxes, index) => {
      for (const [id, value] of taxes) rounded[index]!.set(id, roundRational(value, policy.mode));
    });
    return rounded;
  }
  for (const rate of rates) {
    const lines = exact.flatMap((taxes, index) => {
      const value = taxes.get(rate.id);
      return value === undefined ? [] : [{ index, value }];
    });
    const shares = lines.map(({ value }) => value);
    const parts = allocate(shares, roundRational(sum(shares), policy.mode));
    lines.forEach(({ index }, position) => rounded[index]!.set(rate.id, parts[position]!));
  }
  return rounded;
}

export function computeTaxes(
  lines: readonly TaxableLine[],
  rates: readonly ParsedTaxRate[],
  policy: RoundingPolicy,
): LineTaxes[] {
  const inclusiveExact = lines.map(({ amount, taxRates }) => {
    const inclusive = taxRates.filter((rate) => rate.inclusive);
    const divisor = add(ONE, sum(inclusive.map((rate) => rate.fraction)));
    const net = div(rational(amount), divisor);
    return new Map(inclusive.map((rate) => [rate.id, mul(net, rate.fraction)]));
  });
  const inclusive = roundTaxes(inclusiveExact, rates, policy);

  // The rounding residue of inclusive taxes stays in the net, so net + inclusive taxes = amount.
  const nets = lines.map(
    ({ amount }, index) => amount - [...inclusive[index]!.values()].reduce((a, b) => a + b, 0n),
  );

  const additiveExact = lines.map(
    ({ taxRates }, index) =>
      new Map(
        taxRates
          .filter((rate) => !rate.inclusive)
          .map((rate) => [rate.id, mul(rational(nets[index]!), rate.fraction)]),
      ),
  );
  const additive = roundTaxes(additiveExact, rates, policy);

  return lines.map(({ taxRates }, index) => ({
    net: nets[index]!,
    taxes: new Map(
      taxRates.map((rate) => [rate.id, (rate.inclusive ? inclusive : additive)[index]!.get(rate.id) ?? 0n]),
    ),
  }));
}
