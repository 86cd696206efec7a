// Migrating tenant schemas: one tenant at a time under a per-tenant advisory lock, or every tenant
// with bounded parallelism. The stored migrations are the only way a tenant schema changes; there is
// never a schema diff against the whole cluster.
import { EntitySchema } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { tenantMigrations } from './migrations/index.ts';

const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,62}$/;
export const TENANT_SCHEMA_PREFIX = 'tenant_';

/** The Postgres schema of a tenant: `tenant_` + its slug (a DNS label) with dashes as underscores. */
export function tenantSchemaName(slug: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(slug)) {
    throw new Error(`invalid tenant slug "${slug}": a DNS label of at most 40 characters is required`);
  }
  return `${TENANT_SCHEMA_PREFIX}${slug.replaceAll('-', '_')}`;
}

export interface TenantMigrationResult {
  schema: string;
  /** Names of the migrations applied by this call; empty when the schema was already current. */
  applied: string[];
}

/**
 * Brings one tenant schema up to date. Creates the schema if needed. Concurrent calls for the same
 * schema (from any process) serialize on an advisory lock; the second finds nothing to do.
 */
export async function migrateTenant(orm: MikroORM, schema: string): Promise<TenantMigrationResult> {
  assertSchemaName(schema);
  const lockClient = new pg.Client(lockConnectionConfig(orm));
  await lockClient.connect();
  try {
    await lockClient.query('select pg_advisory_lock(hashtextextended($1, 0))', [
      `cloudpos.migrate.${schema}`,
    ]);
    try {
      await lockClient.query(`create schema if not exists "${schema}"`);
      // A migrator of its own: the migrator keeps the run's schema as instance state, so a shared
      // one must never run two schemas at once.
      const migrator = new Migrator(orm.em.fork());
      try {
        const applied = await migrator.up({ schema });
        return { schema, applied: applied.map((migration) => migration.name) };
      } finally {
        forgetMigrationEntities(schema);
      }
    } finally {
      await lockClient.query('select pg_advisory_unlock(hashtextextended($1, 0))', [
        `cloudpos.migrate.${schema}`,
      ]);
    }
  } catch (error) {
    throw new Error(`while migrating tenant schema ${schema}: ${(error as Error).message}`, { cause: error });
  } finally {
    await lockClient.end();
  }
}

/**
 * MikroORM's migration storage defines a new entity for its bookkeeping table each time it reads or
 * writes it (MigrationStorage.getTableName, 16 times a run), and EntitySchema.REGISTRY, one Map for
 * the whole process, keeps every one of them: an operator that had migrated 1,000 tenant schemas
 * held 16,000 of these entities, about 35 KB a schema. None is used once its run is over (the
 * advisory lock means no other run of this schema is under way).
 */
function forgetMigrationEntities(schema: string): void {
  for (const [entity, definition] of EntitySchema.REGISTRY) {
    if (definition.meta.className === 'Migration' && definition.meta.schema === schema)
      EntitySchema.REGISTRY.delete(entity);
  }
}

/**
 * Whether a tenant schema has every migration this version knows: one read, so a reconcile of an
 * unchanged tenant skips the migrator (its own connection, an advisory lock, several queries).
 * False for a schema that does not exist yet.
 */
export async function isTenantSchemaCurrent(
  postgres: Pick<pg.Pool, 'query'>,
  schema: string,
  migrations: string[] = tenantMigrations.map((migration) => migration.name),
): Promise<boolean> {
  assertSchemaName(schema);
  const table = await postgres.query<{ exists: boolean }>(`select to_regclass($1) is not null as exists`, [
    `"${schema}".mikro_orm_migrations`,
  ]);
  if (!table.rows[0]?.exists) return false;
  const { rows } = await postgres.query<{ applied: number }>(
    `select count(distinct name)::int as applied from "${schema}".mikro_orm_migrations where name = any($1)`,
    [migrations],
  );
  return rows[0]?.applied === migrations.length;
}

export interface MigrateAllOptions {
  /** Tenant schemas to migrate; defaults to every `tenant_*` schema in the database. */
  schemas?: string[];
  /** How many tenants migrate at once. */
  concurrency?: number;
}

export interface MigrateAllResult {
  migrated: TenantMigrationResult[];
  failed: { schema: string; error: Error }[];
}

/** Migrates many tenants, `concurrency` at a time; one tenant's failure does not stop the others. */
export async function migrateAllTenants(
  orm: MikroORM,
  options: MigrateAllOptions = {},
): Promise<MigrateAllResult> {
  const schemas = options.schemas ?? (await listTenantSchemas(orm));
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const result: MigrateAllResult = { migrated: [], failed: [] };
  const queue = [...schemas];
  const worker = async () => {
    for (let schema = queue.shift(); schema !== undefined; schema = queue.shift()) {
      try {
        result.migrated.push(await migrateTenant(orm, schema));
      } catch (error) {
        result.failed.push({ schema, error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, schemas.length) }, worker));
  return result;
}

export async function listTenantSchemas(orm: MikroORM): Promise<string[]> {
  const rows = await orm.em
    .getConnection()
    .execute<{ nspname: string }[]>(
      `select nspname from pg_namespace where nspname like 'tenant\\_%' order by nspname`,
    );
  return rows.map((row) => row.nspname);
}

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}"`);
}

function lockConnectionConfig(orm: MikroORM): pg.ClientConfig {
  const url = orm.config.get('clientUrl');
  if (!url) throw new Error('the tenant ORM needs clientUrl');
  return { connectionString: url };
}
