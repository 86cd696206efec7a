import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import { migrateTenant, Setting, tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { RequestContext } from '../tenancy/context.ts';
import { inTransaction, query, tableOf } from './sql.ts';

let db: TestDatabase;
let orm: MikroORM;
const schema = 'tenant_tx';

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'sqltx');
  orm = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 2 }));
  await migrateTenant(orm, schema);
});

afterAll(async () => {
  await orm?.close();
  await db?.drop();
});

const request = () =>
  ({
    tenant: { slug: 'tx', schema, currency: 'EUR', timezone: 'UTC', readOnly: false },
    em: orm.em.fork({ schema }),
    traceId: 't',
  }) as RequestContext;

const settings = async (ctx: RequestContext) =>
  (
    await query<{ key: string }>(
      ctx,
      `select key from ${tableOf(ctx, 'setting')} where key like 'tx.%' order by key`,
    )
  ).rows.map((row) => row.key);

const write = async (tx: RequestContext, key: string) => {
  // Raw SQL, then the ORM, in the one transaction.
  await query(tx, `insert into ${tableOf(tx, 'setting')} (key, value) values ($1, '1')`, [`${key}.sql`]);
  tx.em.create(Setting, { key: `${key}.orm`, value: 2 });
  const { rows } = await query<{ n: string }>(
    tx,
    `select count(*) as n from ${tableOf(tx, 'setting')} where key like $1`,
    [`${key}.%`],
  );
  return Number(rows[0]!.n);
};

describe('inTransaction', () => {
  it('commits raw SQL and the entities of the same transaction together', async () => {
    const ctx = request();
    // The ORM's entity is flushed at the commit: before it, raw SQL sees only its own row.
    expect(await inTransaction(ctx, (tx) => write(tx, 'tx.a'))).toBe(1);
    expect(await settings(request())).toEqual(['tx.a.orm', 'tx.a.sql']);
  });

  it('rolls both back when the work fails, also after a flush', async () => {
    const ctx = request();
    await expect(
      inTransaction(ctx, async (tx) => {
        await write(tx, 'tx.b');
        await tx.em.flush();
        expect(await settings(tx)).toEqual(['tx.a.orm', 'tx.a.sql', 'tx.b.orm', 'tx.b.sql']);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await settings(request())).toEqual(['tx.a.orm', 'tx.a.sql']);
  });

  it('binds no EntityManager to a transaction that uses none', async () => {
    const ctx = request();
    const fork = vi.spyOn(ctx.em, 'fork');
    await inTransaction(ctx, async (tx) => {
      await query(tx, `insert into ${tableOf(tx, 'setting')} (key, value) values ('tx.c', '3')`);
    });
    expect(fork).not.toHaveBeenCalled();
    await inTransaction(ctx, async (tx) => {
      tx.em.create(Setting, { key: 'tx.d', value: 4 });
    });
    expect(fork).toHaveBeenCalledTimes(1);
    expect(await settings(request())).toEqual(['tx.a.orm', 'tx.a.sql', 'tx.c', 'tx.d']);
  });

  it('makes a nested call a savepoint: its failure undoes only its own writes', async () => {
    const ctx = request();
    await inTransaction(ctx, async (tx) => {
      await query(tx, `insert into ${tableOf(tx, 'setting')} (key, value) values ('tx.e', '5')`);
      await expect(
        inTransaction(tx, async (inner) => {
          await write(inner, 'tx.f');
          throw new Error('inner refused');
        }),
      ).rejects.toThrow('inner refused');
    });
    expect(await settings(request())).toEqual(['tx.a.orm', 'tx.a.sql', 'tx.c', 'tx.d', 'tx.e']);
  });

  it('forks no request EntityManager for raw SQL when the context carries the shared one', async () => {
    // As the tenancy plugin makes a request's context: `em` forked when first read.
    let forks = 0;
    const ctx = {
      tenant: { slug: 'tx', schema, currency: 'EUR', timezone: 'UTC', readOnly: false },
      db: orm.em.fork(),
      traceId: 't',
      get em() {
        forks++;
        return orm.em.fork({ schema });
      },
    } as RequestContext;
    await inTransaction(ctx, async (tx) => {
      await query(tx, `insert into ${tableOf(tx, 'setting')} (key, value) values ('tx.g', '7')`);
      // A driver error still becomes the ORM's exception.
      await expect(
        query(tx, `insert into ${tableOf(tx, 'setting')} (key, value) values ('tx.g', '7')`),
      ).rejects.toThrow(UniqueConstraintViolationException);
    });
    expect(forks).toBe(0);
    // That transaction failed, so PostgreSQL rolled it back at COMMIT: 'tx.g' can be written again.
    await inTransaction(ctx, async (tx) => {
      await query(tx, `insert into ${tableOf(tx, 'setting')} (key, value) values ('tx.g', '7')`);
      tx.em.create(Setting, { key: 'tx.h', value: 8 });
    });
    expect(forks).toBe(1);
    expect(await settings(request())).toEqual([
      'tx.a.orm',
      'tx.a.sql',
      'tx.c',
      'tx.d',
      'tx.e',
      'tx.g',
      'tx.h',
    ]);
  });
});
