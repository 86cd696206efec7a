import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantOrmConfig } from './config.ts';
import { migrateTenant } from './migrate.ts';
import {
  addMissingStaff,
  addMissingStores,
  addMissingTillDevice,
  countStores,
  existingStaffIds,
  TENANT_PROFILE_SETTING,
  writeTenantProfile,
  type TenantProfile,
} from './rows.ts';

let db: TestDatabase;
let orm: MikroORM;
let pool: pg.Pool;
const schema = 'tenant_rows';

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'tenantrows');
  orm = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url }));
  await migrateTenant(orm, schema);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await orm?.close();
  await db?.drop();
});

const profile: TenantProfile = {
  displayName: 'Rows Café',
  currency: 'EUR',
  timezone: 'Europe/Berlin',
  locale: 'de-DE',
  readOnly: false,
};

describe('tenant rows written by the operator and local mode', () => {
  it('adds missing stores and leaves a store the tenant changed as it is', async () => {
    const main = { code: 'MAIN', name: 'Main', timezone: 'Europe/Berlin', currency: 'EUR' };
    await addMissingStores(pool, schema, [main]);
    await pool.query(`update "${schema}".store set name = 'Renamed in the portal' where code = 'MAIN'`);
    await addMissingStores(pool, schema, [main, { ...main, code: 'EAST', name: 'East' }]);
    const { rows } = await pool.query(`select code, name from "${schema}".store order by code`);
    expect(rows).toEqual([
      { code: 'EAST', name: 'East' },
      { code: 'MAIN', name: 'Renamed in the portal' },
    ]);
    expect(await countStores(pool, schema)).toBe(2);
  });

  it('writes the profile, and touches the row only when it changed', async () => {
    const read = async () =>
      (
        await pool.query<{ value: TenantProfile; updated_at: Date }>(
          `select value, updated_at from "${schema}".setting where key = $1`,
          [TENANT_PROFILE_SETTING],
        )
      ).rows[0]!;
    await writeTenantProfile(pool, schema, profile);
    const first = await read();
    expect(first.value).toEqual(profile);
    await writeTenantProfile(pool, schema, profile);
    expect((await read()).updated_at).toEqual(first.updated_at);
    await writeTenantProfile(pool, schema, { ...profile, readOnly: true });
    const suspended = await read();
    expect(suspended.value.readOnly).toBe(true);
    expect(suspended.updated_at.getTime()).toBeGreaterThanOrEqual(first.updated_at.getTime());
  });

  it('adds missing staff and a till, and keeps a PIN changed since', async () => {
    const owner = {
      id: randomUUID(),
      code: '1001',
      displayName: 'Owner',
      role: 'owner' as const,
      pinHash: 'h1',
    };
    expect(await existingStaffIds(pool, schema, [owner.id])).toEqual(new Set());
    await addMissingStaff(pool, schema, [owner]);
    await pool.query(`update "${schema}".staff_member set pin_hash = 'changed' where id = $1`, [owner.id]);
    await addMissingStaff(pool, schema, [owner]);
    expect(await existingStaffIds(pool, schema, [owner.id, randomUUID()])).toEqual(new Set([owner.id]));
    const { rows } = await pool.query(`select pin_hash from "${schema}".staff_member where id = $1`, [
      owner.id,
    ]);
    expect(rows).toEqual([{ pin_hash: 'changed' }]);

    const till = { id: randomUUID(), name: 'Front', secretHash: 'a'.repeat(64), registeredById: owner.id };
    await addMissingTillDevice(pool, schema, till);
    await addMissingTillDevice(pool, schema, { ...till, name: 'Other name' });
    const devices = await pool.query(`select name from "${schema}".till_device where id = $1`, [till.id]);
    expect(devices.rows).toEqual([{ name: 'Front' }]);
  });

  it('refuses a schema name that is not one', async () => {
    await expect(countStores(pool, 'tenant_x"; drop table store; --')).rejects.toThrow(/invalid schema name/);
  });
});
