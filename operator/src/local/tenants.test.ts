// Local mode against real PostgreSQL and NATS (operator mode), with no cluster: a Tenant manifest
// becomes a schema, a role, a NATS account and stream, with honest status; applying again changes
// nothing it does not have to; a plan change reaches the stream; deletion follows the policy.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantManifest } from '../specs/fixtures.ts';
import { tenantDataContext } from '../test-support.ts';
import { PLANS } from '../specs/plans.ts';
import {
  applyLocalTenant,
  backupDueLocalTenants,
  deleteLocalTenant,
  InvalidTenantError,
  listLocalTenants,
  type LocalTenantContext,
} from './tenants.ts';

let db: TestDatabase;
let ctx: LocalTenantContext;
let data: Awaited<ReturnType<typeof tenantDataContext>>;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'local_tenants');
  data = await tenantDataContext(db.url);
  ctx = {
    ...data,
    // Identities go beside this folder, in ../identities: give them a folder of their own.
    dir: join(await mkdtemp(join(tmpdir(), 'cloudpos-local-tenants-')), 'tenants'),
    urlOf: (slug) => `http://${slug}.localhost:8080`,
    now: () => new Date(),
  };
});

afterAll(async () => {
  await data?.close();
  await db?.drop();
  if (ctx) await rm(dirname(ctx.dir), { recursive: true, force: true });
});

const identityFile = (slug: string) => join(dirname(ctx.dir), 'identities', `${slug}.identity.json`);

const natsAs = async (slug: string) =>
  connect({
    servers: inject('natsOperatorUrl'),
    authenticator: credsAuthenticator(await readFile(join(ctx.dir, `${slug}.nats.creds`))),
  });

