// The reconciler end to end: a Tenant applied to a real API server becomes a namespace with its
// workloads (Ready through kwok), a PostgreSQL schema and role, and a NATS account, with honest
// status; a second pass writes nothing; suspension and plan changes follow.
import { Redis } from 'ioredis';
import { createTestDatabase, startS3, type TestDatabase } from '@cloudpos/harness';
import { portalTokenKey, portalTokenSigner, portalTokenVerifier } from '@cloudpos/pos-api';
import { randomUUID } from 'node:crypto';
import type {} from '@cloudpos/harness/vitest/provided';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../generated/tenant.ts';
import { tenantManifest, testConfigFor } from '../specs/fixtures.ts';
import {
  applyTenant as applyManifest,
  installTenantCrd,
  kubectl,
  readSecretData,
  readTenantObject,
  tenantDataContext,
  testRedisAdmin,
  useTenantCredentials,
} from '../test-support.ts';
import { listBucketBackups, openBackupBucket } from '../provision/backup-bucket.ts';
import { IDENTITY_SECRET, reconcileTenant, type ReconcileContext } from './reconcile.ts';

let db: TestDatabase;
let ctx: ReconcileContext;
/** The test's own typed clients, for reading what the reconcile made. */
let core: CoreV1Api;
let apps: AppsV1Api;
let data: Awaited<ReturnType<typeof tenantDataContext>>;

beforeAll(async () => {
  await installTenantCrd();
  db = await createTestDatabase(inject('postgresUrl'), 'reconcile');
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  data = await tenantDataContext(db.url);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  ctx = {
    ...data,
    redis: testRedisAdmin(),
    config: {
      ...testConfigFor(db.url),
      mailFrom: 'Receipts <receipts@pos.example.com>',
      egress: { ...testConfigFor(db.url).egress, smtp: { name: 'smtp', port: 587, cidr: '192.0.2.25/32' } },
    },
    objects: KubernetesObjectApi.makeApiClient(kc),
    custom: kc.makeApiClient(CustomObjectsApi),
    now: () => new Date(),
    portalTokenSecret: PORTAL_TOKEN_SECRET,
    smtpUrl: SMTP_URL,
  };
});

/** The platform's SMTP relay (the operator's SMTP_URL), which tenant workers send receipts through. */
const SMTP_URL = 'smtp://relay:not-a-real-smtp-password@smtp.example.com:587';

/** The platform's portal-token secret, which the portal signs with (ADR 0015). */
const PORTAL_TOKEN_SECRET = 'portal-token-secret-of-the-test-platform-0123';

afterAll(async () => {
  await data?.close();
  await db?.drop();
});

const applyTenant = (slug: string, spec: Partial<Tenant['spec']>) =>
  applyManifest(tenantManifest(slug, spec));

/** What the work queue does: reconcile again while the result asks for it. */
async function reconcileUntilSettled(name: string, attempts = 40) {
  let last;
  for (let attempt = 0; attempt < attempts; attempt++) {
    last = await reconcileTenant(ctx, name);
    if (last.requeueAfterMs === undefined) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`tenant ${name} did not settle: ${JSON.stringify(last?.status?.conditions)}`);
}

const eventReasons = async (name: string) =>
  (
    await kubectl([
      'get',
      'events',
      '-n',
      'default',
      '--field-selector',
      `involvedObject.kind=Tenant,involvedObject.name=${name}`,
      '-o',
      'jsonpath={range .items[*]}{.type}/{.reason} {end}',
    ])
  ).stdout
    .trim()
    .split(' ');

const readTenant = (name: string) => readTenantObject(ctx.custom, name);

/** The API client, recording every call of a write method (create, patch, replace, delete). */
function recordingWrites<T extends object>(api: T, label: string, writes: string[]): T {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        if (typeof property === 'string' && /^(create|patch|replace|delete)/.test(property))
          writes.push(`${label}.${property}`);
        return method.apply(target, args);
      };
    },
  });
}

