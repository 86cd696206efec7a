// A tenant's place in PostgreSQL: a login role that can use only its own schema, in a database
// hardened so that the role also cannot reach what PostgreSQL grants to everyone by default (advisory
// locks, statistics, other databases). The operator, local mode and tests all provision through
// here, so what the tests check is what runs (ADR 0009).
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

/**
 * Defaults of every tenant session. They bound what our own services do with the role (a runaway
 * query, a transaction left open by a crashed process); a session can still lower or raise them,
 * so they are not a defence against a leaked credential: its connection limit is (ADR 0009).
 */
export const TENANT_ROLE_SETTINGS = {
  statement_timeout: '30s',
  idle_in_transaction_session_timeout: '60s',
} as const;

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Provisioning and dropping take turns within a database: grants and `drop owned` rewrite shared
 * catalog rows (the database's and schema public's ACLs), and two transactions doing so at once fail
 * with "tuple concurrently updated" (found by the operator benchmark, 100 tenants at once). Each turn
 * takes milliseconds. Tenant roles cannot take advisory locks (see hardenDatabase), so no tenant can
 * hold this one.
 */
const PROVISIONING_LOCK = "select pg_advisory_xact_lock(hashtextextended('cloudpos.provision', 0))";

export function generateDatabasePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * What PostgreSQL grants to PUBLIC that a tenant must not have, as statements that take it away.
 * Only what PUBLIC still holds is listed, so a hardened database yields none (and nothing is written).
 *
 * - Advisory locks: their keys are global to the database, so any role could hold another tenant's
 *   or the platform's lock. The platform takes them only as its own (superuser) role.
 * - Statistics and sizes: `pg_stat_*`/`pg_statio_*` views, the `pg_stat_get_*` functions under them,
 *   `pg_locks` and the relation size functions tell how many sales another tenant has and when.
 *   Monitoring keeps them through `pg_monitor`.
 * - Other databases (`postgres`, `template1`, ...): a tenant connects to its own database only;
 *   `pg_stat_activity` there would list every tenant's sessions.
 */
export async function hardeningStatements(client: pg.ClientBase): Promise<string[]> {
  const functions = await client.query<{ signature: string }>(
    `select p.oid::regprocedure::text as signature
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'pg_catalog'
        and (p.proname like 'pg\\_%advisory%' or p.proname like 'pg\\_stat\\_get\\_%'
             or p.proname in ('pg_lock_status', 'pg_blocking_pids', 'pg_safe_snapshot_blocking_pids',
                              'pg_relation_size', 'pg_total_relation_size', 'pg_table_size',
                              'pg_indexes_size', 'pg_tablespace_size'))
        and has_function_privilege('public', p.oid, 'execute')
      order by 1`,
  );
  const views = await client.query<{ name: string }>(
    `select c.oid::regclass::text as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'pg_catalog' and c.relkind = 'v'
        and (c.relname like 'pg\\_stat\\_%' or c.relname like 'pg\\_statio\\_%' or c.relname = 'pg_locks')
        and has_table_privilege('public', c.oid, 'select')
      order by 1`,
  );
  const databases = await client.query<{ name: string }>(
    `select datname as name from pg_database
      where datname <> current_database() and datallowconn
        and has_database_privilege('public', datname, 'connect')
      order by 1`,
  );
  const ident = (name: string) => client.escapeIdentifier(name);
  return [
    ...functions.rows.flatMap(({ signature }) => [
      `revoke execute on function ${signature} from public`,
      ...(signature.includes('advisory') ? [] : [`grant execute on function ${signature} to pg_monitor`]),
    ]),
    ...views.rows.flatMap(({ name }) => [
      `revoke select on ${name} from public`,
      `grant select on ${name} to pg_monitor`,
    ]),
    ...databases.rows.map(({ name }) => `revoke connect on database ${ident(name)} from public`),
  ];
}

/**
 * Takes away from PUBLIC what tenants must not have (see hardeningStatements). Needs a superuser:
 * the functions and views belong to the bootstrap superuser. Idempotent and write-free once done.
 */
export async function hardenDatabase(client: pg.ClientBase): Promise<number> {
  const statements = await hardeningStatements(client);
  for (const statement of statements) await client.query(statement);
  return statements.length;
}

/**
 * Creates or updates the tenant's role and grants it its schema, idempotently. The role can use and
 * write only its own schema: no CREATE anywhere, nothing in `public`, no other tenant's schema, no
 * advisory locks, statistics or other databases (the database is hardened in the same transaction).
 */
export async function provisionTenantRole(
  admin: pg.Pool,
  options: ProvisionOptions,
): Promise<TenantDatabase> {
  // Databases of one server share pg_database and pg_authid: provisioning in two databases at once
  // (tests do) can still collide on those rows, which PostgreSQL reports and a retry resolves.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await provisionOnce(admin, options);
    } catch (error) {
      if (attempt >= 3 || !/tuple concurrently (updated|deleted)/.test((error as Error).message)) throw error;
    }
  }
}

