import { describe, expect, it } from 'vitest';
import { formatMoney, moneyInput, parseMoney } from '../app/money.ts';

describe('money in the tenant’s currency and locale', () => {
  it('formats minor units', () => {
    expect(formatMoney(350, 'EUR', 'de-DE')).toBe('3,50\u00a0€');
    expect(formatMoney(350, 'EUR', 'en-US')).toBe('€3.50');
    expect(formatMoney(123456, 'USD', 'en-US')).toBe('$1,234.56');
    expect(formatMoney(500, 'JPY', 'ja-JP')).toBe('￥500');
  });

  it.each([
    ['3.50', 'EUR', 350],
    ['3,5', 'EUR', 350],
    ['12', 'EUR', 1200],
    ['0.01', 'USD', 1],
    ['500', 'JPY', 500],
    ['3.505', 'EUR', undefined],
    ['-1', 'EUR', undefined],
    ['1,000.00', 'EUR', undefined],
    ['abc', 'EUR', undefined],
    ['5.5', 'JPY', undefined],
  ])('parses %s %s as %s', (text, currency, minor) => {
    expect(parseMoney(text, currency)).toBe(minor);
  });

  it('round-trips through the input text', () => {
    expect(moneyInput(305, 'EUR')).toBe('3.05');
    expect(parseMoney(moneyInput(305, 'EUR'), 'EUR')).toBe(305);
    expect(moneyInput(500, 'JPY')).toBe('500');
    // In the tenant's locale: a decimal comma where it writes one, never a grouping separator.
    expect(moneyInput(123456, 'EUR', 'de-DE')).toBe('1234,56');
    expect(parseMoney(moneyInput(123456, 'EUR', 'de-DE'), 'EUR')).toBe(123456);
    expect(moneyInput(123456, 'CHF', 'de-CH')).toBe('1234.56');
  });
});