describe('reconciling a Tenant', () => {
  it('provisions database, messaging and workloads, and reports Ready with its URL', async () => {
    await applyTenant('recon-shop', { plan: 'starter' });
    await reconcileUntilSettled('recon-shop');
    const tenant = await readTenant('recon-shop');
    expect(tenant.status).toMatchObject({
      phase: 'Ready',
      observedGeneration: tenant.metadata.generation,
      url: 'https://recon-shop.pos.example.com',
      schema: 'tenant_recon_shop',
      namespace: 'tenant-recon-shop',
      database: { cluster: 'default' },
    });
    expect(tenant.status?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['BackedUp', 'False'], // this operator has no backupDir: see 'scheduled backups'
      ['DatabasePlaced', 'True'], // on the one cluster, `default` (placement.test.ts has two)
      ['DatabaseReady', 'True'],
      ['MessagingReady', 'True'],
      ['Ready', 'True'],
      ['WorkloadsReady', 'True'],
    ]);
    // `kubectl describe tenant` tells the story through Events.
    expect(await eventReasons('recon-shop')).toEqual(
      expect.arrayContaining([
        'Normal/Migrated',
        'Normal/AccountReady',
        'Normal/Available',
        'Normal/AllComponentsReady',
      ]),
    );
    const listed = await kubectl(['get', 'tenant', 'recon-shop', '--no-headers']);
    expect(listed.stdout).toMatch(
      /recon-shop\s+starter\s+Ready\s+True\s+https:\/\/recon-shop\.pos\.example\.com/,
    );

    // The credentials the workloads get really work: the database role and the NATS user.
    const credentials = (await readSecretData('tenant-recon-shop', 'tenant-credentials'))!;
    expect(
      await useTenantCredentials({
        databaseUrl: credentials.DATABASE_URL!,
        natsCreds: credentials['nats.creds']!,
      }),
    ).toEqual({ stores: 0, stream: 'EVENTS' });
    // …and the tenant's own Redis user (the Secret names the cluster's Redis; the test's is here).
    const tenantRedis = new URL(credentials.REDIS_URL!);
    expect(tenantRedis.username).toBe('tenant-recon-shop');
    expect(await pingRedisAs(tenantRedis.username, decodeURIComponent(tenantRedis.password))).toBe('PONG');
    // …and its own portal-token key: what the portal signs for this tenant verifies with it, and
    // the key is not the platform secret nor another tenant's.
    const key = credentials.PORTAL_TOKEN_KEY!;
    expect(key).toBe(portalTokenKey(PORTAL_TOKEN_SECRET, 'recon-shop'));
    expect(key).not.toBe(portalTokenKey(PORTAL_TOKEN_SECRET, 'recon-other'));
    expect(Object.values(credentials).join()).not.toContain(PORTAL_TOKEN_SECRET);
    const token = await portalTokenSigner({ platformSecret: PORTAL_TOKEN_SECRET })({
      tenant: 'recon-shop',
      portalUserId: randomUUID(),
      role: 'manager',
    });
    const verifier = portalTokenVerifier({ tenantKey: { tenant: 'recon-shop', key } });
    expect(await verifier.verify(token, 'recon-shop', new Date())).toMatchObject({
      kind: 'portal',
      role: 'manager',
    });
  });

  it('lets the worker send receipt e-mails: SMTP_URL in the tenant’s Secret, the sender, and egress to the relay', async () => {
    const credentials = (await readSecretData('tenant-recon-shop', 'tenant-credentials'))!;
    expect(credentials.SMTP_URL).toBe(SMTP_URL);
    const env = async (name: string) =>
      (await apps.readNamespacedDeployment({ name, namespace: 'tenant-recon-shop' })).spec?.template.spec
        ?.containers[0]?.env ?? [];
    expect((await env('worker')).filter((variable) => /^(SMTP_URL|MAIL_FROM)$/.test(variable.name))).toEqual([
      { name: 'SMTP_URL', valueFrom: { secretKeyRef: { name: 'tenant-credentials', key: 'SMTP_URL' } } },
      { name: 'MAIL_FROM', value: 'Receipts <receipts@pos.example.com>' },
    ]);
    expect((await env('pos-api')).map((variable) => variable.name)).not.toContain('SMTP_URL');
    const policy = await kubectl([
      'get',
      'networkpolicy',
      'allow-egress',
      '-n',
      'tenant-recon-shop',
      '-o',
      'jsonpath={.spec.egress[*].to[*].ipBlock.cidr}',
    ]);
    expect(policy.stdout.split(' ')).toContain('192.0.2.25/32');
  });

  it('writes nothing on a second pass when nothing changed', async () => {
    const before = await readTenant('recon-shop');
    const identityBefore = await core.readNamespacedSecret({
      name: IDENTITY_SECRET,
      namespace: 'tenant-recon-shop',
    });
    const writes: string[] = [];
    await reconcileTenant(
      {
        ...ctx,
        objects: recordingWrites(ctx.objects, 'objects', writes),
        custom: recordingWrites(ctx.custom, 'custom', writes),
      },
      'recon-shop',
    );
    // Not a single write request, not even a no-op apply (SMTP settings included: ctx.smtpUrl).
    expect(writes).toEqual([]);
    const after = await readTenant('recon-shop');
    const identityAfter = await core.readNamespacedSecret({
      name: IDENTITY_SECRET,
      namespace: 'tenant-recon-shop',
    });
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(identityAfter.metadata?.resourceVersion).toBe(identityBefore.metadata?.resourceVersion);
  });

  it('suspends: workloads scale to zero, the tenant turns read-only, and resumes', async () => {
    await applyTenant('recon-shop', { plan: 'starter', suspended: true });
    await reconcileUntilSettled('recon-shop');
    const suspended = await readTenant('recon-shop');
    expect(suspended.status?.phase).toBe('Suspended');
    const api = await apps.readNamespacedDeployment({ name: 'pos-api', namespace: 'tenant-recon-shop' });
    expect(api.spec?.replicas).toBe(0);
    const settings = await core.readNamespacedConfigMap({
      name: 'tenant-settings',
      namespace: 'tenant-recon-shop',
    });
    expect(settings.data?.TENANT_READ_ONLY).toBe('true');

    await applyTenant('recon-shop', { plan: 'starter', suspended: false });
    await reconcileUntilSettled('recon-shop');
    expect((await readTenant('recon-shop')).status?.phase).toBe('Ready');
  });

  it('follows a plan change: quota, replicas, autoscaler and stream limits', async () => {
    await applyTenant('recon-shop', { plan: 'growth' });
    await reconcileUntilSettled('recon-shop');
    const quota = await core.readNamespacedResourceQuota({
      name: 'tenant-quota',
      namespace: 'tenant-recon-shop',
    });
    expect(quota.spec?.hard?.['requests.cpu']).toBe('8');
    const api = await apps.readNamespacedDeployment({ name: 'pos-api', namespace: 'tenant-recon-shop' });
    expect(api.status?.readyReplicas).toBe(2);
    const hpa = await kubectl([
      'get',
      'hpa',
      'pos-api',
      '-n',
      'tenant-recon-shop',
      '-o',
      'jsonpath={.spec.maxReplicas}',
    ]);
    expect(hpa.stdout).toBe('6');

    // Downgrading: the quota shrinks only after the smaller pods rolled out (else the rollout deadlocks).
    await applyTenant('recon-shop', { plan: 'starter' });
    await reconcileUntilSettled('recon-shop');
    const gone = await kubectl(['get', 'hpa', 'pos-api', '-n', 'tenant-recon-shop']);
    expect(gone.stderr).toContain('NotFound');
    const shrunk = await core.readNamespacedResourceQuota({
      name: 'tenant-quota',
      namespace: 'tenant-recon-shop',
    });
    expect(shrunk.spec?.hard?.['requests.cpu']).toBe('2');
    expect((await readTenant('recon-shop')).status?.phase).toBe('Ready');
  });

  it('corrects drift: an edited or deleted owned object comes back', async () => {
    await kubectl(['-n', 'tenant-recon-shop', 'delete', 'networkpolicy', 'default-deny']);
    await kubectl(['-n', 'tenant-recon-shop', 'scale', 'deployment', 'pos-api', '--replicas=5']);
    await reconcileUntilSettled('recon-shop');
    const policy = await kubectl([
      '-n',
      'tenant-recon-shop',
      'get',
      'networkpolicy',
      'default-deny',
      '-o',
      'name',
    ]);
    expect(policy.stdout.trim()).toBe('networkpolicy.networking.k8s.io/default-deny');
    const api = await apps.readNamespacedDeployment({ name: 'pos-api', namespace: 'tenant-recon-shop' });
    expect(api.spec?.replicas).toBe(1);
  });
});

