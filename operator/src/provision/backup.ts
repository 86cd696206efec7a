// A tenant's schema dumped with pg_dump (custom format) and verified with pg_restore --list (by
// BackupThenDelete before anything is dropped, and by `npm run tenant -- backup`), kept with a
// retention, and restored into the tenant's own schema or beside it, into a new one. pg_dump must be
// at least the server's major version; when it is not, the backup is refused with a message that
// says so (no data is dropped).
import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { grantTenantSchema } from '@cloudpos/tenant-db';
import pg from 'pg';

const run = promisify(execFile);

export class BackupUnavailableError extends Error {
  override name = 'BackupUnavailableError';
}

export interface BackupOptions {
  admin: pg.Pool;
  /** Connection URL pg_dump uses (same database as `admin`). */
  databaseUrl: string;
  schema: string;
  dir: string;
  pgDump?: string;
  pgRestore?: string;
  now?: Date;
}

export interface Backup {
  file: string;
  bytes: number;
  tables: string[];
}

export async function backupTenantSchema(options: BackupOptions): Promise<Backup> {
  const pgDump = options.pgDump ?? process.env.PG_DUMP ?? 'pg_dump';
  const pgRestore = options.pgRestore ?? process.env.PG_RESTORE ?? 'pg_restore';
  const serverMajor = Math.floor(
    Number(
      (await options.admin.query<{ v: string }>(`select current_setting('server_version_num') as v`)).rows[0]!
        .v,
    ) / 10_000,
  );
  const dumpVersion = await run(pgDump, ['--version']).then(
    ({ stdout }) => stdout,
    () => '',
  );
  const dumpMajor = Number(/(\d+)(\.\d+)?/.exec(dumpVersion)?.[1] ?? 0);
  if (dumpMajor < serverMajor) {
    throw new BackupUnavailableError(
      dumpMajor === 0
        ? `pg_dump was not found (${pgDump}); install pg_dump ${serverMajor} or later, or set PG_DUMP`
        : `pg_dump ${dumpMajor} cannot dump PostgreSQL ${serverMajor}; install pg_dump ${serverMajor} or later, or set PG_DUMP`,
    );
  }
  await mkdir(options.dir, { recursive: true });
  const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
  const file = join(options.dir, `${options.schema}-${stamp}.dump`);
  const partial = `${file}.partial`;
  try {
    await run(pgDump, [
      '--format=custom',
      `--schema=${options.schema}`,
      '--no-owner',
      `--file=${partial}`,
      options.databaseUrl,
    ]);
    // Verify before anyone relies on it: the archive must list the schema's tables.
    const tables = await tablesIn(pgRestore, partial, options.schema);
    await rename(partial, file);
    return { file, bytes: (await stat(file)).size, tables };
  } catch (error) {
    await rm(partial, { force: true });
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(
      `backup of ${options.schema} failed: ${detail.replace(/postgres(ql)?:\/\/[^\s]+/g, '<database>')}`,
      {
        cause: error,
      },
    );
  }
}

/** The tables an archive holds for `schema` (none: not a backup of it). */
async function tablesIn(pgRestore: string, file: string, schema: string): Promise<string[]> {
  const { stdout } = await run(pgRestore, ['--list', file]);
  const tables = [...stdout.matchAll(new RegExp(`TABLE ${schema} (\\w+) `, 'g'))].map((match) => match[1]!);
  if (tables.length === 0) throw new Error(`the dump of ${schema} lists no tables`);
  return [...new Set(tables)].sort();
}

export interface BackupFile {
  file: string;
  bytes: number;
  at: Date;
}

/** The backups of `schema` in `dir`, newest first. */
export async function listBackups(dir: string, schema: string): Promise<BackupFile[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = await Promise.all(
    names
      .filter((name) => name.startsWith(`${schema}-`) && name.endsWith('.dump'))
      .map(async (name) => {
        const info = await stat(join(dir, name));
        return { file: join(dir, name), bytes: info.size, at: info.mtime };
      }),
  );
  return files.sort((a, b) => b.at.getTime() - a.at.getTime() || b.file.localeCompare(a.file));
}