describe('local tenants', () => {
  it('provision a schema, a role, a NATS account and stream, and report Ready', async () => {
    const tenant = await applyLocalTenant(
      ctx,
      tenantManifest('local-shop', { plan: 'starter', stores: [{ code: 'MAIN', name: 'Main Street' }] }),
    );
    expect(tenant.status).toMatchObject({
      phase: 'Ready',
      observedGeneration: 1,
      url: 'http://local-shop.localhost:8080',
      schema: 'tenant_local_shop',
      database: { cluster: 'default' },
    });
    expect(tenant.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['DatabasePlaced', 'True', 'Placed'],
      ['DatabaseReady', 'True', 'Migrated'],
      ['MessagingReady', 'True', 'AccountReady'],
      ['Ready', 'True', 'AllComponentsReady'],
      ['WorkloadsReady', 'True', 'PooledLocally'],
    ]);
    // The CRD's defaults were applied, as the API server would.
    expect(tenant.spec).toMatchObject({ timezone: 'UTC', deletionPolicy: 'Retain', suspended: false });

    // Secrets are files only their owner can read.
    expect((await stat(identityFile('local-shop'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(ctx.dir, 'local-shop.nats.creds'))).mode & 0o777).toBe(0o600);
    // The folder services read (the worker's TENANTS_DIR) holds user credentials, never the
    // account seed that could mint more users.
    const { NATS_ACCOUNT_SEED: accountSeed } = JSON.parse(
      await readFile(identityFile('local-shop'), 'utf8'),
    ) as {
      NATS_ACCOUNT_SEED: string;
    };
    expect(accountSeed).toMatch(/^SA/);
    for (const file of await readdir(ctx.dir)) {
      expect(await readFile(join(ctx.dir, file), 'utf8'), file).not.toContain(accountSeed);
    }

    // The role works with the stored password and sees its own schema.
    const identity = JSON.parse(await readFile(identityFile('local-shop'), 'utf8')) as {
      DATABASE_PASSWORD: string;
    };
    const url = new URL(db.url);
    url.username = 'tenant_local_shop';
    url.password = identity.DATABASE_PASSWORD;
    const asTenant = new pg.Client({ connectionString: url.toString() });
    await asTenant.connect();
    // What the pooled POS API reads about the tenant.
    expect((await asTenant.query(`select value from setting where key = 'tenant.profile'`)).rows).toEqual([
      {
        value: {
          displayName: 'Shop local-shop',
          currency: 'EUR',
          timezone: 'UTC',
          locale: 'en-US',
          readOnly: false,
        },
      },
    ]);
    // The stores the manifest names are there.
    expect((await asTenant.query('select code, name, timezone, currency from store')).rows).toEqual([
      { code: 'MAIN', name: 'Main Street', timezone: 'UTC', currency: 'EUR' },
    ]);
    await asTenant.end();

    const nc = await natsAs('local-shop');
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('EVENTS')).config.max_bytes).toBe(PLANS.starter.stream.maxBytes);
    await nc.close();
  });

  it('keep their identity and credentials when applied again, and follow a plan change', async () => {
    const before = {
      identity: await readFile(identityFile('local-shop'), 'utf8'),
      creds: await readFile(join(ctx.dir, 'local-shop.nats.creds'), 'utf8'),
    };
    const stores = [{ code: 'MAIN', name: 'Main Street' }];
    const again = await applyLocalTenant(ctx, tenantManifest('local-shop', { plan: 'starter', stores }));
    expect(again.metadata.generation).toBe(1);
    expect(await readFile(identityFile('local-shop'), 'utf8')).toBe(before.identity);
    expect(await readFile(join(ctx.dir, 'local-shop.nats.creds'), 'utf8')).toBe(before.creds);

    const upgraded = await applyLocalTenant(ctx, tenantManifest('local-shop', { plan: 'growth', stores }));
    expect(upgraded.metadata.generation).toBe(2);
    expect(upgraded.status?.observedGeneration).toBe(2);
    const nc = await natsAs('local-shop');
    expect((await (await jetstreamManager(nc)).streams.info('EVENTS')).config.max_bytes).toBe(
      PLANS.growth.stream.maxBytes,
    );
    await nc.close();
    expect((await listLocalTenants(ctx)).map((tenant) => tenant.spec.slug)).toEqual(['local-shop']);
  });

  it('suspend: the tenant turns read-only for the pooled API, and back', async () => {
    const stores = [{ code: 'MAIN', name: 'Main Street' }];
    const profile = async () =>
      (
        await ctx.postgres.query<{ value: { readOnly: boolean } }>(
          `select value from tenant_local_shop.setting where key = 'tenant.profile'`,
        )
      ).rows[0]!.value.readOnly;
    const suspended = await applyLocalTenant(
      ctx,
      tenantManifest('local-shop', { plan: 'growth', stores, suspended: true }),
    );
    expect(suspended.status?.phase).toBe('Suspended');
    expect(await profile()).toBe(true);
    const resumed = await applyLocalTenant(ctx, tenantManifest('local-shop', { plan: 'growth', stores }));
    expect(resumed.status?.phase).toBe('Ready');
    expect(await profile()).toBe(false);
  });

  it('reject a manifest that does not fit the CRD, saying what is wrong, and store nothing', async () => {
    const bad = tenantManifest('bad-shop', { plan: 'platinum' as 'scale', currency: 'euro' as 'EUR' });
    await expect(applyLocalTenant(ctx, bad)).rejects.toThrow(InvalidTenantError);
    await expect(applyLocalTenant(ctx, bad)).rejects.toThrow(/\/spec\/plan must be equal to one of/);
    await expect(applyLocalTenant(ctx, bad)).rejects.toThrow(/\/spec\/currency must be equal to one of/);
    const misnamed = { ...tenantManifest('good-shop'), metadata: { name: 'other' } };
    await expect(applyLocalTenant(ctx, misnamed)).rejects.toThrow(/metadata.name must equal spec.slug/);
    expect((await listLocalTenants(ctx)).map((tenant) => tenant.spec.slug)).toEqual(['local-shop']);
  });

  it('are deleted by their policy: Delete drops the schema, role and account', async () => {
    await applyLocalTenant(ctx, tenantManifest('local-gone', { deletionPolicy: 'Delete' }));
    const events = await deleteLocalTenant(ctx, 'local-gone');
    expect(events.map((event) => event.reason)).toEqual(['DataDeleted']);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const left = await admin.query(
      `select (select count(*) from pg_namespace where nspname = 'tenant_local_gone')::int as schemas,
              (select count(*) from pg_roles where rolname = 'tenant_local_gone')::int as roles`,
    );
    await admin.end();
    expect(left.rows[0]).toEqual({ schemas: 0, roles: 0 });
    expect((await listLocalTenants(ctx)).map((tenant) => tenant.spec.slug)).toEqual(['local-shop']);
  });

  it('take their scheduled backups when due, keep the newest, and keep the status through an apply', async () => {
    const clock = { now: new Date() };
    const backupDir = join(dirname(ctx.dir), 'backups');
    const scheduled: LocalTenantContext = { ...ctx, backupDir, now: () => clock.now };
    const manifest = tenantManifest('local-safe', { backup: { intervalHours: 1, keep: 2 } });
    await applyLocalTenant(scheduled, manifest);
    const backedUp = async () => (await listLocalTenants(ctx)).find((t) => t.spec.slug === 'local-safe')!;
    const taken = async () =>
      (await backupDueLocalTenants(scheduled)).filter((entry) => entry.slug === 'local-safe');

    expect((await taken()).map((entry) => entry.events[0]?.reason)).toEqual(['BackupCompleted']);
    const first = await backedUp();
    expect(first.status?.lastBackup).toMatchObject({ time: clock.now.toISOString() });
    expect(first.status?.conditions?.find((c) => c.type === 'BackedUp')).toMatchObject({
      status: 'True',
      reason: 'Completed',
    });
    expect(await taken()).toEqual([]); // not due again for an hour

    // An apply (here: unchanged) keeps what the backups wrote.
    await applyLocalTenant(scheduled, manifest);
    expect((await backedUp()).status?.lastBackup).toEqual(first.status?.lastBackup);

    for (const step of [1, 2]) {
      clock.now = new Date(clock.now.getTime() + step * 3_600_000);
      expect(await taken()).toHaveLength(1);
    }
    const files = (await readdir(backupDir)).filter((name) => name.startsWith('tenant_local_safe-'));
    expect(files.sort()).toHaveLength(2);
    expect(files.sort().at(-1)).toBe((await backedUp()).status?.lastBackup?.file);
  });
});
