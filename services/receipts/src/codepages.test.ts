import { describe, expect, it } from 'vitest';
import { codePage, decodeCodePage, encodeCodePage, toCodePage } from './codepages.ts';

const cp858 = codePage('cp858');
const cp437 = codePage('cp437');
const bytesOf = (text: string, page = cp858) => [...encodeCodePage(text, page)];

describe('code page tables', () => {
  // From IBM's printed code charts (and Epson's "PC858: Euro" / "PC437: USA" tables).
  it.each([
    ['Ç', 0x80],
    ['ü', 0x81],
    ['é', 0x82],
    ['ä', 0x84],
    ['Ä', 0x8e],
    ['ö', 0x94],
    ['Ö', 0x99],
    ['Ü', 0x9a],
    ['ø', 0x9b],
    ['£', 0x9c],
    ['Ø', 0x9d],
    ['×', 0x9e],
    ['ó', 0xa2],
    ['¥', 0xbe],
    ['€', 0xd5],
    ['ß', 0xe1],
    ['µ', 0xe6],
  ])('cp858 prints %s as 0x%s', (char, byte) => {
    expect(bytesOf(char)).toEqual([byte]);
  });

  it.each([
    ['ü', 0x81],
    ['é', 0x82],
    ['Ä', 0x8e],
    ['¢', 0x9b],
    ['£', 0x9c],
    ['¥', 0x9d],
    ['ß', 0xe1],
  ])('cp437 prints %s as 0x%s', (char, byte) => {
    expect(bytesOf(char, cp437)).toEqual([byte]);
  });

  it('prints ASCII as ASCII and decodes what it encodes, on both pages', () => {
    for (const page of [cp858, cp437]) {
      const printable = page.chars.filter(
        (char) => char !== undefined && char !== '\u00ad' && char !== '\u00a0',
      );
      const text = printable.join('');
      expect(decodeCodePage(encodeCodePage(text, page), page)).toBe(text);
      expect(bytesOf(' AZaz09~', page)).toEqual([0x20, 0x41, 0x5a, 0x61, 0x7a, 0x30, 0x39, 0x7e]);
    }
  });

  it('never encodes a control byte, whatever it is given', () => {
    expect(bytesOf('\u001bp\u0000\u0019\u00fa\n\u007f')).toEqual([0x3f, 0x70, 0x3f, 0x3f, 0xa3, 0x3f, 0x3f]);
  });
});

describe('toCodePage', () => {
  it.each([
    ['Müller Straße café', 'Müller Straße café', 'Müller Straße café'],
    ['€ 10', '€ 10', 'EUR 10'],
    ['Łódź', 'Lódz', 'Lódz'],
    ['Dvořák', 'Dvorák', 'Dvorák'],
    ['Øresund', 'Øresund', 'Oresund'],
    ['Œuvre', 'OEuvre', 'OEuvre'],
    ['„Zitat“ – ‘quote’ …', '"Zitat" - \'quote\' ...', '"Zitat" - \'quote\' ...'],
    ['Ｔｏｋｙｏ ￥', 'Tokyo ¥', 'Tokyo ¥'],
    ['e\u0301', 'é', 'é'],
    ['緑茶', '??', '??'],
    ['👍🏽 ok', '? ok', '? ok'],
    ['Привет', '??????', '??????'],
    ['\u001b@', '?@', '?@'],
  ])('%j → cp858 %j, cp437 %j', (input, on858, on437) => {
    expect(toCodePage(input, cp858)).toBe(on858);
    expect(toCodePage(input, cp437)).toBe(on437);
  });

  it('is deterministic and leaves only characters of the page', () => {
    const input = 'Zoë’s Ångström — 5 × ½ ℓ ﬁne ♥ 🎉 Ŧ';
    const once = toCodePage(input, cp858);
    expect(toCodePage(input, cp858)).toBe(once);
    for (const char of once) expect(cp858.bytes.has(char), char).toBe(true);
  });

  it('refuses a code page it does not know', () => {
    expect(() => codePage('cp1252' as 'cp858')).toThrow(RangeError);
  });
});
