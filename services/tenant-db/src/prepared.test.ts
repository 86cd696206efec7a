import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { prepareRepeatedStatements, statementName } from './prepared.ts';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'prepared');
  pool = new pg.Pool({ connectionString: db.url, max: 1 });
  prepareRepeatedStatements(pool, 3);
  await pool.query('create table item (id int primary key, name text)');
  await pool.query(`insert into item values (1, 'one'), (2, 'two')`);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** The statements the session of the pool's one connection holds, by name. */
async function preparedNames(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    'select name from pg_prepared_statements order by name',
  );
  return rows.map((row) => row.name);
}

describe('prepared statements for repeated raw SQL', () => {
  it('names a statement after what it does, tells two schemas apart, and stays within 63 bytes', () => {
    const sale = (schema: string) =>
      `with sale as (insert into "${schema}".sale (id) values ($1) returning id)
       insert into "${schema}".payment (sale_id) select id from sale`;
    expect(statementName(sale('tenant_a'))).toMatch(/^cp_insert_sale_[\w-]{12}$/);
    expect(statementName(sale('tenant_a'))).not.toBe(statementName(sale('tenant_b')));
    expect(statementName('update "tenant_a".idempotency_key set response = $2 where key = $1')).toMatch(
      /^cp_update_idempotency_key_/,
    );
    expect(
      statementName(`insert into "tenant_a".register_counter (device_id) values ($1)
                     on conflict (device_id) do update set last = register_counter.last + 1`),
    ).toMatch(/^cp_insert_register_counter_/);
    expect(statementName('select id from "tenant_a".sale where id = $1 for update of sale')).toMatch(
      /^cp_select_sale_/,
    );
    expect(statementName('select * from unnest($1::int[])')).toMatch(/^cp_statement_/);
    expect(
      Buffer.byteLength(statementName(`delete from ${'t'.repeat(120)} where id = $1`)),
    ).toBeLessThanOrEqual(63);
  });

  it('prepares a statement with parameters once per connection and reuses it; plain text is not prepared', async () => {
    const text = 'select name from item where id = $1';
    const client = await pool.connect();
    try {
      expect((await client.query(text, [1])).rows).toEqual([{ name: 'one' }]);
      expect((await client.query(text, [2])).rows).toEqual([{ name: 'two' }]);
      await client.query('select 1');
      expect(await preparedNames(client)).toEqual([statementName(text)]);
    } finally {
      client.release();
    }
  });

  it('keeps at most its capacity, and starts over when the connection is next checked out', async () => {
    const texts = [1, 2, 3, 4, 5].map((n) => `select name, ${n} as n from item where id = $1`);
    let client = await pool.connect();
    try {
      for (const text of texts)
        expect((await client.query(text, [1])).rows[0]).toMatchObject({ name: 'one' });
      // The first statement of the previous test and two of these: the rest ran unnamed.
      expect(await preparedNames(client)).toHaveLength(3);
    } finally {
      client.release();
    }
    client = await pool.connect();
    try {
      expect(await preparedNames(client)).toEqual([]);
      expect((await client.query(texts[4]!, [2])).rows[0]).toMatchObject({ name: 'two', n: 5 });
      expect(await preparedNames(client)).toEqual([statementName(texts[4]!)]);
    } finally {
      client.release();
    }
  });

  it('answers with the new rows after a migration changed the table under a prepared statement', async () => {
    const text = 'select * from item where id = $1';
    expect((await pool.query(text, [1])).rows).toEqual([{ id: 1, name: 'one' }]);
    await pool.query('alter table item add column price int');
    expect((await pool.query(text, [1])).rows).toEqual([{ id: 1, name: 'one', price: null }]);
    await pool.query('alter table item drop column name');
    expect((await pool.query(text, [1])).rows).toEqual([{ id: 1, price: null }]);
  });
});
