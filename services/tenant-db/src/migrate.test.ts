import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import { EntitySchema } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantOrmConfig } from './config.ts';
import { Store } from './entities/store.ts';
import { isTenantSchemaCurrent, migrateAllTenants, migrateTenant, tenantSchemaName } from './migrate.ts';
import { tenantMigrations } from './migrations/index.ts';

let db: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'tenantdb');
  orm = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url }));
});

afterAll(async () => {
  await orm?.close();
  await db?.drop();
});

const allMigrations = tenantMigrations.map((migration) => migration.name);
const TENANT_TABLES = [
  'audit_entry',
  'category',
  'device_pairing_code',
  'idempotency_key',
  'manager_approval',
  'mikro_orm_migrations',
  'outbox_event',
  'payment',
  'price',
  'product',
  'provider_event',
  'receipt_gap',
  'receipt_mail',
  'refresh_token',
  'register_counter',
  'sale',
  'sale_line',
  'sale_tax',
  'setting',
  'staff_member',
  'stock_level',
  'stock_movement',
  'store',
  'tax_category',
  'tax_rate',
  'tenant_lock',
  'till_device',
  'variant',
];

async function tablesIn(schema: string): Promise<string[]> {
  const rows = await orm.em
    .getConnection()
    .execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables where table_schema = ? order by table_name`,
      [schema],
    );
  return rows.map((row) => row.table_name);
}

describe('tenantSchemaName', () => {
  it.each([
    ['acme', 'tenant_acme'],
    ['corner-shop-2', 'tenant_corner_shop_2'],
  ])('maps slug %s to %s', (slug, schema) => {
    expect(tenantSchemaName(slug)).toBe(schema);
  });

  it.each(['', 'Acme', '-acme', 'acme-', 'a'.repeat(41), 'acme;drop'])('rejects slug %j', (slug) => {
    expect(() => tenantSchemaName(slug)).toThrow(/invalid tenant slug/);
  });
});

describe('migrating tenant schemas against real PostgreSQL', () => {
  it('migrates two tenant schemas, each with its own tables and migration history, nothing in public', async () => {
    const a = await migrateTenant(orm, 'tenant_alpha');
    const b = await migrateTenant(orm, 'tenant_beta');
    expect(a.applied).toEqual(allMigrations);
    expect(b.applied).toEqual(allMigrations);
    for (const schema of ['tenant_alpha', 'tenant_beta']) {
      expect(await tablesIn(schema)).toEqual(TENANT_TABLES);
    }
    expect(await tablesIn('public')).toEqual([]);
  });

  it('tells a current schema from a missing or an older one in one read', async () => {
    const admin = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      expect(await isTenantSchemaCurrent(admin, 'tenant_never_made')).toBe(false);
      await migrateTenant(orm, 'tenant_current');
      expect(await isTenantSchemaCurrent(admin, 'tenant_current')).toBe(true);
      // A newer version knows one more migration: this schema is not current for it.
      expect(
        await isTenantSchemaCurrent(admin, 'tenant_current', [
          ...allMigrations,
          'Migration20991231000000_next',
        ]),
      ).toBe(false);
      // One recorded migration missing: not current (put back after, for the tests that follow).
      const table = '"tenant_current".mikro_orm_migrations';
      await admin.query(`update ${table} set name = name || '_gone' where name = $1`, [allMigrations.at(-1)]);
      expect(await isTenantSchemaCurrent(admin, 'tenant_current')).toBe(false);
      await admin.query(`update ${table} set name = $1 where name = $2`, [
        allMigrations.at(-1),
        `${allMigrations.at(-1)}_gone`,
      ]);
      expect(await isTenantSchemaCurrent(admin, 'tenant_current')).toBe(true);
    } finally {
      await admin.end();
    }
  });

  it('is a no-op when rerun', async () => {
    await migrateTenant(orm, 'tenant_gamma');
    const again = await migrateTenant(orm, 'tenant_gamma');
    expect(again.applied).toEqual([]);
    const history = await orm.em
      .getConnection()
      .execute<{ count: string }[]>(
        `select count(*)::text as count from "tenant_gamma"."mikro_orm_migrations"`,
      );
    expect(history[0]?.count).toBe(String(allMigrations.length));
  });

  it('keeps nothing in memory from a run: an operator migrates thousands of schemas', async () => {
    const entities = EntitySchema.REGISTRY.size;
    await migrateTenant(orm, 'tenant_epsilon');
    await migrateTenant(orm, 'tenant_epsilon');
    expect(EntitySchema.REGISTRY.size).toBe(entities);
  });

  it('serializes concurrent runs for the same tenant, from separate ORM instances', async () => {
    const orms = await Promise.all(
      [1, 2, 3].map(() => MikroORM.init(tenantOrmConfig({ clientUrl: db.url }))),
    );
    try {
      const results = await Promise.all(orms.map((instance) => migrateTenant(instance, 'tenant_delta')));
      const appliers = results.filter((result) => result.applied.length > 0);
      expect(appliers).toHaveLength(1);
      expect(appliers[0]?.applied).toEqual(allMigrations);
      expect(await tablesIn('tenant_delta')).toEqual(TENANT_TABLES);
    } finally {
      await Promise.all(orms.map((instance) => instance.close()));
    }
  });

  it('migrates many tenants with bounded parallelism and reports a failure without stopping the rest', async () => {
    const schemas = ['tenant_m1', 'tenant_m2', 'tenant_m3', 'tenant_m4', 'tenant_m5', 'Not-A-Schema'];
    const result = await migrateAllTenants(orm, { schemas, concurrency: 2 });
    expect(result.migrated.map((m) => m.schema).sort()).toEqual(schemas.slice(0, 5));
    expect(result.failed.map((f) => f.schema)).toEqual(['Not-A-Schema']);
    expect(result.failed[0]?.error.message).toMatch(/invalid schema name/);
  });

  it('discovers every tenant schema when none are named, and finds them current', async () => {
    const result = await migrateAllTenants(orm);
    expect(result.failed).toEqual([]);
    expect(result.migrated.map((m) => m.schema)).toContain('tenant_alpha');
    expect(result.migrated.every((m) => m.applied.length === 0)).toBe(true);
  });

  it('keeps tenants apart: a store written through one schema is invisible in another', async () => {
    const alpha = orm.em.fork({ schema: 'tenant_alpha' });
    alpha.create(Store, {
      id: randomUUID(),
      code: 'MAIN',
      name: 'Alpha Main',
      timezone: 'Europe/Berlin',
      currency: 'EUR',
    });
    await alpha.flush();
    expect(await orm.em.fork({ schema: 'tenant_alpha' }).count(Store)).toBe(1);
    expect(await orm.em.fork({ schema: 'tenant_beta' }).count(Store)).toBe(0);
  });

  it('leaves nothing for the schema generator to change: entities and migrations agree', async () => {
    const diff = await orm.schema.getUpdateSchemaSQL({ schema: 'tenant_alpha', wrap: false });
    expect(diff.trim()).toBe('');
  });
});
