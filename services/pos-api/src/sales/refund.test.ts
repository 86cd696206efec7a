// Returns in parts, as property tests: thousands of random sold lines returned in random sequences
// of partial quantities (a fixed seed, so a failure is reproducible). No sequence may give back more
// than the sale, per line, per tax rate or in total, no part may give back a negative amount, and the
// part that completes a line gives back exactly what is left.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../fuzz/random.ts';
import { refundFor, type LineFigures, type RefundFigures } from './refund.ts';

/** The fuzz test's seeded source, with inclusive integer ranges. */
function prng(seed: number) {
  const random = seededRandom(seed);
  return { int: (min: number, max: number) => min + random.int(max - min + 1) };
}

const SEED = Number(process.env.REFUND_PROPERTY_SEED ?? 20261205);

function randomLine(random: ReturnType<typeof prng>): LineFigures {
  // Small quantities and amounts are where rounding bites: a few cents of tax over many units.
  const quantity = BigInt(random.int(1, 12) * 1000 + (random.int(0, 3) === 0 ? random.int(1, 999) : 0));
  const taxes = Array.from({ length: random.int(1, 3) }, (_, index) => ({
    taxRateId: `rate-${index}`,
    code: `R${index}`,
    amount: random.int(0, random.int(0, 1) === 0 ? 9 : 5000),
    inclusive: random.int(0, 1) === 0,
  }));
  const gross = random.int(0, 20_000);
  const additive = taxes.filter((tax) => !tax.inclusive).reduce((sum, tax) => sum + tax.amount, 0);
  return { quantity, gross, total: gross + additive - random.int(0, Math.floor(gross / 4)), taxes };
}

const NOTHING: LineFigures = { quantity: 0n, gross: 0, total: 0, taxes: [] };

function add(given: LineFigures, part: RefundFigures): LineFigures {
  return {
    quantity: given.quantity + part.quantity,
    gross: given.gross + part.gross,
    total: given.total + part.total,
    taxes: part.taxes.map((tax) => ({
      ...tax,
      amount: tax.amount + (given.taxes.find((t) => t.taxRateId === tax.taxRateId)?.amount ?? 0),
    })),
  };
}

describe('returning a sold line in parts', () => {
  it(`never gives back more than was sold, per line, per rate or in total (seed ${SEED})`, () => {
    const random = prng(SEED);
    for (let run = 0; run < 3000; run++) {
      const sold = randomLine(random);
      let given = NOTHING;
      while (given.quantity < sold.quantity) {
        const left = sold.quantity - given.quantity;
        // Mostly small parts (one unit, a fraction), sometimes the rest at once.
        const part =
          random.int(0, 4) === 0
            ? left
            : BigInt(Math.min(Number(left), random.int(1, 2) * 500 * random.int(1, 2)));
        const refund = refundFor(sold, given, part);
        const context = `run ${run}: sold ${JSON.stringify(sold, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`;
        expect(refund.total, context).toBeGreaterThanOrEqual(0);
        expect(refund.gross, context).toBeGreaterThanOrEqual(0);
        for (const tax of refund.taxes) expect(tax.amount, context).toBeGreaterThanOrEqual(0);
        given = add(given, refund);
        expect(given.total, context).toBeLessThanOrEqual(sold.total);
        expect(given.gross, context).toBeLessThanOrEqual(sold.gross);
        for (const tax of sold.taxes) {
          expect(given.taxes.find((t) => t.taxRateId === tax.taxRateId)!.amount, context).toBeLessThanOrEqual(
            tax.amount,
          );
        }
      }
      // Returned in full, the line gives back exactly what was sold.
      expect(given.total).toBe(sold.total);
      expect(given.gross).toBe(sold.gross);
      expect(given.taxes.map((tax) => tax.amount)).toEqual(sold.taxes.map((tax) => tax.amount));
    }
  });

  it('rounds cumulatively: 8 units with 5 cents of tax, returned one by one, give back 1,0,1,0,1,1,0,1', () => {
    const sold: LineFigures = {
      quantity: 8000n,
      gross: 800,
      total: 800,
      taxes: [{ taxRateId: 'vat', code: 'VAT', amount: 5, inclusive: true }],
    };
    let given = NOTHING;
    const parts: number[] = [];
    for (let unit = 0; unit < 8; unit++) {
      const refund = refundFor(sold, given, 1000n);
      parts.push(refund.taxes[0]!.amount);
      given = add(given, refund);
    }
    // round(5 × k / 8), half to even, minus what was given: 0.625→1, 1.25→1, 1.875→2, 2.5→2, ...
    expect(parts).toEqual([1, 0, 1, 0, 1, 1, 0, 1]);
    expect(parts.reduce((sum, amount) => sum + amount, 0)).toBe(5);
  });
});
