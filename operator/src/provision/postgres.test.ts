// Tenant roles on real PostgreSQL: each tenant's role reaches its own schema and nothing else.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import { migrateTenant, tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dropTenantDatabase, provisionTenantRole, type TenantDatabase } from './postgres.ts';

let db: TestDatabase;
let admin: pg.Pool;
let orm: MikroORM;
let alpha: TenantDatabase;
let beta: TenantDatabase;

function connectAs(tenant: { role: string; password: string }): pg.Client {
  const url = new URL(db.url);
  url.username = tenant.role;
  url.password = encodeURIComponent(tenant.password);
  return new pg.Client({ connectionString: url.toString() });
}

async function asTenant<T>(
  tenant: { role: string; password: string },
  run: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = connectAs(tenant);
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
