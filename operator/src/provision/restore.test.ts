// Backups kept and restored, against a selling POS API on the test PostgreSQL 18: sell, back up, sell
// more and change the catalog, restore; the tenant's data is as it was at the backup, the API (whose
// connections hold prepared statements) reads the restored tables and sells on, the tenant's role
// has its grants again, and the schema as it was before the restore is kept aside.
import type {} from '@cloudpos/harness/vitest/provided';
import {
  bearer,
  createTenantRole,
  sellingWorld,
  signIn,
  type SellingWorld,
  type SignedIn,
} from '@cloudpos/pos-api/test-support';
import { randomUUID } from 'node:crypto';
import { startS3 } from '@cloudpos/harness';
import { tenantMigrations } from '@cloudpos/tenant-db';
import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  backupTenantSchema,
  listBackups,
  pruneBackups,
  restoreBesideTenantSchema,
  restoreTenantSchema,
} from './backup.ts';
import {
  copyBackupToBucket,
  fetchBackupFromBucket,
  listBucketBackups,
  openBackupBucket,
  pruneBucketBackups,
} from './backup-bucket.ts';

let world: SellingWorld;
let cashier: SignedIn;
let dir: string;
let role: Awaited<ReturnType<typeof createTenantRole>>;

beforeAll(async () => {
  world = await sellingWorld('restore', { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  cashier = await signIn(world.app, world.tenant, world.tenant.cashier.code, world.tenant.cashier.pin);
  role = await createTenantRole(world.db.url, world.schema);
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-restore-'));
});

afterAll(async () => {
  await role?.drop();
  await world?.close();
  await rm(dir, { recursive: true, force: true });
});

const sell = async (sku: string, amount: number) => {
  const sold = await world.app.inject({
    method: 'POST',
    url: '/v1/sales',
    headers: { host: world.tenant.host, ...bearer(cashier.accessToken), 'idempotency-key': randomUUID() },
    payload: { lines: [{ sku, quantity: 1 }], tenders: [{ method: 'cash', amount }] },
  });
  expect(sold.statusCode, sold.body).toBe(201);
  return sold.json<{ receiptNumber: string }>().receiptNumber;
};

const receipts = async () => {
  const listed = await world.app.inject({
    url: '/v1/sales?limit=100',
    headers: { host: world.tenant.host, ...bearer(world.tenant.owner.accessToken) },
  });
  expect(listed.statusCode, listed.body).toBe(200);
  return listed
    .json<{ items: { receiptNumber: string }[] }>()
    .items.map((sale) => sale.receiptNumber)
    .sort();
};

const tools = () => ({ pgDump: inject('pgDumpPath'), pgRestore: inject('pgRestorePath') });

describe('restoring a tenant from its backup', () => {
  it('brings the schema back as it was at the backup, and the API sells on', async () => {
    const before = [await sell('PEN', 333), await sell('MUG', 350)];
    const backup = await backupTenantSchema({
      admin: world.sql,
      databaseUrl: world.db.url,
      schema: world.schema,
      dir,
      ...tools(),
    });
    expect(backup.tables).toEqual(expect.arrayContaining(['sale', 'sale_line', 'payment', 'variant']));

    await sell('BREAD', 200);
    await world.sql.query(`update "${world.schema}".price set amount = 999`);
    expect(await receipts()).toHaveLength(3);

    const restored = await restoreTenantSchema({
      admin: world.sql,
      databaseUrl: world.db.url,
      schema: world.schema,
      file: backup.file,
      pgRestore: inject('pgRestorePath'),
    });
    expect(restored.replacedBy).toMatch(new RegExp(`^${world.schema}_replaced_\\d{17}$`));

    // As at the backup: the two sales, the old prices; the API's connections see the new tables.
    expect(await receipts()).toEqual(before.sort());
    const prices = await world.sql.query<{ amount: string }>(
      `select amount from "${world.schema}".price order by amount`,
    );
    expect(prices.rows.map((row) => Number(row.amount))).toEqual([200, 333, 350]);
    const next = await sell('PEN', 333);
    expect(next).toMatch(/-000003$/);
    // The tenant's own role may use the restored tables; the schema as it was is kept aside.
    const grants = await world.sql.query<{ sale: boolean; stock: boolean }>(
      `select has_table_privilege($1, $2, 'insert') as sale, has_table_privilege($1, $3, 'update') as stock`,
      [world.schema, `"${world.schema}".sale`, `"${world.schema}".stock_level`],
    );
    expect(grants.rows[0]).toEqual({ sale: true, stock: true });
    const aside = await world.sql.query<{ n: number }>(
      `select count(*)::int as n from "${restored.replacedBy}".sale`,
    );
    expect(aside.rows[0]!.n).toBe(3);
  });

  it('refuses a file that is not a backup of this tenant, and changes nothing', async () => {
    const other = join(dir, 'not-a-backup.dump');
    await import('node:fs/promises').then(({ writeFile }) => writeFile(other, 'not a dump'));
    await expect(
      restoreTenantSchema({
        admin: world.sql,
        databaseUrl: world.db.url,
        schema: world.schema,
        file: other,
        pgRestore: inject('pgRestorePath'),
      }),
    ).rejects.toThrow(/is not a backup of/);
    expect(await receipts()).toHaveLength(3);
  });

  it('keeps the newest backups and lists them newest first', async () => {
    for (let day = 1; day <= 3; day += 1) {
      const made = await backupTenantSchema({
        admin: world.sql,
        databaseUrl: world.db.url,
        schema: world.schema,
        dir,
        now: new Date(Date.UTC(2026, 11, day)),
        ...tools(),
      });
      const at = new Date(Date.UTC(2026, 11, day));
      await utimes(made.file, at, at);
    }
    const listed = await listBackups(dir, world.schema);
    expect(listed.length).toBe(4);
    const removed = await pruneBackups(dir, world.schema, 2);
    expect(removed).toHaveLength(2);
    const kept = await listBackups(dir, world.schema);
    expect(kept).toHaveLength(2);
    // The backup made today (the first test's) and the one of 3 December.
    expect(kept[1]!.file).toContain('2026-12-03');
  });

  it('restores from the copy in object storage when the dump on disk is gone', async () => {
    const s3 = await startS3({ dir: join(dir, 's3'), buckets: ['backups'] });
    const bucket = openBackupBucket(
      { url: 's3://backups/cloudpos/', endpoint: s3.url, region: s3.region },
      s3.credentials,
    );
    try {
      const atBackup = await receipts();
      const made = await backupTenantSchema({
        admin: world.sql,
        databaseUrl: world.db.url,
        schema: world.schema,
        dir,
        ...tools(),
      });
      const copied = await copyBackupToBucket(bucket, made.file);
      expect(copied).toBe(`s3://backups/cloudpos/${basename(made.file)}`);
      // The object is really on the server's disk, byte for byte.
      expect(await readFile(join(s3.dataDir, 'backups', 'cloudpos', basename(made.file)))).toEqual(
        await readFile(made.file),
      );
      await rm(made.file);
      await sell('MUG', 350);

      const [newest] = await listBucketBackups(bucket, world.schema);
      expect(newest?.key).toBe(`cloudpos/${basename(made.file)}`);
      const fetched = await fetchBackupFromBucket(bucket, newest!.key, join(dir, 'fetched'));
      await restoreTenantSchema({
        admin: world.sql,
        databaseUrl: world.db.url,
        schema: world.schema,
        file: fetched,
        pgRestore: inject('pgRestorePath'),
      });
      expect(await receipts()).toEqual(atBackup);

      // Retention applies to the copies too; a bucket that does not exist is named in the error.
      expect(await pruneBucketBackups(bucket, world.schema, 1)).toEqual([]);
      const missing = openBackupBucket(
        { url: 's3://no-such-bucket', endpoint: s3.url, region: s3.region },
        s3.credentials,
      );
      await expect(copyBackupToBucket(missing, fetched)).rejects.toThrow(
        /to s3:\/\/no-such-bucket\/\S+ failed: NoSuchBucket: the bucket does not exist/,
      );
    } finally {
      bucket.destroy();
      await s3.stop();
    }
  });

  it('refuses a backup taken by a newer version of CloudPOS, and changes nothing', async () => {
    const known = tenantMigrations.map((migration) => migration.name);
    const table = `"${world.schema}".mikro_orm_migrations`;
    await world.sql.query(
      `insert into ${table} (name, executed_at) values ('Migration20991231000000_from_the_future', now())`,
    );
    const newer = await backupTenantSchema({
      admin: world.sql,
      databaseUrl: world.db.url,
      schema: world.schema,
      dir,
      ...tools(),
    });
    await world.sql.query(`delete from ${table} where name = 'Migration20991231000000_from_the_future'`);
    const before = await receipts();
    const restore = (file: string) =>
      restoreTenantSchema({
        admin: world.sql,
        databaseUrl: world.db.url,
        schema: world.schema,
        file,
        pgRestore: inject('pgRestorePath'),
        knownMigrations: known,
      });
    await expect(restore(newer.file)).rejects.toThrow(
      /taken by a newer version of CloudPOS \(its schema has migration Migration20991231000000_from_the_future, unknown here\); nothing was changed/,
    );
    expect(await receipts()).toEqual(before);
    const schemas = await world.sql.query(`select 1 from pg_namespace where nspname like $1`, [
      `${world.schema}_replaced_%`,
    ]);
    const asideBefore = schemas.rowCount;

    // A backup of this version passes the same check.
    const current = await backupTenantSchema({
      admin: world.sql,
      databaseUrl: world.db.url,
      schema: world.schema,
      dir,
      ...tools(),
    });
    expect((await restore(current.file)).tables).toContain('sale');
    expect(await receipts()).toEqual(before);
    const after = await world.sql.query(`select 1 from pg_namespace where nspname like $1`, [
      `${world.schema}_replaced_%`,
    ]);
    expect(after.rowCount).toBe((asideBefore ?? 0) + 1);
  });

  it('restores beside the live data into a new schema only administrators read, while the tenant sells on', async () => {
    const backup = await backupTenantSchema({
      admin: world.sql,
      databaseUrl: world.db.url,
      schema: world.schema,
      dir,
      ...tools(),
    });
    const live = await receipts();
    await sell('MUG', 350);
    const beside = await restoreBesideTenantSchema({
      admin: world.sql,
      databaseUrl: world.db.url,
      schema: world.schema,
      file: backup.file,
      ...tools(),
      knownMigrations: tenantMigrations.map((migration) => migration.name),
    });
    expect(beside.schema).toMatch(new RegExp(`^${world.schema}_restored_\\d{17}$`));
    expect(beside.tables).toEqual(backup.tables);
    // The new schema holds the sales of the backup; the live one has one more and sells on.
    const restoredSales = await world.sql.query<{ n: number }>(
      `select count(*)::int as n from "${beside.schema}".sale`,
    );
    expect(restoredSales.rows[0]!.n).toBe(live.length);
    expect(await receipts()).toHaveLength(live.length + 1);
    await sell('PEN', 333);
    // Not the tenant's to read, and no scratch database is left behind.
    const grants = await world.sql.query<{ usage: boolean }>(
      `select has_schema_privilege($1, $2, 'usage') as usage`,
      [world.schema, beside.schema],
    );
    expect(grants.rows[0]!.usage).toBe(false);
    const scratch = await world.sql.query(
      `select 1 from pg_database where datname like 'cloudpos_restore_%'`,
    );
    expect(scratch.rowCount).toBe(0);
    // The same name again is refused, with nothing changed.
    await expect(
      restoreBesideTenantSchema({
        admin: world.sql,
        databaseUrl: world.db.url,
        schema: world.schema,
        file: backup.file,
        into: beside.schema,
        ...tools(),
      }),
    ).rejects.toThrow(/exists already; nothing was changed/);
  });
});
