import { describe, expect, it } from 'vitest';
import { cashDue, cashPayable, externalLabel, externalRefusal, tendersOf } from './tenders.ts';

const euro = (minor: number) => `€${(minor / 100).toFixed(2)}`;

describe('split tender', () => {
  it('pays the rest in cash after external tenders, with change only from cash', () => {
    const card = { label: 'Card on external terminal · 4711', amount: 500 };
    expect(cashDue(1234, [card])).toBe(734);
    expect(tendersOf(1234, [card], 1000)).toEqual({
      tenders: [
        { method: 'external', amount: 500, label: 'Card on external terminal · 4711' },
        { method: 'cash', amount: 734, tendered: 1000 },
      ],
      change: 266,
    });
  });

  it('needs no cash when external tenders pay it all, and never gives change from them', () => {
    const voucher = { label: 'Voucher · V-1', amount: 300 };
    const card = { label: 'Card on external terminal', amount: 900 };
    expect(tendersOf(1200, [voucher, card], undefined)).toEqual({
      tenders: [
        { method: 'external', amount: 300, label: 'Voucher · V-1' },
        { method: 'external', amount: 900, label: 'Card on external terminal' },
      ],
      change: 0,
    });
    expect(externalRefusal(1000, cashDue(1200, [voucher]), euro)).toBe('Only €9.00 is left to pay.');
  });

  it('says how much is missing when the cash does not cover the rest', () => {
    expect(tendersOf(1000, [{ label: 'Voucher', amount: 400 }], 500)).toEqual({ missing: 100 });
    expect(tendersOf(1000, [], undefined)).toEqual({ missing: 1000 });
  });

  it('refuses empty amounts, and labels a tender with its reference within the API’s 100 characters', () => {
    expect(externalRefusal(undefined, 100, euro)).toBe('Enter the amount paid this way.');
    expect(externalRefusal(0, 100, euro)).toBe('Enter the amount paid this way.');
    expect(externalRefusal(100, 100, euro)).toBeUndefined();
    expect(externalLabel('Voucher', '  ')).toBe('Voucher');
    expect(externalLabel('Voucher', 'V-9')).toBe('Voucher · V-9');
    expect(externalLabel('Other', 'x'.repeat(200))).toHaveLength(100);
  });

  it('sends a card paid through the provider as a card tender with its reference, then cash', () => {
    const card = { label: 'Card', amount: 500, providerRef: 'pi_123' };
    expect(tendersOf(900, [card], 500)).toEqual({
      tenders: [
        { method: 'card', amount: 500, providerRef: 'pi_123' },
        { method: 'cash', amount: 400, tendered: 500 },
      ],
      change: 100,
    });
    expect(tendersOf(500, [card], undefined)).toEqual({
      tenders: [{ method: 'card', amount: 500, providerRef: 'pi_123' }],
      change: 0,
    });
  });

  it('rounds the cash part to the tenant’s increment, as the server settles it', () => {
    const swiss = { increment: 5, mode: 'half-even' as const };
    expect(cashPayable(333, swiss)).toBe(335);
    expect(cashPayable(332, swiss)).toBe(330);
    expect(tendersOf(333, [], 500, swiss)).toEqual({
      tenders: [{ method: 'cash', amount: 335, tendered: 500 }],
      change: 165,
    });
    expect(tendersOf(333, [], 334, swiss)).toEqual({ missing: 1 });
  });
});
