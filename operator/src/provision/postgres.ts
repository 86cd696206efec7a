// A tenant's place in PostgreSQL: a login role that can use only its own schema. The schema is
// created and migrated by @cloudpos/tenant-db; this module owns roles and privileges.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';

export interface TenantDatabase {
  role: string;
  schema: string;
  password: string;
}

export interface ProvisionOptions {
  /** The tenant's schema (tenant_<slug>), also the role's name. */
  schema: string;
  /** The password kept in the tenant's Secret; generated when the tenant is new. */
  password?: string;
  /** Connections the role may hold at once (by plan). */
  connectionLimit: number;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Provisioning and dropping take turns, cluster-wide: grants and `drop owned` rewrite shared catalog
 * rows (the database's and schema public's ACLs), and two transactions doing so at once fail with
 * "tuple concurrently updated" (found by the operator benchmark, 100 tenants at once). Each turn
 * takes milliseconds.
 */
const PROVISIONING_LOCK = "select pg_advisory_xact_lock(hashtextextended('cloudpos.provision', 0))";

export function generateDatabasePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Creates or updates the tenant's role and grants it its schema, idempotently. The role can use and
 * write only its own schema: no CREATE anywhere, nothing in `public`, no other tenant's schema.
 */
export async function provisionTenantRole(
  admin: pg.Pool,
  options: ProvisionOptions,
): Promise<TenantDatabase> {
  const { schema } = options;
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const role = schema;
  const password = options.password ?? generateDatabasePassword();
  const client = await admin.connect();
  try {
    await client.query('begin');
    // One at a time, cluster-wide (see PROVISIONING_LOCK); this also covers two replicas or a retry.
    await client.query(PROVISIONING_LOCK);
    const database = (await client.query<{ db: string }>('select current_database() as db')).rows[0]!.db;
    const exists = (await client.query('select 1 from pg_roles where rolname = $1', [role])).rowCount === 1;
    const literal = client.escapeLiteral(password);
    await client.query(
      exists
        ? `alter role "${role}" with login password ${literal} connection limit ${options.connectionLimit}`
        : `create role "${role}" with login noinherit nocreatedb nocreaterole password ${literal} connection limit ${options.connectionLimit}`,
    );
    await client.query(`create schema if not exists "${schema}"`);
    // Nobody gets anything by default; each tenant role is let in explicitly.
    await client.query(`revoke all on database "${database}" from public`);
    await client.query(`revoke all on schema public from public`);
    await client.query(`grant connect on database "${database}" to "${role}"`);
    await client.query(`grant usage on schema "${schema}" to "${role}"`);
    await client.query(
      `grant select, insert, update, delete on all tables in schema "${schema}" to "${role}"`,
    );
    await client.query(`grant usage, select, update on all sequences in schema "${schema}" to "${role}"`);
    // Tables created later by migrations (run by the operator's role) are granted too.
    await client.query(
      `alter default privileges in schema "${schema}" grant select, insert, update, delete on tables to "${role}"`,
    );
    await client.query(
      `alter default privileges in schema "${schema}" grant usage, select, update on sequences to "${role}"`,
    );
    await client.query(`alter role "${role}" set search_path = "${schema}"`);
    await client.query('commit');
    return { role, schema, password };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw new Error(`while provisioning the database role for ${schema}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    client.release();
  }
}

/** Removes the tenant's schema (with its data) and its role. Idempotent. */
export async function dropTenantDatabase(admin: pg.Pool, schema: string): Promise<void> {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const client = await admin.connect();
  try {
    await client.query('begin');
    await client.query(PROVISIONING_LOCK);
    await client.query(`drop schema if exists "${schema}" cascade`);
    const exists = (await client.query('select 1 from pg_roles where rolname = $1', [schema])).rowCount === 1;
    if (exists) {
      // Ends the role's sessions, then removes what it still holds (grants, default privileges).
      await client.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [
        schema,
      ]);
      await client.query(`drop owned by "${schema}" cascade`);
      await client.query(`drop role "${schema}"`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw new Error(`while dropping the database of ${schema}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    client.release();
  }
}
