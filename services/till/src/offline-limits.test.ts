import { describe, expect, it } from 'vitest';
import { defaultOfflineLimits, offlineRefusal, type OfflineTender } from './offline-limits.ts';

const euros = (minor: number) => `€${(minor / 100).toFixed(2)}`;
const now = new Date('2026-12-05T12:00:00Z');
const empty = { count: 0, amount: 0 };
const CASH: OfflineTender[] = ['cash'];

describe('offline limits', () => {
  it('lets an ordinary sale through', () => {
    expect(offlineRefusal({ total: 900, currency: 'EUR', tenders: CASH }, empty, now, euros)).toBeUndefined();
  });

  it('stops a sale over the single-sale limit, saying the limit', () => {
    expect(offlineRefusal({ total: 50_001, currency: 'EUR', tenders: CASH }, empty, now, euros)).toBe(
      'Without the network a sale can be at most €500.00. Reconnect, or split the sale.',
    );
    expect(
      offlineRefusal({ total: 50_000, currency: 'EUR', tenders: CASH }, empty, now, euros),
    ).toBeUndefined();
  });

  it('stops selling when too much money or too many sales wait', () => {
    expect(
      offlineRefusal(
        { total: 1_000, currency: 'EUR', tenders: CASH },
        { count: 3, amount: 499_500 },
        now,
        euros,
      ),
    ).toMatch(/^Sales worth €4995.00 are waiting/);
    expect(
      offlineRefusal({ total: 100, currency: 'EUR', tenders: CASH }, { count: 1_000, amount: 0 }, now, euros),
    ).toMatch(/^1000 sales are waiting/);
  });

  it('stops selling when the oldest waiting sale is older than the offline limit', () => {
    const oldest = new Date(now.getTime() - 25 * 3_600_000).toISOString();
    expect(
      offlineRefusal(
        { total: 100, currency: 'EUR', tenders: CASH },
        { count: 1, amount: 100, oldest },
        now,
        euros,
      ),
    ).toMatch(/more than 24 hours/);
  });

  it('counts limits in the currency’s own minor units', () => {
    expect(
      offlineRefusal({ total: 500, currency: 'JPY', tenders: CASH }, empty, now, String),
    ).toBeUndefined();
    expect(offlineRefusal({ total: 501, currency: 'JPY', tenders: CASH }, empty, now, String)).toMatch(
      /at most 500/,
    );
  });

  it('follows the tenant’s own limits: tenders, amounts and never offline', () => {
    const limits = { ...defaultOfflineLimits('EUR'), maxSaleAmount: 2_000, tenders: ['cash' as const] };
    expect(offlineRefusal({ total: 2_001, currency: 'EUR', tenders: CASH }, empty, now, euros, limits)).toBe(
      'Without the network a sale can be at most €20.00. Reconnect, or split the sale.',
    );
    expect(
      offlineRefusal(
        { total: 100, currency: 'EUR', tenders: ['cash', 'external'] },
        empty,
        now,
        euros,
        limits,
      ),
    ).toBe('Without the network this register takes only cash.');
    expect(
      offlineRefusal({ total: 100, currency: 'EUR', tenders: CASH }, empty, now, euros, {
        ...limits,
        maxOfflineHours: 0,
      }),
    ).toMatch(/may not sell without the network/);
    expect(
      offlineRefusal({ total: 100, currency: 'EUR', tenders: CASH }, empty, now, euros, limits),
    ).toBeUndefined();
  });
});
