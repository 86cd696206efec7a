// Tenants spread over two real PostgreSQL servers (ADR 0022): the harness's and a second one this
// file starts. A Tenant is placed by its spec or by the FewestTenants rule; its schema and role exist
// only on its cluster; the Secret its POS API reads points there, and a POS API given exactly that
// Secret sells; its backups are dumped from there and a restore goes back there; a change of cluster
// is refused and the tenant stays; an unknown cluster provisions nothing; deletion drops its data on
// its own cluster.
import {
  createTestDatabase,
  eventually,
  generatePassword,
  startPostgres,
  type PostgresServer,
  type TestDatabase,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantSetupCode } from '@cloudpos/pos-api';
import { bearer, seedTestCatalog } from '@cloudpos/pos-api/test-support';
import { CustomObjectsApi, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OperatorConfig } from '../config.ts';
import type { Tenant } from '../generated/tenant.ts';
import { tenantManifest, testConfig } from '../specs/fixtures.ts';
import {
  apiAsTheTenantsPod,
  applyTenant,
  installTenantCrd,
  kubectl,
  readSecretData,
  readTenantObject,
  tenantDataContext,
  testRedisAdmin,
} from '../test-support.ts';
import type { DatabaseClusterConnection } from './placement.ts';
import { reconcileTenant, type ReconcileContext } from './reconcile.ts';
import { RESTORE_ANNOTATION } from './restore-request.ts';

let second: PostgresServer;
let secondDir: string;
let backupDir: string;
const databases: TestDatabase[] = [];
const contexts: Awaited<ReturnType<typeof tenantDataContext>>[] = [];
let east: DatabaseClusterConnection;
let west: DatabaseClusterConnection;
let ctx: ReconcileContext;

/** West's tenant pods may reach only this block (east's use the default egress target). */
const WEST_EGRESS = { name: 'postgres-west', port: 5432, cidr: '10.30.0.0/24' };

beforeAll(async () => {
  await installTenantCrd();
  secondDir = await mkdtemp(join(tmpdir(), 'cloudpos-postgres-west-'));
  backupDir = await mkdtemp(join(tmpdir(), 'cloudpos-placement-backups-'));
  second = await startPostgres({ dir: secondDir, password: generatePassword(), durable: false });
  const connect = async (name: string, serverUrl: string) => {
    const db = await createTestDatabase(serverUrl, `place_${name}`);
    databases.push(db);
    const data = await tenantDataContext(db.url);
    contexts.push(data);
    return { name, postgres: data.postgres, databaseUrl: db.url, orm: data.orm };
  };
  east = await connect('east', inject('postgresUrl'));
  west = await connect('west', second.url);
  const endpoint = (cluster: DatabaseClusterConnection) => {
    const url = new URL(cluster.databaseUrl);
    return { host: url.hostname, port: Number(url.port), database: url.pathname.slice(1) };
  };
  const config: OperatorConfig = {
    ...testConfig,
    backupDir,
    databaseClusters: [
      { name: 'east', ...endpoint(east) },
      { name: 'west', ...endpoint(west), egress: WEST_EGRESS },
    ],
    defaultDatabaseCluster: 'east',
    placement: 'FewestTenants',
  };
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  ctx = {
    ...contexts[0]!,
    databases: { clusters: [east, west], defaultCluster: 'east', rule: 'FewestTenants' },
    pgTools: { pgDump: inject('pgDumpPath'), pgRestore: inject('pgRestorePath') },
    redis: testRedisAdmin(),
    config,
    objects: KubernetesObjectApi.makeApiClient(kc),
    custom: kc.makeApiClient(CustomObjectsApi),
    now: () => new Date(),
  };
}, 120_000);

afterAll(async () => {
  for (const data of contexts) await data.close();
  for (const db of databases) await db.drop();
  await second?.stop();
  await rm(secondDir, { recursive: true, force: true });
  await rm(backupDir, { recursive: true, force: true });
});

const readTenant = (name: string) => readTenantObject(ctx.custom, name);

