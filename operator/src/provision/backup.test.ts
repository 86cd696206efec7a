// BackupThenDelete's dump: made with a matching pg_dump against a real server (Debian's PostgreSQL,
// whose pg_dump matches it), verified, and restorable; refused when pg_dump is older than the server.
import {
  createTestDatabase,
  debianPostgres,
  generatePassword,
  startPostgres,
  type PostgresServer,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BackupUnavailableError, backupTenantSchema } from './backup.ts';

const run = promisify(execFile);
let dir: string;
let server: PostgresServer;
let admin: pg.Pool;
let binDir: string;

beforeAll(async () => {
  const debian = await debianPostgres();
  if (!debian) throw new Error("Debian's PostgreSQL is missing: run npm run ensure-tools");
  binDir = dirname(debian.postgres);
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-backup-'));
  await chmod(dir, 0o755);
  server = await startPostgres({
    dir: join(dir, 'pg'),
    password: generatePassword(),
    durable: false,
    binaries: debian,
  });
  admin = new pg.Pool({ connectionString: server.url, max: 2 });
  admin.on('error', () => {}); // idle connections see the server's shutdown at teardown
  await admin.query(`create schema tenant_bk`);
  await admin.query(`create table tenant_bk.store (id int primary key, name text not null)`);
  await admin.query(`insert into tenant_bk.store values (1, 'Main street')`);
  await admin.query(`create schema tenant_other`);
  await admin.query(`create table tenant_other.secret (id int)`);
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('backupTenantSchema', () => {
  it('writes a verified dump of one schema that restores into an empty database', async () => {
    const backup = await backupTenantSchema({
      admin,
      databaseUrl: server.url,
      schema: 'tenant_bk',
      dir: join(dir, 'backups'),
      pgDump: join(binDir, 'pg_dump'),
      pgRestore: join(binDir, 'pg_restore'),
    });
    expect(existsSync(backup.file)).toBe(true);
    expect(backup.tables).toEqual(['store']);

    const target = await createTestDatabase(server.url, 'restored');
    await run(join(binDir, 'pg_restore'), ['--no-owner', `--dbname=${target.url}`, backup.file]);
    const restored = new pg.Client({ connectionString: target.url });
    await restored.connect();
    const { rows } = await restored.query('select name from tenant_bk.store');
    const others = await restored.query(
      `select count(*)::int as n from pg_namespace where nspname = 'tenant_other'`,
    );
    await restored.end();
    await target.drop();
    expect(rows).toEqual([{ name: 'Main street' }]);
    expect(others.rows[0]).toEqual({ n: 0 });
  });

  it('refuses, dropping nothing, when pg_dump is older than the server', async () => {
    const newer = new pg.Pool({ connectionString: inject('postgresUrl'), max: 1 });
    try {
      const attempt = backupTenantSchema({
        admin: newer,
        databaseUrl: inject('postgresUrl'),
        schema: 'tenant_any',
        dir: join(dir, 'refused'),
        pgDump: join(binDir, 'pg_dump'),
      });
      await expect(attempt).rejects.toBeInstanceOf(BackupUnavailableError);
      await expect(attempt).rejects.toThrow(/pg_dump 15 cannot dump PostgreSQL 18/);
      expect(existsSync(join(dir, 'refused'))).toBe(false);
    } finally {
      await newer.end();
    }
  });
});
