import { describe, expect, it } from 'vitest';
import { dayOf } from '../app/day.ts';

const iso = (day: ReturnType<typeof dayOf>) => [day.date, day.from.toISOString(), day.to.toISOString()];

describe('a business day in the tenant’s time zone', () => {
  it.each([
    // now, zone, the local date, where it starts and ends (UTC)
    ['2026-12-06T10:00:00Z', 'UTC', '2026-12-06', '2026-12-06T00:00:00.000Z', '2026-12-07T00:00:00.000Z'],
    [
      '2026-12-06T23:30:00Z',
      'Europe/Berlin',
      '2026-12-07',
      '2026-12-06T23:00:00.000Z',
      '2026-12-07T23:00:00.000Z',
    ],
    [
      '2026-12-06T15:00:00Z',
      'Asia/Tokyo',
      '2026-12-07',
      '2026-12-06T15:00:00.000Z',
      '2026-12-07T15:00:00.000Z',
    ],
    [
      '2026-12-06T03:00:00Z',
      'America/New_York',
      '2026-12-05',
      '2026-12-05T05:00:00.000Z',
      '2026-12-06T05:00:00.000Z',
    ],
    // Daylight saving starts and ends: days of 23 and 25 hours.
    [
      '2026-03-29T12:00:00Z',
      'Europe/Berlin',
      '2026-03-29',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ],
    [
      '2026-10-25T12:00:00Z',
      'Europe/Berlin',
      '2026-10-25',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ],
    [
      '2026-11-01T12:00:00Z',
      'America/New_York',
      '2026-11-01',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ],
  ])('%s in %s is %s', (now, zone, date, from, to) => {
    expect(iso(dayOf(new Date(now), zone))).toEqual([date, from, to]);
  });

  it('contains the instant it was asked for, at either edge', () => {
    const start = dayOf(new Date('2026-12-06T23:00:00.000Z'), 'Europe/Berlin');
    expect(start.from.toISOString()).toBe('2026-12-06T23:00:00.000Z');
    const end = dayOf(new Date('2026-12-06T22:59:59.999Z'), 'Europe/Berlin');
    expect(end.to.toISOString()).toBe('2026-12-06T23:00:00.000Z');
  });
});
