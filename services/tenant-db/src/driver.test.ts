import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import { MikroORM } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantOrmConfig } from './config.ts';
import { withTransactionConnection, type TransactionConnection } from './driver.ts';

let db: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'tenantdriver');
  orm = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 3 }));
  await orm.em.getConnection().execute('create table item (id int primary key)');
});

afterAll(async () => {
  await orm?.close();
  await db?.drop();
});

const txid = CompiledQuery.raw('select txid_current()::text as id') as CompiledQuery<{ id: string }>;

describe('the connection of a transaction', () => {
  it('is the ORM transaction’s own while it runs, and nobody’s once it has ended', async () => {
    const slot: TransactionConnection = {};
    const em = orm.em.fork();
    let inside: string | undefined;
    await withTransactionConnection(slot, () =>
      em.transactional(async (tx) => {
        const viaOrm = await tx.getKysely().executeQuery(txid);
        const direct = await slot.connection!.executeQuery<{ id: string }>(txid);
        // One transaction: what one path writes, the other reads before it commits.
        await slot.connection!.executeQuery(CompiledQuery.raw('insert into item values (1)'));
        const { rows } = await tx.getKysely().executeQuery(CompiledQuery.raw('select id from item'));
        expect(rows).toEqual([{ id: 1 }]);
        inside = direct.rows[0]!.id;
        expect(inside).toBe(viaOrm.rows[0]!.id);
        // Another transaction begun inside (an audit entry's own fork) does not take the slot.
        await orm.em.fork().transactional(async (other) => {
          const {
            rows: [their],
          } = await other.getKysely().executeQuery(txid);
          expect(their!.id).not.toBe(inside);
        });
        expect((await slot.connection!.executeQuery<{ id: string }>(txid)).rows[0]!.id).toBe(inside);
      }),
    );
    expect(slot.connection).toBeUndefined();
    expect(slot.ended).toBe(true);
  });

  it('is let go when its transaction rolls back, and what was sent on it is rolled back', async () => {
    const slot: TransactionConnection = {};
    await expect(
      withTransactionConnection(slot, () =>
        orm.em.fork().transactional(async () => {
          await slot.connection!.executeQuery(CompiledQuery.raw('insert into item values (2)'));
          throw new Error('refused');
        }),
      ),
    ).rejects.toThrow('refused');
    expect(slot.connection).toBeUndefined();
    const { rows } = await orm.em
      .getKysely()
      .executeQuery(CompiledQuery.raw('select id from item where id = 2'));
    expect(rows).toEqual([]);
  });

  it('is given only to the transaction begun under the slot', async () => {
    const slot: TransactionConnection = {};
    await withTransactionConnection(slot, async () => {
      expect(slot.connection).toBeUndefined();
    });
    await orm.em.fork().transactional(async () => {
      expect(slot.connection).toBeUndefined();
    });
    expect(slot.ended).toBe(true);
  });
});

describe('statements of one transaction sent without waiting', () => {
  it('go out together: the second runs while the process has not read the first answer', async () => {
    const slot: TransactionConnection = {};
    await withTransactionConnection(slot, () =>
      orm.em.fork().transactional(async () => {
        const connection = slot.connection!;
        const first = connection.executeQuery(CompiledQuery.raw('select pg_sleep(0.05)'));
        const second = connection.executeQuery<{ at: number }>(
          CompiledQuery.raw('select (extract(epoch from clock_timestamp()) * 1000)::float8 as at'),
        );
        // The event loop is held well past the first answer: only a pipelined second statement
        // reaches the server meanwhile.
        const blockedUntil = Date.now() + 1000;
        while (Date.now() < blockedUntil);
        await first;
        const ranAt = (await second).rows[0]!.at;
        expect(ranAt).toBeLessThan(blockedUntil);
      }),
    );
  });

  it('fail alone, and the transaction rolls back whole', async () => {
    const slot: TransactionConnection = {};
    await expect(
      withTransactionConnection(slot, () =>
        orm.em.fork().transactional(async () => {
          const connection = slot.connection!;
          await Promise.all([
            connection.executeQuery(CompiledQuery.raw('insert into item values (40)')),
            connection.executeQuery(CompiledQuery.raw('insert into item values (40)')),
            connection.executeQuery(CompiledQuery.raw('insert into item values (41)')),
          ]);
        }),
      ),
    ).rejects.toThrow(/duplicate key/);
    const { rows } = await orm.em
      .getKysely()
      .executeQuery(CompiledQuery.raw('select id from item where id in (40, 41)'));
    expect(rows).toEqual([]);
    // The connection went back to the pool usable.
    const again = await orm.em.fork().transactional((tx) => tx.getKysely().executeQuery(txid));
    expect(again.rows).toHaveLength(1);
  });
});