async function provisionOnce(admin: pg.Pool, options: ProvisionOptions): Promise<TenantDatabase> {
  const { schema } = options;
  assertIdentifier(schema);
  const role = schema;
  const password = options.password ?? generateDatabasePassword();
  if (!Number.isInteger(options.connectionLimit) || options.connectionLimit < 1) {
    throw new Error(`invalid connection limit ${options.connectionLimit} for ${schema}`);
  }
  const client = await admin.connect();
  try {
    await client.query('begin');
    // One at a time (see PROVISIONING_LOCK); this also covers two replicas or a retry.
    await client.query(PROVISIONING_LOCK);
    await hardenDatabase(client);
    const database = (await client.query<{ db: string }>('select current_database() as db')).rows[0]!.db;
    const exists = (await client.query('select 1 from pg_roles where rolname = $1', [role])).rowCount === 1;
    // A password cannot be a bind parameter of ALTER/CREATE ROLE: it is a literal, and the statement
    // is never logged on error (log_min_error_statement = panic where we run PostgreSQL).
    const literal = client.escapeLiteral(password);
    await client.query(
      exists
        ? `alter role "${role}" with login password ${literal} connection limit ${options.connectionLimit}`
        : `create role "${role}" with login noinherit nocreatedb nocreaterole password ${literal} connection limit ${options.connectionLimit}`,
    );
    for (const [setting, value] of Object.entries(TENANT_ROLE_SETTINGS)) {
      await client.query(`alter role "${role}" set ${setting} = ${client.escapeLiteral(value)}`);
    }
    await client.query(`create schema if not exists "${schema}"`);
    // Nobody gets anything by default; each tenant role is let in explicitly.
    await client.query(`revoke all on database "${database}" from public`);
    await client.query(`revoke all on schema public from public`);
    await client.query(`grant connect on database "${database}" to "${role}"`);
    await grantTenantSchema(client, schema);
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

/**
 * What the tenant's role may do in its schema: use it, read and write its tables and sequences,
 * also those migrations (run by the operator's role) create later. Provisioning calls it, and a
 * restore does again for the schema it recreated.
 */
export async function grantTenantSchema(client: pg.ClientBase, schema: string): Promise<void> {
  assertIdentifier(schema);
  const role = schema;
  await client.query(`grant usage on schema "${schema}" to "${role}"`);
  await client.query(`grant select, insert, update, delete on all tables in schema "${schema}" to "${role}"`);
  await client.query(`grant usage, select, update on all sequences in schema "${schema}" to "${role}"`);
  await client.query(
    `alter default privileges in schema "${schema}" grant select, insert, update, delete on tables to "${role}"`,
  );
  await client.query(
    `alter default privileges in schema "${schema}" grant usage, select, update on sequences to "${role}"`,
  );
}

/**
 * Whether the tenant's role is as provisionTenantRole leaves it, read in one query without the
 * provisioning lock or a write: a login role with the connection limit and session settings, its
 * schema, usage of it, connect to the database, and none of that open to PUBLIC. The password cannot
 * be read back (only a superuser sees its verifier), so a caller that skips provisioning on `true`
 * must know by other means that the password was set (the operator remembers what it set).
 */
export async function isTenantRoleCurrent(
  admin: Pick<pg.Pool, 'query'>,
  options: Pick<ProvisionOptions, 'schema' | 'connectionLimit'>,
): Promise<boolean> {
  const { schema } = options;
  assertIdentifier(schema);
  const settings = [
    ...Object.entries(TENANT_ROLE_SETTINGS).map(([setting, value]) => `${setting}=${value}`),
    `search_path=${schema}`,
  ];
  const { rows } = await admin.query<{ current: boolean }>(
    `select r.rolcanlogin and r.rolconnlimit = $2 and coalesce(r.rolconfig, '{}') @> $3::text[]
            and has_schema_privilege(r.oid, n.oid, 'USAGE')
            and has_database_privilege(r.oid, current_database(), 'CONNECT')
            and not has_database_privilege('public', current_database(), 'CONNECT')
            and not has_schema_privilege('public', 'public', 'USAGE') as current
       from pg_roles r join pg_namespace n on n.nspname = $1
      where r.rolname = $1`,
    [schema, options.connectionLimit, settings],
  );
  return rows[0]?.current === true;
}

/** Removes the tenant's schema (with its data) and its role. Idempotent. */
export async function dropTenantDatabase(admin: pg.Pool, schema: string): Promise<void> {
  assertIdentifier(schema);
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

function assertIdentifier(schema: string): void {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
}