const schemaAndRole = async (schema: string) =>
  (
    await ctx.postgres.query<{ schemas: number; roles: number }>(
      `select (select count(*) from pg_namespace where nspname = $1)::int as schemas,
              (select count(*) from pg_roles where rolname = $1)::int as roles`,
      [schema],
    )
  ).rows[0];

describe('deleting a Tenant', () => {
  const gone = async (name: string) => (await kubectl(['get', 'tenant', name])).stderr.includes('NotFound');

  it('with Delete drops the schema, the role and the NATS account, then lets the Tenant go', async () => {
    await applyTenant('delete-shop', { deletionPolicy: 'Delete' });
    await reconcileUntilSettled('delete-shop');
    expect((await readTenant('delete-shop')).metadata.finalizers).toEqual(['cloudpos.io/cleanup']);
    const secret = await core.readNamespacedSecret({
      name: 'tenant-credentials',
      namespace: 'tenant-delete-shop',
    });
    const creds = Buffer.from(secret.data!['nats.creds']!, 'base64').toString('utf8');

    await kubectl(['delete', 'tenant', 'delete-shop', '--wait=false']);
    await reconcileTenant(ctx, 'delete-shop');
    expect(await gone('delete-shop')).toBe(true);
    expect(await schemaAndRole('tenant_delete_shop')).toEqual({ schemas: 0, roles: 0 });
    expect(await eventReasons('delete-shop')).toContain('Normal/DataDeleted');
    expect(await eventReasons('delete-shop')).toContain('Normal/RedisUserDeleted');
    const admin = new Redis(inject('redisUrl'));
    expect(await admin.call('ACL', 'GETUSER', 'tenant-delete-shop')).toBeNull();
    admin.disconnect();
    await expect(
      connect({
        servers: inject('natsOperatorUrl'),
        authenticator: credsAuthenticator(new TextEncoder().encode(creds)),
      }),
    ).rejects.toThrow(/Authorization Violation/i);
  });

  it('with Retain keeps the data', async () => {
    await applyTenant('retain-shop', { deletionPolicy: 'Retain' });
    await reconcileUntilSettled('retain-shop');
    await kubectl(['delete', 'tenant', 'retain-shop', '--wait=false']);
    await reconcileTenant(ctx, 'retain-shop');
    expect(await gone('retain-shop')).toBe(true);
    expect(await schemaAndRole('tenant_retain_shop')).toEqual({ schemas: 1, roles: 1 });
  });

  it('with BackupThenDelete on the PostgreSQL 18 server dumps the schema, verifies it, then drops the data', async () => {
    const backupDir = await mkdtemp(join(tmpdir(), 'cloudpos-reconcile-backups-'));
    // The harness exports PG_DUMP/PG_RESTORE (pg_dump 18 from ensure-tools), as `npm run operator` does.
    const withBackups: ReconcileContext = { ...ctx, config: { ...ctx.config, backupDir } };
    try {
      await applyTenant('dump-shop', { deletionPolicy: 'BackupThenDelete' });
      await reconcileUntilSettled('dump-shop');
      await kubectl(['delete', 'tenant', 'dump-shop', '--wait=false']);
      await reconcileTenant(withBackups, 'dump-shop');

      expect(await gone('dump-shop')).toBe(true);
      expect(await schemaAndRole('tenant_dump_shop')).toEqual({ schemas: 0, roles: 0 });
      expect(await eventReasons('dump-shop')).toEqual(
        expect.arrayContaining(['Normal/BackupCompleted', 'Normal/DataDeleted']),
      );
      const [dump] = await readdir(backupDir);
      expect(dump).toMatch(/^tenant_dump_shop-.*\.dump$/);
      const listed = await promisify(execFile)(inject('pgRestorePath'), ['--list', join(backupDir, dump!)]);
      expect(listed.stdout).toContain('TABLE tenant_dump_shop store');
      expect(existsSync(join(backupDir, `${dump!}.partial`))).toBe(false);
    } finally {
      await rm(backupDir, { recursive: true, force: true });
    }
  });

  it('with BackupThenDelete drops nothing while the backup cannot be made, and says why', async () => {
    await applyTenant('backup-shop', { deletionPolicy: 'BackupThenDelete' });
    await reconcileUntilSettled('backup-shop');
    await kubectl(['delete', 'tenant', 'backup-shop', '--wait=false']);
    await reconcileTenant(ctx, 'backup-shop'); // this operator has no backupDir configured
    const blocked = await readTenant('backup-shop');
    expect(blocked.status?.phase).toBe('Deleting');
    const ready = blocked.status?.conditions?.find((condition) => condition.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'DeletionBlocked' });
    expect(ready?.message).toContain('no backupDir is configured');
    expect(await eventReasons('backup-shop')).toContain('Warning/DeletionBlocked');
    expect(await schemaAndRole('tenant_backup_shop')).toEqual({ schemas: 1, roles: 1 });

    // The platform operator decides: change the policy, and deletion proceeds.
    await kubectl([
      'patch',
      'tenant',
      'backup-shop',
      '--type=merge',
      '-p',
      '{"spec":{"deletionPolicy":"Delete"}}',
    ]);
    await reconcileTenant(ctx, 'backup-shop');
    expect(await gone('backup-shop')).toBe(true);
    expect(await schemaAndRole('tenant_backup_shop')).toEqual({ schemas: 0, roles: 0 });
  });
});

