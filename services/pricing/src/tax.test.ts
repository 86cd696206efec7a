import { describe, expect, it } from 'vitest';
import type { ParsedTaxRate, RoundingPolicy } from './input.ts';
import { rational } from './rational.ts';
import { computeTaxes } from './tax.ts';

const rate = (id: string, percent: bigint, inclusive: boolean, per = 1n): ParsedTaxRate => ({
  id,
  name: id,
  rate: String(percent),
  fraction: rational(percent, 100n * per),
  inclusive,
});
const line: RoundingPolicy = { mode: 'half-up', level: 'line' };
const document: RoundingPolicy = { mode: 'half-up', level: 'document' };
const plain = (result: ReturnType<typeof computeTaxes>) =>
  result.map(({ net, taxes }) => ({ net, taxes: Object.fromEntries(taxes) }));

describe('computeTaxes', () => {
  const vat = rate('vat', 20n, true);
  const sales = rate('sales', 7n, false);

  it('leaves an untaxed line alone', () => {
    expect(plain(computeTaxes([{ amount: 1234n, taxRates: [] }], [], line))).toEqual([
      { net: 1234n, taxes: {} },
    ]);
  });

  it('extracts an inclusive tax and leaves the residue in the net', () => {
    // 1001 / 6 = 166.83 -> 167; net 834
    expect(plain(computeTaxes([{ amount: 1001n, taxRates: [vat] }], [vat], line))).toEqual([
      { net: 834n, taxes: { vat: 167n } },
    ]);
  });

  it('adds an additive tax on the net', () => {
    expect(plain(computeTaxes([{ amount: 150n, taxRates: [sales] }], [sales], line))).toEqual([
      { net: 150n, taxes: { sales: 11n } },
    ]);
  });

  it('rounds once per rate over the document and hands the total back by largest remainder', () => {
    const lines = [150n, 150n, 150n, -150n].map((amount) => ({ amount, taxRates: [sales] }));
    // 10.5 x 3 - 10.5 = 21 exactly; truncated 10 + 10 + 10 - 10 = 20; one cent to the first largest positive remainder
    expect(plain(computeTaxes(lines, [sales], document)).map(({ taxes }) => taxes.sales)).toEqual([
      11n,
      10n,
      10n,
      -10n,
    ]);
  });

  it('keeps a line without the rate out of the rate allocation', () => {
    const lines = [
      { amount: 150n, taxRates: [sales] },
      { amount: 999n, taxRates: [] },
    ];
    expect(plain(computeTaxes(lines, [sales], document))).toEqual([
      { net: 150n, taxes: { sales: 11n } },
      { net: 999n, taxes: {} },
    ]);
  });

  it('treats a 0% rate as a rate with zero tax', () => {
    const zero = rate('zero', 0n, true);
    expect(plain(computeTaxes([{ amount: 500n, taxRates: [zero] }], [zero], document))).toEqual([
      { net: 500n, taxes: { zero: 0n } },
    ]);
  });

  it('is symmetric for negative amounts', () => {
    const forward = plain(computeTaxes([{ amount: 1001n, taxRates: [vat, sales] }], [vat, sales], line));
    const backward = plain(computeTaxes([{ amount: -1001n, taxRates: [vat, sales] }], [vat, sales], line));
    expect(backward).toEqual([
      { net: -forward[0]!.net, taxes: { vat: -forward[0]!.taxes.vat!, sales: -forward[0]!.taxes.sales! } },
    ]);
  });
});
