// Tenant roles on real PostgreSQL: each tenant's role reaches its own schema and nothing else, not
// even what PostgreSQL gives every role by default (advisory locks, statistics, other databases).
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantOrmConfig } from './config.ts';
import { migrateTenant } from './migrate.ts';
import {
  dropTenantDatabase,
  hardeningStatements,
  isTenantRoleCurrent,
  provisionTenantRole,
  type TenantDatabase,
} from './roles.ts';

let db: TestDatabase;
let admin: pg.Pool;
let orm: MikroORM;
let alpha: TenantDatabase;
let beta: TenantDatabase;

function connectAs(tenant: { role: string; password: string }, database?: string): pg.Client {
  const url = new URL(db.url);
  url.username = tenant.role;
  url.password = encodeURIComponent(tenant.password);
  if (database) url.pathname = `/${database}`;
  return new pg.Client({ connectionString: url.toString() });
}

async function asTenant<T>(
  tenant: { role: string; password: string },
  run: (client: pg.Client) => Promise<T>,
  database?: string,
): Promise<T> {
  const client = connectAs(tenant, database);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'provision');
  admin = new pg.Pool({ connectionString: db.url, max: 4 });
  orm = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url }));
  alpha = await provisionTenantRole(admin, { schema: 'tenant_alpha', connectionLimit: 5 });
  beta = await provisionTenantRole(admin, { schema: 'tenant_beta', connectionLimit: 5 });
  // Migrations run after the role exists, as the operator does: default privileges must cover them.
  await migrateTenant(orm, 'tenant_alpha');
  await migrateTenant(orm, 'tenant_beta');
});

afterAll(async () => {
  await orm?.close();
  await admin?.end();
  await db?.drop();
});

