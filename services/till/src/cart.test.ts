import { describe, expect, it } from 'vitest';
import { addItem, moneyInputText, parseMoney, priceCart, quickCashAmounts } from './cart.ts';
import { priceInStore } from './catalog-sync.ts';
import type { CatalogItem, TaxRate } from './db.ts';
import { lastReceiptNumber } from './register.ts';

const VAT19: TaxRate = { id: 'vat19', code: 'VAT19', name: 'MwSt 19%', rate: '19', inclusive: true };
const mug: CatalogItem = {
  variantId: 'v-mug',
  sku: 'MUG',
  barcode: '4006381333931',
  name: 'Mug',
  categoryId: null,
  unitPrice: 350,
  taxRateIds: ['vat19'],
  searchText: 'mug mug',
};

describe('the cart', () => {
  it('adds the same item to its line and prices with the shared engine', () => {
    const lines = addItem(addItem([], mug), mug);
    expect(lines).toHaveLength(1);
    const priced = priceCart(lines, new Map([['vat19', VAT19]]), 'EUR')!;
    expect(priced.totals.total).toBe(700);
    expect(priced.taxes[0]).toMatchObject({ rateId: 'vat19', tax: 112 });
  });

  it('keeps a discounted line apart from a new one of the same item', () => {
    const discounted = addItem([], mug).map((line) => ({ ...line, discountPercent: '20' }));
    const lines = addItem(discounted, mug);
    expect(lines).toHaveLength(2);
    expect(priceCart(lines, new Map([['vat19', VAT19]]), 'EUR')!.totals.total).toBe(280 + 350);
  });

  it('offers the exact amount and the next round notes', () => {
    expect(quickCashAmounts(900, 'EUR')).toEqual([900, 1000, 2000, 5000, 10000]);
    expect(quickCashAmounts(500, 'EUR')).toEqual([500, 1000, 2000, 5000, 10000]);
    expect(quickCashAmounts(1200, 'JPY')).toEqual([1200, 1500, 2000, 5000, 10000]);
  });

  it('reads typed cash in either decimal mark, and refuses what is not an amount', () => {
    expect(parseMoney('12,5', 'EUR')).toBe(1250);
    expect(parseMoney('12.50', 'EUR')).toBe(1250);
    expect(parseMoney('20', 'EUR')).toBe(2000);
    expect(parseMoney('1.234', 'EUR')).toBeUndefined();
    expect(parseMoney('abc', 'EUR')).toBeUndefined();
    expect(parseMoney('500', 'JPY')).toBe(500);
    expect(parseMoney(moneyInputText(1999, 'EUR'), 'EUR')).toBe(1999);
  });
});

describe('what the register learns from the server', () => {
  it('takes the store’s own price over the all-stores price, in the store’s currency', () => {
    const prices = [
      { currency: 'EUR', storeId: null, amount: 300 },
      { currency: 'EUR', storeId: 's1', amount: 280 },
      { currency: 'USD', storeId: 's2', amount: 999 },
    ];
    expect(priceInStore(prices, 's1', 'EUR')).toBe(280);
    expect(priceInStore(prices, 's2', 'EUR')).toBe(300);
    expect(priceInStore(prices, 's2', 'CHF')).toBeNull();
  });

  it('goes on after the highest receipt number of this register, ignoring other labels', () => {
    expect(lastReceiptNumber(['MAIN-T2-000007', 'MAIN-T2-000009', 'MAIN-000050', null], 'T2')).toBe(9);
    expect(lastReceiptNumber(['MAIN-T12-000040'], 'T1')).toBe(0);
    expect(lastReceiptNumber([], 'T1')).toBe(0);
  });
});
