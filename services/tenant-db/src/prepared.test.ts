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
