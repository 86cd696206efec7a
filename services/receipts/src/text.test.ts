import { describe, expect, it } from 'vitest';
import type { ReceiptDocument } from './document.ts';
import { displayWidth } from './format.ts';
import { golden, loadGoldens } from './test-goldens.ts';
import { layoutReceipt, renderText } from './text.ts';

const goldens = loadGoldens();

/** The sums a committed sale keeps; a golden that breaks them would be an impossible receipt. */
function expectCoherent(doc: ReceiptDocument) {
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const { totals } = doc;
  expect(sum(doc.lines.map((line) => line.gross))).toBe(totals.subtotal);
  expect(sum(doc.lines.flatMap((line) => line.discounts.map((discount) => discount.amount)))).toBe(
    totals.discountTotal,
  );
  expect(sum(doc.taxes.map((tax) => tax.amount))).toBe(totals.taxTotal);
  expect(sum(doc.taxes.filter((tax) => tax.inclusive).map((tax) => tax.amount))).toBe(
    totals.inclusiveTaxTotal,
  );
  expect(totals.total).toBe(
    totals.subtotal - totals.discountTotal + totals.taxTotal - totals.inclusiveTaxTotal,
  );
  expect(sum(doc.lines.map((line) => line.total))).toBe(totals.total);
  expect(sum(doc.payments.map((payment) => payment.amount))).toBe(totals.total + totals.cashRounding);
  for (const payment of doc.payments) {
    if (payment.tendered !== undefined) expect(payment.tendered - payment.amount).toBe(payment.change);
  }
  const codes = new Set(doc.taxes.map((tax) => tax.code));
  for (const line of doc.lines) for (const code of line.taxCodes) expect(codes).toContain(code);
}

describe('golden receipts', () => {
  it('cover the cases the layout must get right, at both paper widths', () => {
    expect(goldens.map((entry) => entry.name)).toEqual([
      '01-eur-inclusive-vat-two-rates',
      '02-usd-additive-sales-tax',
      '03-jpy-no-decimals',
      '04-gbp-return-negative',
      '05-eur-split-tender-cash-change',
      '06-chf-cash-rounding',
    ]);
    for (const entry of goldens) {
      expect(entry.texts.has(42), entry.name).toBe(true);
      expect(entry.checked.join(' ').length, entry.name).toBeGreaterThan(80);
    }
    expect(goldens.filter((entry) => entry.texts.has(32)).length).toBeGreaterThanOrEqual(2);
  });

  describe.each(goldens)('$name', (entry) => {
    it('is a receipt a committed sale can have', () => {
      expectCoherent(entry.document);
    });

    it.each([...entry.texts])('renders at %i columns exactly as written by hand', (width, expected) => {
      expect(renderText(entry.document, { width })).toBe(expected);
    });

    it('is deterministic and does not change the document', () => {
      const before = structuredClone(entry.document);
      expect(renderText(entry.document)).toBe(renderText(structuredClone(entry.document)));
      expect(entry.document).toStrictEqual(before);
    });
  });
});

describe('renderText', () => {
  it('is 42 columns wide unless told otherwise', () => {
    const doc = golden('01');
    expect(renderText(doc)).toBe(renderText(doc, { width: 42 }));
    expect(renderText(doc).split('\n')).toContain('-'.repeat(42));
  });

  it('refuses widths no receipt has', () => {
    expect(() => renderText(golden('01'), { width: 12 })).toThrow(RangeError);
    expect(() => renderText(golden('01'), { width: 40.5 })).toThrow(RangeError);
  });

  it('shows returns with negative amounts under a RETURN heading and the original number', () => {
    const text = renderText(golden('04'));
    expect(text).toMatch(/^ +RETURN$/mu);
    expect(text).toMatch(/^Original receipt +LDS-000198$/mu);
    expect(text).toMatch(/^TOTAL GBP +-41\.17$/mu);
  });

  it('shows the inclusive taxes as incl. and the additive ones as lines of the total', () => {
    expect(renderText(golden('05'))).toMatch(/^A 23% incl\. +30\.49 +7\.01$/mu);
    const us = renderText(golden('02'));
    expect(us).toMatch(/^S 8\.875% +42\.89 +3\.80$/mu);
    expect(us).toMatch(/^NY Sales Tax 8\.875% +3\.80$/mu);
  });

  it('turns control and invisible characters from tenant data into nothing printable', () => {
    const doc = golden('02');
    doc.lines[0]!.name = 'Beans\u001b[2J\u202e\u00adLatte\u2028Art';
    const text = renderText(doc);
    expect(text).toContain('Beans [2JLatte Art');
    expect(text.replace(/\n/gu, '')).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
  });
});

