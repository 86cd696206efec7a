import { describe, expect, it } from 'vitest';
import { cashRound } from './cash.ts';
import { formatMinorUnits } from './currency.ts';
import { priceDocument } from './document.ts';
import { PRICING_ERROR_CODES, PricingError, type PricingErrorCode } from './errors.ts';
import { validateDocument, type DocumentInput } from './input.ts';

const valid = (): DocumentInput => ({
  currency: 'EUR',
  rounding: { mode: 'half-even', level: 'line' },
  taxRates: [
    { id: 'vat', name: 'VAT 19%', rate: '19', inclusive: true },
    { id: 'levy', name: 'Levy', rate: '2.5', inclusive: false },
  ],
  lines: [
    {
      id: 'a',
      quantity: '1.5',
      unitPrice: 1000,
      taxRateIds: ['vat'],
      discount: { percent: '10', fixed: 50 },
    },
    { id: 'b', quantity: 2, unitPrice: 250, taxRateIds: ['vat', 'levy'] },
  ],
  discount: { percent: '5', fixed: 100 },
});

/** Builds an invalid document by changing a valid one; `unknown` because the point is bad input. */
function broken(change: (document: Record<string, unknown> & DocumentInput) => unknown): unknown {
  const document = valid() as Record<string, unknown> & DocumentInput;
  const replaced = change(document);
  return replaced === undefined ? document : replaced;
}

function thrown(run: () => unknown): PricingError {
  try {
    run();
  } catch (error) {
    if (error instanceof PricingError) return error;
    throw error;
  }
  throw new Error('expected a PricingError, nothing was thrown');
}

