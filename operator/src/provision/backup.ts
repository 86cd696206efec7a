// BackupThenDelete: a tenant's schema dumped with pg_dump (custom format) and verified with
// pg_restore --list before anything is dropped. pg_dump must be at least the server's major
// version; when it is not, the backup is refused with a message that says so (no data is dropped).
import { execFile } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';

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
    const { stdout } = await run(pgRestore, ['--list', partial]);
    const tables = [...stdout.matchAll(new RegExp(`TABLE ${options.schema} (\\w+) `, 'g'))].map(
      (match) => match[1]!,
    );
    if (tables.length === 0) throw new Error(`the dump of ${options.schema} lists no tables`);
    await rename(partial, file);
    return { file, tables: [...new Set(tables)].sort() };
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