/** Keeps the `keep` newest backups of `schema` in `dir`; answers the files removed. */
export async function pruneBackups(dir: string, schema: string, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep must be at least 1, not ${keep}`);
  const old = (await listBackups(dir, schema)).slice(keep);
  for (const backup of old) await rm(backup.file, { force: true });
  return old.map((backup) => backup.file);
}

export interface RestoreOptions {
  admin: pg.Pool;
  databaseUrl: string;
  schema: string;
  file: string;
  pgRestore?: string;
  now?: Date;
  /**
   * The migrations this version of CloudPOS knows: a backup taken after a migration it does not
   * know (by a newer version) is refused before anything is touched. An older backup is fine: the
   * next reconcile migrates it forward.
   */
  knownMigrations?: string[];
}

export interface Restore {
  tables: string[];
  /** The schema as it was before the restore, kept under this name until someone drops it. */
  replacedBy: string;
}

/**
 * Restores a backup into the tenant's own schema: the archive is checked first, the schema as it is
 * now is renamed aside (kept, not dropped), the archive recreates the schema in one transaction, and
 * the tenant's role gets its grants again. When the restore fails, the schema is put back as it was.
 * Requests of the tenant that arrive meanwhile fail and are retried by their clients; PostgreSQL
 * re-plans every prepared statement when a schema is renamed, so none reaches the old tables.
 */
export async function restoreTenantSchema(options: RestoreOptions): Promise<Restore> {
  const pgRestore = options.pgRestore ?? process.env.PG_RESTORE ?? 'pg_restore';
  const { schema } = options;
  const tables = await checkedArchive(pgRestore, options);
  const stamp = stampOf(options.now);
  const replacedBy = `${schema.slice(0, 36)}_replaced_${stamp}`;
  await options.admin.query(`alter schema "${schema}" rename to "${replacedBy}"`);
  try {
    await run(pgRestore, [
      '--no-owner',
      '--exit-on-error',
      '--single-transaction',
      `--dbname=${options.databaseUrl}`,
      options.file,
    ]);
  } catch (error) {
    await options.admin.query(`drop schema if exists "${schema}" cascade`).catch(() => {});
    await options.admin.query(`alter schema "${replacedBy}" rename to "${schema}"`);
    throw new Error(`restore of ${schema} failed (the schema is as it was): ${describe(error)}`, {
      cause: error,
    });
  }
  const client = await options.admin.connect();
  try {
    const role = await client.query('select 1 from pg_roles where rolname = $1', [schema]);
    if (role.rowCount === 1) await grantTenantSchema(client, schema);
  } finally {
    client.release();
  }
  return { tables, replacedBy };
}

/** The archive is a backup of the schema, taken by a version that knows its migrations: its tables. */
async function checkedArchive(pgRestore: string, options: RestoreOptions): Promise<string[]> {
  const { schema, file } = options;
  if (!IDENTIFIER.test(schema)) throw new Error(`not a tenant schema: ${schema}`);
  const tables = await tablesIn(pgRestore, file, schema).catch((error: unknown) => {
    throw new Error(`${file} is not a backup of ${schema}: ${describe(error)}`, { cause: error });
  });
  if (options.knownMigrations) {
    const known = new Set(options.knownMigrations);
    const unknown = (await migrationsIn(pgRestore, file, schema)).filter((name) => !known.has(name));
    if (unknown.length > 0)
      throw new Error(
        `${file} was taken by a newer version of CloudPOS (its schema has migration ${unknown.join(', ')}, unknown here); nothing was changed: restore it with that version`,
      );
  }
  return tables;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** To the millisecond (two restores in one second must not collide), within PostgreSQL's 63. */
const stampOf = (now = new Date()) => now.toISOString().replace(/\D/g, '').slice(0, 17);

export interface RestoreBesideOptions extends RestoreOptions {
  pgDump?: string;
  /** The new schema; by default `<schema>_restored_<time>`. It must not exist. */
  into?: string;
}

/**
 * Restores a backup beside the live data, into a new schema that only administrators can read (no
 * grants, owned by the restoring role): to look at or copy from a tenant's past while it sells on.
 * An archive names its schema, so the backup goes through a scratch database: restored there,
 * renamed, dumped again and restored here in one transaction. The scratch database is dropped
 * whatever happens; the restoring role needs CREATEDB.
 */
export async function restoreBesideTenantSchema(
  options: RestoreBesideOptions,
): Promise<{ tables: string[]; schema: string }> {
  const pgRestore = options.pgRestore ?? process.env.PG_RESTORE ?? 'pg_restore';
  const pgDump = options.pgDump ?? process.env.PG_DUMP ?? 'pg_dump';
  const tables = await checkedArchive(pgRestore, options);
  const stamp = stampOf(options.now);
  const into = options.into ?? `${options.schema.slice(0, 36)}_restored_${stamp}`;
  if (!IDENTIFIER.test(into)) throw new Error(`not a schema name: ${into}`);
  const taken = await options.admin.query('select 1 from pg_namespace where nspname = $1', [into]);
  if (taken.rowCount) throw new Error(`schema ${into} exists already; nothing was changed`);

  const scratch = `cloudpos_restore_${stamp}`;
  const scratchUrl = new URL(options.databaseUrl);
  scratchUrl.pathname = `/${scratch}`;
  const copy = join(tmpdir(), `${scratch}.dump`);
  await options.admin.query(`create database "${scratch}"`).catch((error: unknown) => {
    throw new Error(`a scratch database for the restore could not be made: ${describe(error)}`, {
      cause: error,
    });
  });
  try {
    const restoreOptions = ['--no-owner', '--no-acl', '--exit-on-error', '--single-transaction'];
    await run(pgRestore, [...restoreOptions, `--dbname=${scratchUrl}`, options.file]);
    await renameInScratch(scratchUrl.toString(), options.schema, into);
    await run(pgDump, ['--format=custom', `--schema=${into}`, `--file=${copy}`, scratchUrl.toString()]);
    await run(pgRestore, [...restoreOptions, `--dbname=${options.databaseUrl}`, copy]);
  } catch (error) {
    throw new Error(
      `restore of ${options.schema} into ${into} failed (nothing was changed): ${describe(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    await rm(copy, { force: true });
    await options.admin.query(`drop database if exists "${scratch}" with (force)`).catch(() => {});
  }
  return { tables, schema: into };
}

async function renameInScratch(url: string, schema: string, into: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`alter schema "${schema}" rename to "${into}"`);
  } finally {
    await client.end();
  }
}

/** The migrations recorded in an archive's migrations table (MikroORM's), by name. */
async function migrationsIn(pgRestore: string, file: string, schema: string): Promise<string[]> {
  const { stdout } = await run(
    pgRestore,
    ['--data-only', `--schema=${schema}`, '--table=mikro_orm_migrations', '--file=-', file],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // COPY ... (id, name, executed_at) FROM stdin; one tab-separated row per line, up to "\.".
  const copy = /^COPY \S+ \(([^)]*)\) FROM stdin;\n([\s\S]*?)^\\\.$/m.exec(stdout);
  if (!copy) return [];
  const nameAt = copy[1]!.split(', ').indexOf('name');
  return copy[2]!
    .split('\n')
    .filter(Boolean)
    .map((row) => row.split('\t')[nameAt]!);
}

const describe = (error: unknown) =>
  ((error as { stderr?: string }).stderr?.trim() || (error as Error).message).replace(
    /postgres(ql)?:\/\/[^\s]+/g,
    '<database>',
  );
