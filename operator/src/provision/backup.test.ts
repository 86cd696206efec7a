// BackupThenDelete's dump on the default engine: the harness's PostgreSQL 18 dumped by the pg_dump 18
// that ensure-tools provides, verified with pg_restore --list, and restorable; refused when the
// pg_dump it is given cannot dump that server.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BackupUnavailableError, backupTenantSchema } from './backup.ts';

const run = promisify(execFile);
let dir: string;
let db: TestDatabase;
let admin: pg.Pool;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-backup-'));
  db = await createTestDatabase(inject('postgresUrl'), 'backup');
  admin = new pg.Pool({ connectionString: db.url, max: 2 });
  await admin.query(`create schema tenant_bk`);
  await admin.query(`create table tenant_bk.store (id int primary key, name text not null)`);
  await admin.query(`insert into tenant_bk.store values (1, 'Main street')`);
  await admin.query(`create schema tenant_other`);
  await admin.query(`create table tenant_other.secret (id int)`);
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('backupTenantSchema', () => {
  it('dumps one schema of the PostgreSQL 18 server, verified, and it restores into an empty database', async () => {
    expect(inject('postgresVersion')).toMatch(/^18\./);
    const backup = await backupTenantSchema({
      admin,
      databaseUrl: db.url,
      schema: 'tenant_bk',
      dir: join(dir, 'backups'),
      pgDump: inject('pgDumpPath'),
      pgRestore: inject('pgRestorePath'),
    });
    expect(existsSync(backup.file)).toBe(true);
    expect(backup.tables).toEqual(['store']);
    const listed = await run(inject('pgRestorePath'), ['--list', backup.file]);
    expect(listed.stdout).toContain('TABLE DATA tenant_bk store');
    expect(listed.stdout).not.toContain('tenant_other');

    const target = await createTestDatabase(inject('postgresUrl'), 'restored');
    try {
      await run(inject('pgRestorePath'), ['--no-owner', `--dbname=${target.url}`, backup.file]);
      const restored = new pg.Client({ connectionString: target.url });
      await restored.connect();
      const { rows } = await restored.query('select name from tenant_bk.store');
      const others = await restored.query(
        `select count(*)::int as n from pg_namespace where nspname = 'tenant_other'`,
      );
      await restored.end();
      expect(rows).toEqual([{ name: 'Main street' }]);
      expect(others.rows[0]).toEqual({ n: 0 });
    } finally {
      await target.drop();
    }
  });

  it('refuses, writing nothing, when pg_dump is older than the server', async () => {
    // The refusal reads only `pg_dump --version`: a stand-in that answers as Debian's 15 does is
    // enough, and keeps the test independent of which old client a machine happens to have.
    const old = join(dir, 'old-pg_dump');
    await writeFile(old, '#!/bin/sh\necho "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"\n');
    await chmod(old, 0o755);
    const attempt = backupTenantSchema({
      admin,
      databaseUrl: db.url,
      schema: 'tenant_bk',
      dir: join(dir, 'refused'),
      pgDump: old,
    });
    await expect(attempt).rejects.toBeInstanceOf(BackupUnavailableError);
    await expect(attempt).rejects.toThrow(/pg_dump 15 cannot dump PostgreSQL 18/);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  });

  it('refuses, naming what it looked for, when there is no pg_dump', async () => {
    const attempt = backupTenantSchema({
      admin,
      databaseUrl: db.url,
      schema: 'tenant_bk',
      dir: join(dir, 'missing'),
      pgDump: join(dir, 'no-such-pg_dump'),
    });
    await expect(attempt).rejects.toThrow(/pg_dump was not found \(.*no-such-pg_dump\)/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});