// Every error code, with inputs that must produce it and the path it must name.
const cases: [PricingErrorCode, string, () => unknown, string | undefined][] = [
  ['invalid_document', 'not an object', () => priceDocument(null as unknown as DocumentInput), undefined],
  [
    'invalid_document',
    'lines missing',
    () => validateDocument(broken((d) => void Reflect.deleteProperty(d, 'lines'))),
    'lines',
  ],
  [
    'invalid_document',
    'currency not a string',
    () => validateDocument(broken((d) => void (d.currency = 978 as never))),
    'currency',
  ],
  [
    'invalid_document',
    'rounding missing',
    () => validateDocument(broken((d) => void Reflect.deleteProperty(d, 'rounding'))),
    'rounding',
  ],
  [
    'invalid_document',
    'empty line id',
    () => validateDocument(broken((d) => void (d.lines[0]!.id = ''))),
    'lines[0].id',
  ],
  [
    'invalid_document',
    'rate name missing',
    () =>
      validateDocument(broken((d) => void delete (d.taxRates[0] as Partial<(typeof d.taxRates)[0]>).name)),
    'taxRates[0].name',
  ],
  [
    'invalid_document',
    'inclusive not a boolean',
    () => validateDocument(broken((d) => void (d.taxRates[0]!.inclusive = 'yes' as never))),
    'taxRates[0].inclusive',
  ],
  [
    'invalid_document',
    'taxRateIds not an array',
    () => validateDocument(broken((d) => void (d.lines[1]!.taxRateIds = 'vat' as never))),
    'lines[1].taxRateIds',
  ],
  [
    'invalid_document',
    'discount not an object',
    () => validateDocument(broken((d) => void (d.discount = '10%' as never))),
    'discount',
  ],
  [
    'unknown_currency',
    'lower case',
    () => validateDocument(broken((d) => void (d.currency = 'eur'))),
    undefined,
  ],
  [
    'unknown_currency',
    'not ISO 4217',
    () => validateDocument(broken((d) => void (d.currency = 'XBT'))),
    undefined,
  ],
  [
    'invalid_rounding_mode',
    'half-down',
    () => validateDocument(broken((d) => void (d.rounding.mode = 'half-down' as never))),
    'rounding.mode',
  ],
  [
    'invalid_rounding_level',
    'receipt',
    () => validateDocument(broken((d) => void (d.rounding.level = 'receipt' as never))),
    'rounding.level',
  ],
  [
    'invalid_tax_rate',
    'comma decimal',
    () => validateDocument(broken((d) => void (d.taxRates[1]!.rate = '2,5'))),
    'taxRates[1].rate',
  ],
  [
    'invalid_tax_rate',
    'a number',
    () => validateDocument(broken((d) => void (d.taxRates[1]!.rate = 2.5 as never))),
    'taxRates[1].rate',
  ],
  [
    'invalid_tax_rate',
    'seven decimals',
    () => validateDocument(broken((d) => void (d.taxRates[1]!.rate = '2.5000001'))),
    'taxRates[1].rate',
  ],
  [
    'negative_tax_rate',
    '-5',
    () => validateDocument(broken((d) => void (d.taxRates[1]!.rate = '-5'))),
    'taxRates[1].rate',
  ],
  [
    'duplicate_tax_rate',
    'same id twice',
    () => validateDocument(broken((d) => void (d.taxRates[1]!.id = 'vat'))),
    'taxRates[1].id',
  ],
  [
    'unknown_tax_rate',
    'undefined id',
    () => validateDocument(broken((d) => void d.lines[1]!.taxRateIds.push('gst'))),
    'lines[1].taxRateIds[2]',
  ],
  [
    'duplicate_line_tax_rate',
    'same rate twice on a line',
    () => validateDocument(broken((d) => void d.lines[1]!.taxRateIds.push('vat'))),
    'lines[1].taxRateIds[2]',
  ],
  [
    'duplicate_line_id',
    'same line id twice',
    () => validateDocument(broken((d) => void (d.lines[1]!.id = 'a'))),
    'lines[1].id',
  ],
  [
    'invalid_quantity',
    'fractional number',
    () => validateDocument(broken((d) => void (d.lines[0]!.quantity = 1.5))),
    'lines[0].quantity',
  ],
  [
    'invalid_quantity',
    'exponent',
    () => validateDocument(broken((d) => void (d.lines[0]!.quantity = '1e3'))),
    'lines[0].quantity',
  ],
  [
    'invalid_quantity',
    'thirteen integer digits',
    () => validateDocument(broken((d) => void (d.lines[0]!.quantity = '1234567890123'))),
    'lines[0].quantity',
  ],
  [
    'invalid_quantity',
    'missing',
    () => validateDocument(broken((d) => void delete (d.lines[0] as Partial<(typeof d.lines)[0]>).quantity)),
    'lines[0].quantity',
  ],
  [
    'too_many_quantity_decimals',
    '1.2345',
    () => validateDocument(broken((d) => void (d.lines[0]!.quantity = '1.2345'))),
    'lines[0].quantity',
  ],
  [
    'invalid_unit_price',
    'major units',
    () => validateDocument(broken((d) => void (d.lines[0]!.unitPrice = 19.99))),
    'lines[0].unitPrice',
  ],
  [
    'invalid_unit_price',
    'text',
    () => validateDocument(broken((d) => void (d.lines[0]!.unitPrice = '1999' as never))),
    'lines[0].unitPrice',
  ],
  [
    'invalid_unit_price',
    'beyond safe integers',
    () => validateDocument(broken((d) => void (d.lines[0]!.unitPrice = 2 ** 53))),
    'lines[0].unitPrice',
  ],
  [
    'negative_unit_price',
    '-100',
    () => validateDocument(broken((d) => void (d.lines[0]!.unitPrice = -100))),
    'lines[0].unitPrice',
  ],
  [
    'invalid_percent',
    'a number',
    () => validateDocument(broken((d) => void (d.discount = { percent: 10 as never }))),
    'discount.percent',
  ],
  [
    'invalid_percent',
    'with a percent sign',
    () => validateDocument(broken((d) => void (d.lines[0]!.discount = { percent: '10%' }))),
    'lines[0].discount.percent',
  ],
  [
    'percent_out_of_range',
    'above 100',
    () => validateDocument(broken((d) => void (d.discount = { percent: '100.01' }))),
    'discount.percent',
  ],
  [
    'percent_out_of_range',
    'negative',
    () => validateDocument(broken((d) => void (d.lines[0]!.discount = { percent: '-1' }))),
    'lines[0].discount.percent',
  ],
  [
    'invalid_discount_amount',
    'fractional',
    () => validateDocument(broken((d) => void (d.discount = { fixed: 1.5 }))),
    'discount.fixed',
  ],
  [
    'invalid_discount_amount',
    'text',
    () => validateDocument(broken((d) => void (d.lines[0]!.discount = { fixed: '100' as never }))),
    'lines[0].discount.fixed',
  ],
  [
    'negative_discount_amount',
    '-100',
    () => validateDocument(broken((d) => void (d.lines[0]!.discount = { fixed: -100 }))),
    'lines[0].discount.fixed',
  ],
  [
    'amount_out_of_range',
    'gross beyond safe integers',
    () =>
      priceDocument(broken((d) => void (d.lines[1]!.unitPrice = Number.MAX_SAFE_INTEGER)) as DocumentInput),
    'lines[1].gross',
  ],
  [
    'amount_out_of_range',
    'cash payable beyond safe integers',
    () => cashRound(Number.MAX_SAFE_INTEGER, 100, 'half-up'),
    undefined,
  ],
  ['invalid_amount', 'cash amount not an integer', () => cashRound(10.5, 5, 'half-up'), undefined],
  ['invalid_amount', 'formatting a fraction', () => formatMinorUnits(0.5, 'USD'), undefined],
  ['invalid_cash_increment', 'zero', () => cashRound(1000, 0, 'half-up'), undefined],
];

describe('PricingError codes', () => {
  it.each(cases)('%s: %s', (code, _, run, path) => {
    const error = thrown(run);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PricingError');
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('has a test for every code', () => {
    expect(new Set(cases.map(([code]) => code))).toEqual(new Set(PRICING_ERROR_CODES));
  });

  it('accepts a valid document', () => {
    expect(() => validateDocument(valid())).not.toThrow();
    expect(() => priceDocument(valid())).not.toThrow();
  });

  it('accepts the edges of the ranges', () => {
    const document = valid();
    document.lines[0]!.quantity = '-999999999999.999';
    document.lines[0]!.discount = { percent: '100', fixed: 0 };
    document.taxRates[0]!.rate = '0';
    document.discount = { percent: '0.000001' };
    expect(() => validateDocument(document)).not.toThrow();
  });

  it('does not change its input', () => {
    const document = valid();
    const copy = structuredClone(document);
    priceDocument(document);
    expect(document).toEqual(copy);
  });
});
