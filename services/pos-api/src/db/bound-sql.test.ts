import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parameter } from './bound-sql.ts';

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

/** What PostgreSQL reads from `value` bound as `type`, as text. */
const roundTrip = async (value: unknown, type: string) =>
  (await client.query<{ value: string[] | null }>(`select $1::${type}::text[] as value`, [parameter(value)]))
    .rows[0]!.value;

describe('parameter', () => {
  it('binds arrays of strings as PostgreSQL reads them back, whatever they contain', async () => {
    const hostile = [
      '',
      'plain',
      'NULL',
      'null',
      'with "quotes"',
      'back\\slash',
      '\\"both\\"',
      'a,b',
      '{braces}',
      ' spaces ',
      'line\nbreak',
      'ünïcødé ✓',
      '"',
      '\\',
    ];
    expect(await roundTrip(hostile, 'text[]')).toEqual(hostile);
    expect(await roundTrip([], 'text[]')).toEqual([]);
  });

  it('binds numbers, bigints, booleans and nulls', async () => {
    expect(await roundTrip([1, -2, 3.25, 9007199254740991], 'numeric[]')).toEqual([
      '1',
      '-2',
      '3.25',
      '9007199254740991',
    ]);
    expect(await roundTrip([12345678901234567890n, null, undefined], 'numeric[]')).toEqual([
      '12345678901234567890',
      null,
      null,
    ]);
    expect(await roundTrip([true, false, null], 'bool[]')).toEqual(['true', 'false', null]);
    expect(await roundTrip(['{"rate":"19","name":"VAT \\"reduced\\""}', null], 'jsonb[]')).toEqual([
      '{"name": "VAT \\"reduced\\"", "rate": "19"}',
      null,
    ]);
  });

  it('leaves scalars and arrays it does not handle to pg', () => {
    const date = new Date('2026-12-07T00:00:00Z');
    const nested = [
      [1, 2],
      [3, 4],
    ];
    const dates = [date];
    expect(parameter('x')).toBe('x');
    expect(parameter(null)).toBe(null);
    expect(parameter(date)).toBe(date);
    expect(parameter(nested)).toBe(nested);
    expect(parameter(dates)).toBe(dates);
  });
});