async function reconcileUntilSettled(name: string) {
  for (let attempt = 0; attempt < 40; attempt++) {
    const result = await reconcileTenant(ctx, name);
    if (result.requeueAfterMs === undefined || result.requeueAfterMs > 60_000) return result;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`tenant ${name} did not settle`);
}

/** Whether the cluster has the schema, and the server the role of that name. */
const presence = async (cluster: DatabaseClusterConnection, schema: string) =>
  (
    await cluster.postgres.query<{ schema: boolean; role: boolean }>(
      `select exists (select 1 from pg_namespace where nspname = $1) as schema,
              exists (select 1 from pg_roles where rolname = $1) as role`,
      [schema],
    )
  ).rows[0];

const condition = (tenant: Tenant, type: string) =>
  tenant.status?.conditions?.find((candidate) => candidate.type === type);

const STORE = [{ code: 'MAIN', name: 'Main Street' }];

/**
 * The tenant's POS API as its pod runs it: dedicated, with exactly what the operator wrote into
 * its credentials Secret. The first owner is set up with the tenant's setup code, then it sells.
 */
/**
 * Sells once through a POS API configured as the tenant's pod is (its Secret only), listening, with
 * the owner watching GET /v1/sales/events: the sale's event (published here with the tenant's own
 * NATS user, as the worker's relay does) reaches the stream, and `quiet` tenant's events never do.
 */
