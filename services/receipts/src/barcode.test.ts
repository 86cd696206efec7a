import { describe, expect, it } from 'vitest';
import { CODE128_PATTERNS, code128Svg, code128Symbols, code128Widths } from './barcode.ts';

describe('Code 128 set B', () => {
  it('has 107 distinct patterns of 11 modules with an even number of bar modules (the stop: 13)', () => {
    expect(CODE128_PATTERNS).toHaveLength(107);
    expect(new Set(CODE128_PATTERNS).size).toBe(107);
    CODE128_PATTERNS.forEach((pattern, value) => {
      const widths = [...pattern].map(Number);
      expect(
        widths.reduce((sum, width) => sum + width, 0),
        `symbol ${value}`,
      ).toBe(value === 106 ? 13 : 11);
      const bars = widths.filter((_, index) => index % 2 === 0).reduce((sum, width) => sum + width, 0);
      expect(bars % 2, `symbol ${value}`).toBe(0);
    });
  });

  it('encodes start B, the characters, the mod-103 check and stop', () => {
    // 104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7 = 879; 879 mod 103 = 55.
    expect(code128Symbols('PJJ123C')).toEqual([104, 48, 42, 42, 17, 18, 19, 35, 55, 106]);
    const widths = code128Widths('MAIN-T1-000042');
    expect(widths.reduce((sum, width) => sum + width, 0)).toBe(11 * (1 + 14 + 1) + 13);
  });

  it('refuses what set B cannot carry', () => {
    expect(() => code128Symbols('')).toThrow(/printable ASCII/);
    expect(() => code128Symbols('Grüße')).toThrow(/printable ASCII/);
  });

  it('draws one rect per bar', () => {
    const svg = code128Svg('A');
    // Start, "A", check, stop: 3 bars each, and 4 in the stop.
    expect(svg.match(/<rect /g)).toHaveLength(3 + 3 + 3 + 4);
    expect(svg.startsWith('<svg')).toBe(true);
  });
});
