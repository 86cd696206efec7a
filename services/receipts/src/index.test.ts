import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as receipts from './index.ts';
import { golden } from './test-goldens.ts';

describe('receipts module', () => {
  it('offers the builder, the numbering helper and the three renderers', () => {
    expect(Object.keys(receipts).sort()).toEqual([
      'CODE_PAGES',
      'ESC_POS',
      'RECEIPT_KINDS',
      'RECEIPT_MEDIA_TYPES',
      'RECEIPT_PAYMENT_METHODS',
      'ReceiptError',
      'buildReceiptDocument',
      'receiptNumber',
      'renderEscPos',
      'renderHtml',
      'renderMail',
      'renderText',
    ]);
    const doc = golden('01');
    expect(typeof receipts.renderText(doc)).toBe('string');
    expect(receipts.renderHtml(doc)).toMatch(/^<!doctype html>/u);
    expect(receipts.renderEscPos(doc)).toBeInstanceOf(Uint8Array);
  });

  // Pure code in the middle: no database, no HTTP, no Node APIs, so the till could render receipts
  // offline with the same code. Only the pricing engine and its own files may be imported.
  it('imports nothing but @cloudpos/pricing and its own files', () => {
    const folder = new URL('./', import.meta.url);
    const sources = readdirSync(folder).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'test-goldens.ts',
    );
    expect(sources.length).toBeGreaterThanOrEqual(8);
    const seen = new Set<string>();
    for (const file of sources) {
      const source = readFileSync(new URL(file, folder), 'utf8');
      const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'/gmu)].map(
        (match) => match[1]!,
      );
      for (const specifier of specifiers) {
        seen.add(specifier);
        expect(
          specifier === '@cloudpos/pricing' || /^\.\/[a-z-]+\.ts$/u.test(specifier),
          `${file} imports ${specifier}`,
        ).toBe(true);
      }
      expect(source, file).not.toMatch(/\bimport\(|\brequire\(|\bprocess\.|\bBuffer\b/u);
    }
    // The scan reads what it should: the imports between the module's own files are all there.
    expect(seen).toEqual(
      new Set([
        '@cloudpos/pricing',
        './barcode.ts',
        './codepages.ts',
        './document.ts',
        './escpos.ts',
        './format.ts',
        './html.ts',
        './labels.ts',
        './mail.ts',
        './text.ts',
      ]),
    );
  });
});