async function sellAsTheTenantsPod(
  slug: string,
  cluster: DatabaseClusterConnection,
  quiet?: string,
): Promise<string> {
  const redis = new Redis(inject('redisUrl'));
  const { app, secret } = await apiAsTheTenantsPod(slug, redis);
  await seedTestCatalog(cluster.postgres, secret.DATABASE_SCHEMA!);
  const watching = new AbortController();
  try {
    const host = `${slug}.localhost`;
    const setup = await app.inject({
      method: 'POST',
      url: '/v1/setup',
      headers: { host },
      payload: {
        setupCode: tenantSetupCode(secret.AUTH_SECRET!, slug),
        owner: { code: '1000', displayName: 'Olga Owner', pin: '1111' },
        device: { name: 'Till 1' },
      },
    });
    expect(setup.statusCode, setup.body).toBe(201);
    const owner = bearer(setup.json<{ accessToken: string }>().accessToken);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const stream = await fetch(`${url}/v1/sales/events`, {
      headers: { host, ...owner },
      signal: watching.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const received = readText(stream);
    const sold = await app.inject({
      method: 'POST',
      url: '/v1/sales',
      headers: { host, ...owner, 'idempotency-key': randomUUID() },
      payload: { lines: [{ sku: 'MUG', quantity: 2 }], tenders: [{ method: 'cash', amount: 700 }] },
    });
    expect(sold.statusCode, sold.body).toBe(201);
    const saleId = sold.json<{ id: string }>().id;
    if (quiet) await publishAsTheRelay(quiet, 'pos.events.sale.completed', { saleId: 'not-this-tenants' });
    await publishAsTheRelay(slug, 'pos.events.sale.completed', { saleId });
    await eventually('the sale event on the stream', async () => received.text.includes(saleId), 10_000);
    expect(received.text).toMatch(new RegExp(`event: sale\\.completed\ndata: \\{"saleId":"${saleId}"`));
    expect(received.text).not.toContain('not-this-tenants');
    return saleId;
  } finally {
    watching.abort();
    await app.close();
    redis.disconnect();
  }
}

/** Publishes as the worker's relay does, with the tenant's own NATS user from its Secret. */
async function publishAsTheRelay(slug: string, subject: string, payload: object): Promise<void> {
  const secret = (await readSecretData(`tenant-${slug}`, 'tenant-credentials'))!;
  const nc = await connect({
    servers: inject('natsOperatorUrl'),
    authenticator: credsAuthenticator(new TextEncoder().encode(secret['nats.creds'])),
  });
  try {
    nc.publish(subject, JSON.stringify(payload));
    await nc.flush();
  } finally {
    await nc.close();
  }
}

/** Everything a streamed answer has sent so far, read in the background. */
function readText(response: Response): { text: string } {
  const received = { text: '' };
  void (async () => {
    try {
      for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) received.text += chunk;
    } catch {
      // Aborted at the end of the test.
    }
  })();
  return received;
}

describe('tenants on two PostgreSQL clusters', () => {
  it('places a tenant by its spec and another by the FewestTenants rule, each only on its cluster', async () => {
    await applyTenant(tenantManifest('pl-west', { database: { cluster: 'west' }, stores: STORE }));
    await reconcileUntilSettled('pl-west');
    // West now holds one tenant, east none: the rule puts the next one on east.
    await applyTenant(tenantManifest('pl-east', { stores: STORE }));
    await reconcileUntilSettled('pl-east');

    const westTenant = await readTenant('pl-west');
    const eastTenant = await readTenant('pl-east');
    expect(westTenant.status).toMatchObject({ phase: 'Ready', database: { cluster: 'west' } });
    expect(eastTenant.status).toMatchObject({ phase: 'Ready', database: { cluster: 'east' } });
    expect(condition(westTenant, 'DatabasePlaced')).toMatchObject({ status: 'True', reason: 'Placed' });
    // `kubectl get tenants -o wide` shows where each tenant is.
    const wide = await kubectl(['get', 'tenant', 'pl-west', '-o', 'wide', '--no-headers']);
    expect(wide.stdout).toMatch(/\swest\s/);

    expect(await presence(west, 'tenant_pl_west')).toEqual({ schema: true, role: true });
    expect(await presence(east, 'tenant_pl_west')).toEqual({ schema: false, role: false });
    expect(await presence(east, 'tenant_pl_east')).toEqual({ schema: true, role: true });
    expect(await presence(west, 'tenant_pl_east')).toEqual({ schema: false, role: false });

    // The connection its pods get is the cluster's, and its pods may reach that cluster only.
    const secret = (await readSecretData('tenant-pl-west', 'tenant-credentials'))!;
    const url = new URL(secret.DATABASE_URL!);
    expect(`${url.hostname}:${url.port}${url.pathname}`).toBe(
      `127.0.0.1:${second.port}/${databases[1]!.name}`,
    );
    const policies = async (slug: string) =>
      (await kubectl(['get', 'networkpolicy', 'allow-egress', '-n', `tenant-${slug}`, '-o', 'json'])).stdout;
    expect(await policies('pl-west')).toContain(WEST_EGRESS.cidr);
    expect(await policies('pl-east')).not.toContain(WEST_EGRESS.cidr);
    expect(await policies('pl-east')).toContain(testConfig.egress.postgres.cidr);
  });

  it("sells through each tenant's POS API, given only what the operator wrote into its Secret, and streams its own sale events", async () => {
    const westSale = await sellAsTheTenantsPod('pl-west', west, 'pl-east');
    const eastSale = await sellAsTheTenantsPod('pl-east', east, 'pl-west');
    const sales = async (cluster: DatabaseClusterConnection, schema: string) =>
      (await cluster.postgres.query<{ id: string }>(`select id from "${schema}".sale`)).rows;
    expect(await sales(west, 'tenant_pl_west')).toEqual([{ id: westSale }]);
    expect(await sales(east, 'tenant_pl_east')).toEqual([{ id: eastSale }]);
  });

  it('backs a tenant up from its own cluster and restores it there', async () => {
    // The first reconcile took a scheduled backup (none existed); take one with the sale in it.
    const patched = await kubectl([
      'patch',
      'tenant',
      'pl-west',
      '--subresource=status',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/status/lastBackup"}]',
    ]);
    expect(patched.code, patched.stderr).toBe(0);
    await reconcileUntilSettled('pl-west');
    const { lastBackup } = (await readTenant('pl-west')).status!;
    expect(lastBackup?.file).toMatch(/^tenant_pl_west-.*\.dump$/);
    const { stdout } = await promisify(execFile)(inject('pgRestorePath'), [
      '--data-only',
      '--table=sale',
      '--file=-',
      join(backupDir, lastBackup!.file),
    ]);
    const [{ receipt_number: receipt }] = (
      await west.postgres.query<{ receipt_number: string }>('select receipt_number from tenant_pl_west.sale')
    ).rows as [{ receipt_number: string }];
    expect(stdout).toContain(receipt);

    // A restore asked for on the Tenant goes to the same cluster: the data as it was is kept there.
    await kubectl(['annotate', 'tenant', 'pl-west', `${RESTORE_ANNOTATION}=latest`]);
    await reconcileUntilSettled('pl-west');
    const kept = await west.postgres.query(
      `select nspname from pg_namespace where nspname like 'tenant\\_pl\\_west\\_replaced\\_%'`,
    );
    expect(kept.rowCount).toBe(1);
    expect(
      (await east.postgres.query(`select 1 from pg_namespace where nspname like 'tenant\\_pl\\_west%'`))
        .rowCount,
    ).toBe(0);
  });

  it('refuses to move a tenant: a changed spec.database.cluster leaves it where it is, Ready', async () => {
    const before = (await readSecretData('tenant-pl-west', 'tenant-credentials'))!.DATABASE_URL;
    await applyTenant(tenantManifest('pl-west', { database: { cluster: 'east' }, stores: STORE }));
    await reconcileUntilSettled('pl-west');
    const tenant = await readTenant('pl-west');
    expect(condition(tenant, 'DatabasePlaced')).toMatchObject({ status: 'False', reason: 'MoveRefused' });
    expect(condition(tenant, 'DatabasePlaced')?.message).toContain('stays on west');
    expect(tenant.status).toMatchObject({ phase: 'Ready', database: { cluster: 'west' } });
    expect((await readSecretData('tenant-pl-west', 'tenant-credentials'))!.DATABASE_URL).toBe(before);
    expect(await presence(east, 'tenant_pl_west')).toEqual({ schema: false, role: false });

    // Asking for its own cluster again clears the condition.
    await applyTenant(tenantManifest('pl-west', { database: { cluster: 'west' }, stores: STORE }));
    await reconcileUntilSettled('pl-west');
    expect(condition(await readTenant('pl-west'), 'DatabasePlaced')?.status).toBe('True');
  });

  it('provisions nothing for a tenant on a cluster the operator does not know, and can still delete it', async () => {
    await applyTenant(tenantManifest('pl-nowhere', { database: { cluster: 'north' } }));
    const result = await reconcileTenant(ctx, 'pl-nowhere');
    expect(result.requeueAfterMs).toBe(30_000);
    const tenant = await readTenant('pl-nowhere');
    expect(condition(tenant, 'DatabaseReady')).toMatchObject({
      status: 'False',
      reason: 'UnknownDatabaseCluster',
    });
    expect(condition(tenant, 'DatabasePlaced')?.message).toContain('(east, west)');
    expect(tenant.status?.database).toBeUndefined();
    for (const cluster of [east, west])
      expect(await presence(cluster, 'tenant_pl_nowhere')).toEqual({ schema: false, role: false });

    await kubectl(['delete', 'tenant', 'pl-nowhere', '--wait=false']);
    await reconcileTenant(ctx, 'pl-nowhere');
    expect((await kubectl(['get', 'tenant', 'pl-nowhere'])).stderr).toContain('NotFound');
  });

  it("deletes a tenant's data on its own cluster", async () => {
    await applyTenant(tenantManifest('pl-west', { database: { cluster: 'west' }, deletionPolicy: 'Delete' }));
    await reconcileUntilSettled('pl-west');
    await kubectl(['delete', 'tenant', 'pl-west', '--wait=false']);
    await reconcileTenant(ctx, 'pl-west');
    expect((await kubectl(['get', 'tenant', 'pl-west'])).stderr).toContain('NotFound');
    expect(await presence(west, 'tenant_pl_west')).toEqual({ schema: false, role: false });
    // The other cluster's tenant is untouched.
    expect(await presence(east, 'tenant_pl_east')).toEqual({ schema: true, role: true });
  });
});
