import { describe, expect, it } from 'vitest';
import {
  buildReceiptDocument,
  canonicalDecimal,
  receiptNumber,
  ReceiptError,
  type ReceiptSaleData,
} from './document.ts';
import { golden } from './test-goldens.ts';

describe('receiptNumber', () => {
  it.each([
    ['MAIN', 123, 'MAIN-000123'],
    ['MAIN', 1, 'MAIN-000001'],
    ['ZH1', 999_999, 'ZH1-999999'],
    ['ZH1', 1_234_567, 'ZH1-1234567'],
    ['BK1', 42n, 'BK1-000042'],
    ['BK1', 9_007_199_254_740_993n, 'BK1-9007199254740993'],
  ])('%s #%s → %s', (store, n, expected) => {
    expect(receiptNumber(store, n)).toBe(expected);
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 60, 0n])('refuses %s as a receipt number', (n) => {
    expect(() => receiptNumber('MAIN', n)).toThrow(ReceiptError);
  });

  it.each(['', 'MA IN', ' MAIN'])('refuses the store code %j', (code) => {
    expect(() => receiptNumber(code, 1)).toThrow(/store code/u);
  });

  it('puts the register between the store and the register’s number', () => {
    expect(receiptNumber('MAIN', 42, 'T3')).toBe('MAIN-T3-000042');
    expect(receiptNumber('MAIN', 42, null)).toBe('MAIN-000042');
    expect(() => receiptNumber('MAIN', 42, 'T 3')).toThrow(/register code/u);
  });
});

describe('canonicalDecimal', () => {
  it.each([
    ['2.000', '2'],
    ['-1.250', '-1.25'],
    ['0.500', '0.5'],
    ['007', '7'],
    ['-0.000', '0'],
    ['+4.10', '4.1'],
    ['19.000000', '19'],
    ['8.875000', '8.875'],
    [3, '3'],
    [-2, '-2'],
  ])('%j → %s', (input, expected) => {
    expect(canonicalDecimal(input, 'x')).toBe(expected);
  });

  it.each(['two', '1e3', '1.', '.5', '', Number.NaN, Number.POSITIVE_INFINITY])('refuses %j', (input) => {
    expect(() => canonicalDecimal(input, 'lines[0].quantity')).toThrow('lines[0].quantity');
  });
});

/** The café sale of golden 01 as checkout has it: rows as stored, in the order a query returns them. */
function cafeSale(): ReceiptSaleData {
  return {
    kind: 'sale',
    receiptNumber: 123,
    completedAt: new Date('2025-11-24T09:05:00Z'),
    locale: 'de-DE',
    timezone: 'Europe/Berlin',
    currency: 'EUR',
    merchant: { name: 'Café Müller GmbH', address: ['Hauptstraße 1', '10115 Berlin'], taxId: 'DE123456789' },
    store: { code: 'MAIN', name: 'Filiale Mitte' },
    cashier: { name: 'Anna' },
    till: { name: 'Kasse 1' },
    lines: [
      {
        position: 2,
        sku: 'OAT-1000',
        name: 'Bio-Hafermilch Barista 1 l, ungesüßt – Vorratspackung',
        quantity: '1.000',
        unitPrice: 249,
        gross: 249,
        discountTotal: 0,
        total: 249,
        taxes: [{ code: 'B' }],
      },
      {
        position: 0,
        sku: 'KAF-1000',
        name: 'Kaffee Crema 1 kg',
        quantity: '2.000',
        unitPrice: 1299,
        gross: 2598,
        discountTotal: 260,
        total: 2338,
        taxes: [{ code: 'A' }],
        discounts: [{ label: 'Rabatt 10 %', amount: 260 }],
      },
      {
        position: 1,
        sku: 'BAK-0001',
        name: 'Croissant',
        quantity: '3.000',
        unitPrice: 120,
        gross: 360,
        discountTotal: 0,
        total: 360,
        taxes: [{ code: 'B' }],
      },
    ],
    taxes: [
      { code: 'B', name: 'MwSt 7%', rate: '7.000000', inclusive: true, base: 569, amount: 40 },
      { code: 'A', name: 'MwSt 19%', rate: '19.000000', inclusive: true, base: 1965, amount: 373 },
    ],
    totals: {
      subtotal: 3207,
      discountTotal: 260,
      taxTotal: 413,
      inclusiveTaxTotal: 413,
      total: 2947,
      cashRounding: 0,
    },
    payments: [
      { method: 'card', status: 'failed', amount: 2947 },
      { method: 'cash', status: 'succeeded', amount: 2947, tendered: 5000, change: 2053, label: null },
    ],
    footer: ['Vielen Dank für Ihren Einkauf!'],
  };
}

