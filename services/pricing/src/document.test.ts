import { describe, expect, it } from 'vitest';
import { priceDocument } from './document.ts';
import type { DocumentInput } from './input.ts';

const base = (overrides: Partial<DocumentInput>): DocumentInput => ({
  currency: 'USD',
  rounding: { mode: 'half-up', level: 'line' },
  taxRates: [
    { id: 'state', name: 'State', rate: '6', inclusive: false },
    { id: 'county', name: 'County', rate: '1.5', inclusive: false },
    { id: 'unused', name: 'Unused', rate: '3', inclusive: false },
  ],
  lines: [],
  ...overrides,
});

describe('priceDocument', () => {
  it('prices an empty document to zero', () => {
    const priced = priceDocument(base({ discount: { percent: '10', fixed: 100 } }));
    expect(priced.lines).toEqual([]);
    expect(priced.taxes).toEqual([]);
    expect(priced.totals).toEqual({
      subtotal: 0,
      discounts: { itemPercent: 0, orderPercent: 0, itemFixed: 0, orderFixed: 0 },
      discountTotal: 0,
      net: 0,
      inclusiveTax: 0,
      additiveTax: 0,
      tax: 0,
      total: 0,
    });
  });

  it('prices a zero quantity as a zero line', () => {
    const priced = priceDocument(
      base({ lines: [{ id: 'a', quantity: '0.000', unitPrice: 999, taxRateIds: ['state'] }] }),
    );
    expect(priced.lines[0]).toMatchObject({ quantity: '0', gross: 0, net: 0, total: 0 });
  });

  it('lists line taxes in the line order and rate totals in the document order, leaving out unused rates', () => {
    const priced = priceDocument(
      base({
        lines: [
          { id: 'a', quantity: 1, unitPrice: 1000, taxRateIds: ['county', 'state'] },
          { id: 'b', quantity: 1, unitPrice: 1000, taxRateIds: ['state'] },
        ],
      }),
    );
    expect(priced.lines[0]!.taxes.map(({ rateId }) => rateId)).toEqual(['county', 'state']);
    expect(priced.taxes.map(({ rateId }) => rateId)).toEqual(['state', 'county']);
  });

  it('returns plain JSON: safe integers and strings, no bigint', () => {
    const priced = priceDocument(
      base({ lines: [{ id: 'a', quantity: '2.5', unitPrice: 333, taxRateIds: ['state', 'county'] }] }),
    );
    expect(JSON.parse(JSON.stringify(priced))).toEqual(priced);
  });

  it('echoes the currency and the rounding policy it used', () => {
    const priced = priceDocument(
      base({ currency: 'JPY', rounding: { mode: 'half-even', level: 'document' } }),
    );
    expect(priced.currency).toBe('JPY');
    expect(priced.rounding).toEqual({ mode: 'half-even', level: 'document' });
  });

  it('handles amounts near the top of the safe range exactly', () => {
    const price = 2 ** 50; // 11 258 999 068 426.24 dollars: far beyond a float's cent precision
    const priced = priceDocument(
      base({ lines: [{ id: 'a', quantity: '1.001', unitPrice: price, taxRateIds: [] }] }),
    );
    // 2^50 x 1.001 = 1125899906842624 + 1125899906842.624 = 1127025806749466.624 -> 1127025806749467
    expect(priced.totals.total).toBe(1127025806749467);
  });
});
