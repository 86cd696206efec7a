import { describe, expect, it } from 'vitest';
import { currencyExponent, formatMinorUnits } from './currency.ts';
import { PricingError } from './errors.ts';

describe('currencyExponent', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['CAD', 2],
    ['CHF', 2],
    ['AUD', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['SEK', 2],
    ['NOK', 2],
    ['DKK', 2],
    ['MXN', 2],
    ['BRL', 2],
    ['INR', 2],
    ['CNY', 2],
    ['NZD', 2],
    ['ZAR', 2],
    ['PLN', 2],
  ])('%s has %i decimals', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it.each(['usd', 'XYZ', '', 'constructor', '__proto__'])('rejects %j with unknown_currency', (code) => {
    expect(() => currencyExponent(code)).toThrow(expect.objectContaining({ code: 'unknown_currency' }));
    expect(() => currencyExponent(code)).toThrow(PricingError);
  });
});

describe('formatMinorUnits', () => {
  it.each([
    [1234, 'USD', '12.34'],
    [5, 'USD', '0.05'],
    [-5, 'USD', '-0.05'],
    [0, 'EUR', '0.00'],
    [1234, 'JPY', '1234'],
    [-1234, 'KRW', '-1234'],
    [1234, 'KWD', '1.234'],
    [-5, 'BHD', '-0.005'],
  ])('%i %s → %s', (amount, currency, text) => {
    expect(formatMinorUnits(amount, currency)).toBe(text);
  });

  it('rejects an amount that is not a safe integer with invalid_amount', () => {
    expect(() => formatMinorUnits(1.5, 'USD')).toThrow(expect.objectContaining({ code: 'invalid_amount' }));
  });
});