describe('buildReceiptDocument', () => {
  it('builds the golden café receipt from the rows checkout stores', () => {
    expect(buildReceiptDocument(cafeSale())).toStrictEqual(golden('01'));
  });

  it('carries the tenant’s header and footer lines, leaving them out when there are none', () => {
    const doc = buildReceiptDocument({ ...cafeSale(), header: ['Mo–Sa 7–19 Uhr', ''], footer: ['Danke'] });
    expect(doc.header).toEqual(['Mo–Sa 7–19 Uhr', '']);
    expect(doc.footer).toEqual(['Danke']);
    const plain = buildReceiptDocument({ ...cafeSale(), header: [], footer: null });
    expect(plain).not.toHaveProperty('header');
    expect(plain).not.toHaveProperty('footer');
    expect(() => buildReceiptDocument({ ...cafeSale(), header: [42 as unknown as string] })).toThrow(
      'header[0]: must be a string',
    );
  });

  it('builds a plain JSON document', () => {
    const doc = buildReceiptDocument(cafeSale());
    expect(JSON.parse(JSON.stringify(doc))).toStrictEqual(doc);
  });

  it('names the original of a return, which may be from another store', () => {
    const doc = buildReceiptDocument({
      ...cafeSale(),
      kind: 'return',
      original: { storeCode: 'WEST', receiptNumber: 99 },
    });
    expect(doc.kind).toBe('return');
    expect(doc.originalNumber).toBe('WEST-000099');
  });

  it('calls an unnamed discount by the locale’s word', () => {
    const data = cafeSale();
    delete data.lines[1]!.discounts;
    expect(buildReceiptDocument(data).lines[0]!.discounts).toEqual([{ label: 'Rabatt', amount: 260 }]);
    expect(buildReceiptDocument({ ...data, locale: 'en-US' }).lines[0]!.discounts).toEqual([
      { label: 'Discount', amount: 260 },
    ]);
  });

  it('labels tenders by the locale, external ones by their own label', () => {
    const doc = buildReceiptDocument({
      ...cafeSale(),
      locale: 'en-GB',
      payments: [
        { method: 'external', amount: 1000, label: 'Gift voucher' },
        { method: 'external', amount: 947, label: null },
        { method: 'card', amount: 1000, cardBrand: 'Visa', last4: '4242' },
      ],
    });
    expect(doc.payments.map((payment) => payment.label)).toEqual(['Gift voucher', 'Other', 'Card']);
    expect(doc.payments[2]).toStrictEqual({
      method: 'card',
      label: 'Card',
      amount: 1000,
      cardBrand: 'Visa',
      last4: '4242',
    });
  });

  it('opens the drawer when cash is on the receipt, unless told otherwise', () => {
    expect(buildReceiptDocument(cafeSale()).openDrawer).toBe(true);
    const card = { ...cafeSale(), payments: [{ method: 'card' as const, amount: 2947 }] };
    expect(buildReceiptDocument(card).openDrawer).toBe(false);
    expect(buildReceiptDocument({ ...card, openDrawer: true }).openDrawer).toBe(true);
    expect(buildReceiptDocument({ ...cafeSale(), openDrawer: false }).openDrawer).toBe(false);
  });

  it('canonicalizes the locale and keeps instants in UTC', () => {
    const doc = buildReceiptDocument({
      ...cafeSale(),
      locale: 'de-de',
      completedAt: '2025-11-24T10:05:00+01:00',
    });
    expect(doc.locale).toBe('de-DE');
    expect(doc.issuedAt).toBe('2025-11-24T09:05:00.000Z');
  });

  const broken: [string, (data: ReceiptSaleData) => void][] = [
    ['kind', (data) => void (data.kind = 'refund' as 'sale')],
    ['locale', (data) => void (data.locale = 'not a locale!')],
    ['timezone', (data) => void (data.timezone = 'Mars/Olympus_Mons')],
    ['currency', (data) => void (data.currency = 'XYZ')],
    ['completedAt', (data) => void (data.completedAt = 'yesterday')],
    ['lines[0].gross', (data) => void (data.lines[0]!.gross = 2.49)],
    ['lines[1].quantity', (data) => void (data.lines[1]!.quantity = 'two')],
    ['lines[1].discounts[0].amount', (data) => void (data.lines[1]!.discounts![0]!.amount = Number.NaN)],
    ['taxes[0].rate', (data) => void (data.taxes[0]!.rate = '7%')],
    ['totals.total', (data) => void (data.totals.total = 2 ** 60)],
    ['payments[1].tendered', (data) => void (data.payments[1]!.tendered = 50.5)],
    ['payments[1].method', (data) => void (data.payments[1]!.method = 'cheque' as 'cash')],
    // A card number where its last four digits belong must never reach a receipt.
    ['payments[1].last4', (data) => void (data.payments[1]!.last4 = '4242424242424242')],
    ['storeCode', (data) => void (data.store.code = 'MAIN STREET')],
  ];

  it.each(broken)('says where the data is wrong: %s', (path, breakIt) => {
    const data = cafeSale();
    breakIt(data);
    let error: unknown;
    try {
      buildReceiptDocument(data);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ReceiptError);
    expect((error as ReceiptError).path).toBe(path);
    expect((error as ReceiptError).message).toMatch(
      new RegExp(`^${path.replace(/[[\].]/gu, '\\$&')}: `, 'u'),
    );
  });
});