describe('a tenant database role', () => {
  it('reads and writes its own schema, unqualified, through its search_path', async () => {
    await asTenant(alpha, async (client) => {
      await client.query(
        `insert into store (id, code, name, timezone, currency) values (gen_random_uuid(), 'MAIN', 'Alpha', 'UTC', 'EUR')`,
      );
      const { rows } = await client.query<{ name: string }>('select name from store');
      expect(rows).toEqual([{ name: 'Alpha' }]);
    });
  });

  it('cannot read, write or even see into another tenant’s schema', async () => {
    await asTenant(alpha, async (client) => {
      await expect(client.query('select * from tenant_beta.store')).rejects.toThrow(
        /permission denied for schema tenant_beta/,
      );
      await expect(
        client.query(`insert into tenant_beta.setting (key, value) values ('x', '1')`),
      ).rejects.toThrow(/permission denied for schema tenant_beta/);
    });
  });

  it('cannot create objects, not in its schema and not in public', async () => {
    await asTenant(alpha, async (client) => {
      await expect(client.query('create table tenant_alpha.sneaky (id int)')).rejects.toThrow(
        /permission denied for schema tenant_alpha/,
      );
      await expect(client.query('create table public.sneaky (id int)')).rejects.toThrow(
        /permission denied for schema public/,
      );
    });
  });

  it('cannot take any advisory lock, so it cannot hold the platform’s or another tenant’s', async () => {
    await asTenant(alpha, async (client) => {
      for (const call of [
        `pg_advisory_lock(hashtextextended('cloudpos.provision', 0))`,
        `pg_try_advisory_lock(hashtextextended('cloudpos.migrate.tenant_beta', 0))`,
        'pg_advisory_xact_lock(1)',
        'pg_try_advisory_xact_lock(1, 2)',
        'pg_advisory_lock_shared(1)',
      ]) {
        await expect(client.query(`select ${call}`), call).rejects.toThrow(/permission denied for function/);
      }
    });
  });

  it('takes its own named locks as row locks, which another tenant cannot touch', async () => {
    const holder = connectAs(beta);
    await holder.connect();
    try {
      await holder.query('begin');
      const held = await holder.query(`select name from tenant_lock where name = 'outbox.relay' for update`);
      expect(held.rowCount).toBe(1);
      await asTenant(alpha, async (client) => {
        await expect(client.query('select * from tenant_beta.tenant_lock for update nowait')).rejects.toThrow(
          /permission denied for schema tenant_beta/,
        );
        // Its own lock of the same name is a different row in a different schema: free.
        const own = await client.query(
          `select name from tenant_lock where name = 'outbox.relay' for update nowait`,
        );
        expect(own.rowCount).toBe(1);
      });
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  });

  it('cannot count another tenant’s rows through statistics or sizes', async () => {
    await admin.query(`insert into tenant_beta.setting (key, value) values ('busy', '1')`);
    await asTenant(alpha, async (client) => {
      // The catalog still names beta's tables (ADR 0009 says why that cannot be hidden here).
      const { rows } = await client.query<{ oid: number }>(
        `select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'tenant_beta' and c.relname = 'setting'`,
      );
      const oid = rows[0]!.oid;
      for (const query of [
        'select * from pg_stat_user_tables',
        'select * from pg_stat_all_tables',
        'select * from pg_statio_user_tables',
        'select * from pg_stat_user_indexes',
        'select * from pg_stat_activity',
        'select * from pg_locks',
        `select pg_stat_get_live_tuples(${oid})`,
        `select pg_stat_get_tuples_inserted(${oid})`,
        `select pg_total_relation_size(${oid})`,
        `select pg_relation_size(${oid})`,
        `select * from pg_stat_get_activity(null)`,
      ]) {
        await expect(client.query(query), query).rejects.toThrow(/permission denied/);
      }
    });
  });

  it('can connect to its own database only', async () => {
    for (const database of ['postgres', 'template1']) {
      await expect(
        asTenant(alpha, (client) => client.query('select 1'), database),
        database,
      ).rejects.toThrow(/permission denied for database/);
    }
  });

  it('has session defaults that bound a runaway query and a forgotten transaction, and a connection limit', async () => {
    await asTenant(alpha, async (client) => {
      const settings = await client.query<{ timeout: string; idle: string }>(
        `select current_setting('statement_timeout') as timeout,
                current_setting('idle_in_transaction_session_timeout') as idle`,
      );
      expect(settings.rows[0]).toEqual({ timeout: '30s', idle: '1min' });
    });
    const { rows } = await admin.query<{ limit: number }>(
      `select rolconnlimit as limit from pg_roles where rolname = 'tenant_alpha'`,
    );
    expect(rows[0]!.limit).toBe(5);
  });

  it('leaves a hardened database with nothing more to take away', async () => {
    const client = await admin.connect();
    try {
      expect(await hardeningStatements(client)).toEqual([]);
    } finally {
      client.release();
    }
  });

  it('reads as current once provisioned, and not after its limit, settings, grants or schema drift', async () => {
    const role = { schema: 'tenant_delta', connectionLimit: 3 };
    expect(await isTenantRoleCurrent(admin, role)).toBe(false);
    await provisionTenantRole(admin, role);
    expect(await isTenantRoleCurrent(admin, role)).toBe(true);
    expect(await isTenantRoleCurrent(admin, { ...role, connectionLimit: 4 })).toBe(false);
    for (const drift of [
      `alter role tenant_delta reset statement_timeout`,
      `alter role tenant_delta set search_path = public`,
      `revoke usage on schema tenant_delta from tenant_delta`,
      `alter role tenant_delta nologin`,
      `grant usage on schema public to public`,
      `drop schema tenant_delta cascade`,
    ]) {
      await admin.query(drift);
      expect(await isTenantRoleCurrent(admin, role), drift).toBe(false);
      await provisionTenantRole(admin, role);
      expect(await isTenantRoleCurrent(admin, role), `after ${drift}`).toBe(true);
    }
    await dropTenantDatabase(admin, 'tenant_delta');
    expect(await isTenantRoleCurrent(admin, role)).toBe(false);
  });

  it('is idempotent, and rotating the password locks the old one out', async () => {
    const again = await provisionTenantRole(admin, {
      schema: 'tenant_beta',
      password: beta.password,
      connectionLimit: 5,
    });
    expect(again.password).toBe(beta.password);
    await asTenant(beta, (client) => client.query('select count(*) from store'));

    const rotated = await provisionTenantRole(admin, { schema: 'tenant_beta', connectionLimit: 5 });
    await expect(asTenant(beta, (client) => client.query('select 1'))).rejects.toThrow(
      /password authentication failed/,
    );
    await asTenant(rotated, (client) => client.query('select count(*) from store'));
    beta = rotated;
  });

  it('survives concurrent provisioning of the same tenant', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        provisionTenantRole(admin, { schema: 'tenant_gamma', password: 'same-password', connectionLimit: 2 }),
      ),
    );
    expect(results.map((result) => result.role)).toEqual(['tenant_gamma', 'tenant_gamma', 'tenant_gamma']);
  });

  it('survives many tenants provisioned at once (their grants touch shared catalog rows)', async () => {
    const schemas = Array.from({ length: 12 }, (_, index) => `tenant_crowd_${index}`);
    const pool = new pg.Pool({ connectionString: db.url, max: 12 });
    try {
      const results = await Promise.all(
        schemas.map((schema) => provisionTenantRole(pool, { schema, connectionLimit: 2 })),
      );
      expect(results.map((result) => result.role)).toEqual(schemas);
    } finally {
      await Promise.all(schemas.map((schema) => dropTenantDatabase(pool, schema)));
      await pool.end();
    }
  });

  it('is gone with its schema after a drop, which can be repeated', async () => {
    await dropTenantDatabase(admin, 'tenant_gamma');
    await dropTenantDatabase(admin, 'tenant_gamma');
    const { rows } = await admin.query(
      `select (select count(*) from pg_roles where rolname = 'tenant_gamma')::int as roles,
              (select count(*) from pg_namespace where nspname = 'tenant_gamma')::int as schemas`,
    );
    expect(rows[0]).toEqual({ roles: 0, schemas: 0 });
    await expect(
      asTenant({ role: 'tenant_gamma', password: 'same-password' }, (client) => client.query('select 1')),
    ).rejects.toThrow(/password authentication failed|role "tenant_gamma" does not exist/);
  });
});
