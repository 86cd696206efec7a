import { describe, expect, it } from 'vitest';
import { cleanText, displayWidth, percentToFraction, receiptFormatter, wrap } from './format.ts';
import { labelsFor } from './labels.ts';

const NBSP = '\u00a0';

describe('receiptFormatter', () => {
  it('uses the currency exponent of @cloudpos/pricing: JPY 0 digits, EUR 2, KWD 3', () => {
    const yen = receiptFormatter({ locale: 'ja-JP', currency: 'JPY', timezone: 'Asia/Tokyo' });
    expect(yen.amount(123456)).toBe('123,456');
    expect(yen.money(1234)).toBe('￥1,234');
    const euro = receiptFormatter({ locale: 'de-DE', currency: 'EUR', timezone: 'Europe/Berlin' });
    expect(euro.amount(123456)).toBe('1.234,56');
    expect(euro.money(-5)).toBe(`-0,05${NBSP}€`);
    const dinar = receiptFormatter({ locale: 'en-US', currency: 'KWD', timezone: 'Asia/Kuwait' });
    expect(dinar.amount(1234)).toBe('1.234');
    expect(dinar.amount(-5)).toBe('-0.005');
    expect(dinar.money(1234)).toBe(`KWD${NBSP}1.234`);
  });

  it('prefers the ISO exponent to Intl’s own idea of a currency (HUF has 2 in ISO 4217)', () => {
    const forint = receiptFormatter({ locale: 'hu-HU', currency: 'HUF', timezone: 'Europe/Budapest' });
    expect(forint.amount(12345678)).toBe(`123${NBSP}456,78`);
  });

  it('formats the largest safe amount exactly, with no float in between', () => {
    const dollars = receiptFormatter({ locale: 'en-US', currency: 'USD', timezone: 'UTC' });
    expect(dollars.amount(Number.MAX_SAFE_INTEGER)).toBe('90,071,992,547,409.91');
    expect(dollars.amount(-Number.MAX_SAFE_INTEGER)).toBe('-90,071,992,547,409.91');
  });

  it('formats quantities and percents in the locale', () => {
    const de = receiptFormatter({ locale: 'de-DE', currency: 'EUR', timezone: 'UTC' });
    expect(de.quantity('1.25')).toBe('1,25');
    expect(de.quantity('-2')).toBe('-2');
    expect(de.percent('8.875')).toBe(`8,875${NBSP}%`);
    const us = receiptFormatter({ locale: 'en-US', currency: 'USD', timezone: 'UTC' });
    expect(us.percent('19')).toBe('19%');
    expect(us.percent('0.5')).toBe('0.5%');
  });

  it('shows the instant in the store’s time zone, summer time included', () => {
    const berlin = receiptFormatter({ locale: 'de-DE', currency: 'EUR', timezone: 'Europe/Berlin' });
    expect(berlin.dateTime('2025-07-01T21:30:00Z')).toBe('01.07.2025, 23:30');
    expect(berlin.dateTime('2025-12-31T23:30:00Z')).toBe('01.01.2026, 00:30');
  });
});

describe('percentToFraction', () => {
  it.each([
    ['19', '0.19'],
    ['7', '0.07'],
    ['8.875', '0.08875'],
    ['0.5', '0.005'],
    ['100', '1.00'],
    ['0', '0.00'],
  ])('%s%% → %s', (rate, fraction) => {
    expect(percentToFraction(rate)).toBe(fraction);
  });
});

describe('cleanText', () => {
  it('turns printer and terminal control characters into spaces', () => {
    expect(cleanText('a\u001bp\u0000b\tc\nd\u0085e\u2028f')).toBe('a p b c d e f');
  });

  it('drops invisible format characters and lone surrogates, and composes accents', () => {
    expect(cleanText('e\u0301\u202eabc\u00ad\u200d\ud800x')).toBe('éabcx');
  });
});

describe('displayWidth and wrap', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['Zürich', 6],
    ['e\u0301', 1],
    ['緑茶 500ml', 10],
    ['ｶﾞ', 2],
    ['ＡＢ', 4],
    ['🎉', 2],
  ])('%j is %i columns', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it('wraps at spaces and cuts only words longer than a line, between graphemes', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrap('Donaudampfschiff', 6)).toEqual(['Donaud', 'ampfsc', 'hiff']);
    expect(wrap('ae\u0301e\u0301e\u0301', 2)).toEqual(['ae\u0301', 'e\u0301e\u0301']);
    expect(wrap('緑茶緑茶緑', 4)).toEqual(['緑茶', '緑茶', '緑']);
    expect(wrap('', 10)).toEqual(['']);
  });
});

describe('labelsFor', () => {
  it('speaks the language of the locale, and English when it has no table for it', () => {
    expect(labelsFor('de-AT').total).toBe('SUMME');
    expect(labelsFor('de-CH').change).toBe('Rückgeld');
    expect(labelsFor('en-US').total).toBe('TOTAL');
    expect(labelsFor('ja-JP').total).toBe('TOTAL');
    expect(labelsFor('not a locale!').total).toBe('TOTAL');
  });
});
