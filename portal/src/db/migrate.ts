// The platform schema is changed only by its stored migrations, run at start under an advisory lock
// (several portal replicas may start at once), the same way tenant schemas are migrated.
import type { MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import pg from 'pg';
import { Migration20261205140000_platform } from './migrations/Migration20261205140000_platform.ts';
import { Migration20261205160000_billing_state } from './migrations/Migration20261205160000_billing_state.ts';
import { Migration20261205170000_password_reset } from './migrations/Migration20261205170000_password_reset.ts';
import { Migration20261206090000_members } from './migrations/Migration20261206090000_members.ts';
import { Migration20261206100000_platform_admin } from './migrations/Migration20261206100000_platform_admin.ts';
import { Migration20261206200000_tenant_order } from './migrations/Migration20261206200000_tenant_order.ts';
import { Migration20261206210000_admin_totp } from './migrations/Migration20261206210000_admin_totp.ts';

export const PLATFORM_SCHEMA = 'platform';

/** Every platform migration, oldest first. Append new ones; never edit one that has shipped. */
export const platformMigrations: MigrationObject[] = [
  { name: 'Migration20261205140000_platform', class: Migration20261205140000_platform },
  { name: 'Migration20261205160000_billing_state', class: Migration20261205160000_billing_state },
  { name: 'Migration20261205170000_password_reset', class: Migration20261205170000_password_reset },
  { name: 'Migration20261206090000_members', class: Migration20261206090000_members },
  { name: 'Migration20261206100000_platform_admin', class: Migration20261206100000_platform_admin },
  { name: 'Migration20261206200000_tenant_order', class: Migration20261206200000_tenant_order },
  { name: 'Migration20261206210000_admin_totp', class: Migration20261206210000_admin_totp },
];

export async function migratePlatform(databaseUrl: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    pool: { min: 0, max: 1 },
    migrations: {
      migrationsList: platformMigrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  });
  try {
    await lock.query(`select pg_advisory_lock(hashtextextended('cloudpos.migrate.platform', 0))`);
    await lock.query(`create schema if not exists ${PLATFORM_SCHEMA}`);
    const applied = await new Migrator(orm.em.fork()).up({ schema: PLATFORM_SCHEMA });
    return applied.map((migration) => migration.name);
  } catch (error) {
    throw new Error(`while migrating the platform schema: ${(error as Error).message}`, { cause: error });
  } finally {
    await orm.close();
    await lock.end();
  }
}