/** A document built to break layouts: long everything, huge amounts, wide and odd characters. */
function stressDocument(): ReceiptDocument {
  const doc = golden('01');
  const huge = Number.MAX_SAFE_INTEGER;
  doc.merchant.name =
    'Ein Händler mit einem außerordentlich langen Firmennamen, der nie auf eine Zeile passt';
  doc.merchant.address = ['Donaudampfschifffahrtsgesellschaftskapitänswitwenstraße 1234567890'];
  doc.store.name = '東京駅八重洲地下街店舗番号九十九番の支店';
  doc.cashier = { name: 'Maximiliane Augusta Franziska von und zu Hohenlohe-Langenburg' };
  doc.number = 'STORE-WITH-A-VERY-LONG-CODE-0123-9007199254740991';
  doc.lines[0]!.name = '👩‍👩‍👧‍👦 Familienpackung 🎉🎉🎉 mit Emoji und Zeichen wie e\u0301 und Ω≈ç√∫';
  doc.lines[0]!.gross = huge;
  doc.lines[0]!.unitPrice = huge;
  doc.lines[0]!.quantity = '-123456789.125';
  doc.lines[0]!.taxCodes = ['VAT-STANDARD', 'CITY'];
  doc.lines[0]!.discounts = [{ label: 'Ein sehr langer Rabattname, der umbrechen muss', amount: -huge }];
  doc.taxes[0]!.base = -huge;
  doc.taxes[0]!.amount = huge;
  doc.taxes[0]!.rate = '19.123456';
  doc.totals.total = -huge;
  doc.totals.cashRounding = 3;
  doc.payments.push({
    method: 'card',
    label: 'Kreditkarte mit sehr langem Namen',
    amount: huge,
    cardBrand: 'American Express Corporate Platinum',
    last4: '0005',
  });
  doc.header = ['y'.repeat(100), 'Öffnungszeiten Mo–Sa 7–19 Uhr'];
  doc.footer = ['x'.repeat(100), ''];
  return doc;
}

describe('layout', () => {
  const documents = [...goldens.map((entry) => entry.document), stressDocument()];

  it.each([20, 24, 32, 42, 48, 64])('never writes past %i columns, nor trailing spaces', (width) => {
    for (const doc of documents) {
      for (const line of layoutReceipt(doc, { width })) {
        expect(displayWidth(line.text), line.text).toBeLessThanOrEqual(width);
        expect(line.text).toBe(line.text.trimEnd());
      }
    }
  });

  it('keeps every figure of the stress document, even where it has to wrap', () => {
    const text = renderText(stressDocument(), { width: 32 });
    const joined = text.replace(/\n/gu, '');
    expect(joined).toContain('90.071.992.547.409,91');
    expect(joined).toContain('-90.071.992.547.409,91');
    expect(text).toContain('**** 0005');
  });

  it('marks the total line, and the merchant and return headings, for emphasis', () => {
    const styled = layoutReceipt(golden('04'), { width: 42 }).filter((line) => line.style !== 'normal');
    expect(styled).toEqual([
      { text: '            Gadget Corner Ltd', style: 'bold' },
      { text: '                  RETURN', style: 'bold' },
      { text: 'TOTAL GBP                         -41.17', style: 'total' },
    ]);
  });
});

describe('documents read back from JSON storage', () => {
  it('treat a null tendered or change like an absent one', () => {
    const doc = golden('02');
    const stored = JSON.parse(
      JSON.stringify({ ...doc, payments: [{ ...doc.payments[0], tendered: null, change: null }] }),
    ) as ReceiptDocument;
    expect(renderText(stored)).toBe(renderText(doc));
  });
});