describe('scheduled backups', () => {
  const HOUR = 3_600_000;
  const scheduledContext = (backupDir: string, clock: { now: Date }): ReconcileContext => ({
    ...ctx,
    config: { ...ctx.config, backupDir },
    now: () => clock.now,
  });
  const backedUp = (tenant: Tenant) =>
    tenant.status?.conditions?.find((condition) => condition.type === 'BackedUp');

  it('takes a verified backup when one is due, keeps the newest `keep`, and comes back for the next one', async () => {
    const backupDir = await mkdtemp(join(tmpdir(), 'cloudpos-scheduled-backups-'));
    const clock = { now: new Date() };
    const scheduled = scheduledContext(backupDir, clock);
    try {
      await applyTenant('sched-shop', { backup: { intervalHours: 1, keep: 2 } });
      await reconcileUntilSettled('sched-shop');

      const first = await reconcileTenant(scheduled, 'sched-shop');
      expect(first.requeueAfterMs).toBe(HOUR);
      let tenant = await readTenant('sched-shop');
      expect(tenant.status?.phase).toBe('Ready');
      expect(tenant.status?.lastBackup).toMatchObject({ time: clock.now.toISOString() });
      expect(tenant.status?.lastBackup?.tables).toBeGreaterThan(10);
      expect(tenant.status?.lastBackup?.bytes).toBeGreaterThan(1000);
      expect(backedUp(tenant)).toMatchObject({ status: 'True', reason: 'Completed' });
      expect(await readdir(backupDir)).toEqual([tenant.status?.lastBackup?.file]);
      const listed = await promisify(execFile)(inject('pgRestorePath'), [
        '--list',
        join(backupDir, tenant.status!.lastBackup!.file),
      ]);
      expect(listed.stdout).toContain('TABLE tenant_sched_shop sale ');

      // Not due yet: no dump, no status write, and the queue is told when to come back.
      clock.now = new Date(clock.now.getTime() + HOUR / 2);
      const early = await reconcileTenant(scheduled, 'sched-shop');
      expect(early.requeueAfterMs).toBe(HOUR / 2);
      expect((await readTenant('sched-shop')).metadata.resourceVersion).toBe(tenant.metadata.resourceVersion);
      expect(await readdir(backupDir)).toHaveLength(1);

      for (const hours of [1, 2]) {
        clock.now = new Date(clock.now.getTime() + hours * HOUR);
        await reconcileTenant(scheduled, 'sched-shop');
      }
      tenant = await readTenant('sched-shop');
      const files = (await readdir(backupDir)).sort();
      expect(files).toHaveLength(2);
      expect(files.at(-1)).toBe(tenant.status?.lastBackup?.file);
      expect(tenant.status?.lastBackup?.time).toBe(clock.now.toISOString());
      expect(
        (await eventReasons('sched-shop')).filter((reason) => reason === 'Normal/BackupCompleted'),
      ).toHaveLength(3);
    } finally {
      await rm(backupDir, { recursive: true, force: true });
    }
  });

  it('reports a backup target that cannot be written as BackedUp=False, stays Ready and retries', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'cloudpos-scheduled-backups-'));
    await writeFile(join(parent, 'not-a-directory'), '');
    const clock = { now: new Date() };
    try {
      await applyTenant('unwritable-shop', { backup: { intervalHours: 24, keep: 3 } });
      await reconcileUntilSettled('unwritable-shop');
      const result = await reconcileTenant(
        scheduledContext(join(parent, 'not-a-directory', 'backups'), clock),
        'unwritable-shop',
      );
      expect(result.requeueAfterMs).toBe(15 * 60_000);
      const tenant = await readTenant('unwritable-shop');
      expect(tenant.status?.phase).toBe('Ready');
      expect(tenant.status?.lastBackup).toBeUndefined();
      expect(backedUp(tenant)).toMatchObject({ status: 'False', reason: 'BackupFailed' });
      expect(backedUp(tenant)?.message).toMatch(/scheduled backup of tenant_unwritable_shop failed.*ENOTDIR/);
      expect(await eventReasons('unwritable-shop')).toContain('Warning/BackupFailed');
      expect(await schemaAndRole('tenant_unwritable_shop')).toEqual({ schemas: 1, roles: 1 });
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('copies each backup to object storage, pruned with the same retention, and says when it cannot', async () => {
    const backupDir = await mkdtemp(join(tmpdir(), 'cloudpos-scheduled-backups-'));
    const s3 = await startS3({ dir: join(backupDir, 's3'), buckets: ['tenant-backups'] });
    const bucketAt = (url: string) =>
      openBackupBucket({ url, endpoint: s3.url, region: s3.region }, s3.credentials);
    const clock = { now: new Date() };
    const bucket = bucketAt('s3://tenant-backups/cluster-a');
    const copying: ReconcileContext = { ...scheduledContext(backupDir, clock), bucket };
    try {
      await applyTenant('copied-shop', { backup: { intervalHours: 1, keep: 2 } });
      await reconcileUntilSettled('copied-shop');
      for (let backup = 0; backup < 3; backup++) {
        await reconcileTenant(copying, 'copied-shop');
        clock.now = new Date(clock.now.getTime() + HOUR);
      }
      const tenant = await readTenant('copied-shop');
      const last = tenant.status!.lastBackup!;
      expect(last.copiedTo).toBe(`s3://tenant-backups/cluster-a/${last.file}`);
      const copies = await listBucketBackups(bucket, 'tenant_copied_shop');
      expect(copies.map((copy) => copy.key.replace('cluster-a/', '')).sort()).toEqual(
        (await readdir(backupDir)).filter((name) => name.endsWith('.dump')).sort(),
      );
      expect(copies).toHaveLength(2);
      expect(backedUp(tenant)).toMatchObject({ status: 'True', reason: 'Completed' });

      // The bucket goes away: the dump is still made and kept, the condition says what failed.
      const broken: ReconcileContext = { ...copying, bucket: bucketAt('s3://gone-bucket') };
      await reconcileTenant(broken, 'copied-shop');
      const failed = await readTenant('copied-shop');
      expect(failed.status?.phase).toBe('Ready');
      expect(failed.status?.lastBackup?.time).toBe(clock.now.toISOString());
      expect(failed.status?.lastBackup?.copiedTo).toBeUndefined();
      expect(backedUp(failed)).toMatchObject({ status: 'False', reason: 'CopyFailed' });
      expect(backedUp(failed)?.message).toContain('s3://gone-bucket/');
      expect(backedUp(failed)?.message).toContain('NoSuchBucket');
      expect(await eventReasons('copied-shop')).toContain('Warning/BackupCopyFailed');
      // Until the next backup is due, the condition keeps saying so.
      clock.now = new Date(clock.now.getTime() + HOUR / 4);
      await reconcileTenant(broken, 'copied-shop');
      expect(backedUp(await readTenant('copied-shop'))).toMatchObject({ reason: 'CopyFailed' });
    } finally {
      bucket.destroy();
      await s3.stop();
      await rm(backupDir, { recursive: true, force: true });
    }
  });

  it('restores the backup a cloudpos.io/restore-from annotation names, once, and refuses a path', async () => {
    const backupDir = await mkdtemp(join(tmpdir(), 'cloudpos-scheduled-backups-'));
    const scheduled = scheduledContext(backupDir, { now: new Date() });
    const storeName = async () =>
      (await ctx.postgres.query<{ name: string }>(`select name from "tenant_restore_shop".store`)).rows[0]
        ?.name;
    const annotation = async () =>
      (await readTenant('restore-shop')).metadata.annotations?.['cloudpos.io/restore-from'];
    try {
      await applyTenant('restore-shop', { stores: [{ code: 'MAIN', name: 'Main Street' }] });
      await reconcileUntilSettled('restore-shop');
      await reconcileTenant(scheduled, 'restore-shop');
      const backup = (await readTenant('restore-shop')).status!.lastBackup!.file;
      await ctx.postgres.query(`update "tenant_restore_shop".store set name = 'Renamed'`);

      // Not a backup's name: refused, nothing touched, the annotation gone, an Event says why.
      await kubectl(['annotate', 'tenant', 'restore-shop', 'cloudpos.io/restore-from=../../etc/x.dump']);
      await reconcileTenant(scheduled, 'restore-shop');
      expect(await storeName()).toBe('Renamed');
      expect(await annotation()).toBeUndefined();
      expect(await eventReasons('restore-shop')).toContain('Warning/RestoreFailed');

      await kubectl(['annotate', 'tenant', 'restore-shop', `cloudpos.io/restore-from=${backup}`]);
      await reconcileTenant(scheduled, 'restore-shop');
      expect(await storeName()).toBe('Main Street');
      expect(await annotation()).toBeUndefined();
      expect(await eventReasons('restore-shop')).toContain('Normal/RestoreCompleted');
      expect((await readTenant('restore-shop')).status?.phase).toBe('Ready');

      // Done once: the next reconcile restores nothing.
      await ctx.postgres.query(`update "tenant_restore_shop".store set name = 'After'`);
      await reconcileTenant(scheduled, 'restore-shop');
      expect(await storeName()).toBe('After');

      // Beside the live data: a new schema gets the backup, the tenant keeps what it has.
      await kubectl([
        'annotate',
        'tenant',
        'restore-shop',
        `cloudpos.io/restore-from=${backup}`,
        'cloudpos.io/restore-into=restore_shop_past',
      ]);
      await reconcileTenant(scheduled, 'restore-shop');
      expect(await storeName()).toBe('After');
      const past = await ctx.postgres.query<{ name: string }>(`select name from restore_shop_past.store`);
      expect(past.rows.map((row) => row.name)).toEqual(['Main Street']);
      expect(
        (await readTenant('restore-shop')).metadata.annotations?.['cloudpos.io/restore-into'],
      ).toBeUndefined();
      await ctx.postgres.query('drop schema restore_shop_past cascade');
    } finally {
      await rm(backupDir, { recursive: true, force: true });
    }
  });

  it('takes none when spec.backup.intervalHours is 0', async () => {
    const backupDir = await mkdtemp(join(tmpdir(), 'cloudpos-scheduled-backups-'));
    try {
      await applyTenant('nobackup-shop', { backup: { intervalHours: 0 } });
      await reconcileUntilSettled('nobackup-shop');
      const result = await reconcileTenant(scheduledContext(backupDir, { now: new Date() }), 'nobackup-shop');
      expect(result.requeueAfterMs).toBeUndefined();
      expect(backedUp(await readTenant('nobackup-shop'))).toMatchObject({
        status: 'False',
        reason: 'NotScheduled',
      });
      expect(await readdir(backupDir)).toEqual([]);
    } finally {
      await rm(backupDir, { recursive: true, force: true });
    }
  });
});

async function pingRedisAs(username: string, password: string): Promise<string> {
  const server = new URL(inject('redisUrl'));
  const client = new Redis({
    host: server.hostname,
    port: Number(server.port),
    username,
    password,
    enableReadyCheck: false,
    disableClientInfo: true,
  });
  try {
    return await client.ping();
  } finally {
    client.disconnect();
  }
}
