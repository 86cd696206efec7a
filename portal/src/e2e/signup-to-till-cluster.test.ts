// The merchant's path against the real Kubernetes API server with the operator running as its own
// process: the paid Checkout creates the Tenant custom resource (server-side apply), the operator
// reconciles it (namespace, PostgreSQL schema and role, NATS account, workloads on kwok nodes) and
// the page follows its conditions until Ready. No kubelet runs the tenant's pods here, so the test
// runs the tenant's POS API as its pod would: dedicated, with only what the operator wrote into the
// tenant's credentials Secret. The portal reads the setup code from that API with the owner's portal
// token, and the owner sets the till up with it in Chromium. A platform operator then finds the
// tenant in the operators' view with the Kubernetes Events the operator recorded on it.
import {
  createTestDatabase,
  eventually,
  freePort,
  launchChromium,
  type ChromiumSession,
  type TestDatabase,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import {
  apiAsTheTenantsPod,
  installTenantCrd,
  kubectl,
  startOperatorProcess,
  testConfigFor,
  type OperatorProcess,
} from '@cloudpos/operator/test-support';
import type { PosApi } from '@cloudpos/pos-api';
import { TEST_PORTAL_TOKEN_SECRET } from '@cloudpos/pos-api/test-support';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { upsertAdmin } from '../admin.ts';
import { authenticator } from '../testing/authenticator.ts';
import { checkPage, consoleErrorsOf, setUpTillAsOwner, logIn } from '../testing/chromium.ts';
import { TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';
import { kubernetesProvisioner } from '../tenants/kubernetes-provisioner.ts';
import type { TenantProvisioner } from '../tenants/provisioner.ts';

/** Other files share this API server: this file's operator takes only the Tenants its portal makes. */
const slug = `cluster-${randomBytes(3).toString('hex')}`;
const SHARD = { 'cloudpos.io/shard': 'portal-cluster-e2e' };

let portal: TestPortal;
let chromium: ChromiumSession;
let operator: OperatorProcess;
let operatorDb: TestDatabase;
let dir: string;
let redis: Redis;
let tenantApi: PosApi | undefined;
/** Where the tenant's POS API will listen once its Secret exists; the portal is told up front. */
let apiPort: number;

beforeAll(async () => {
  await installTenantCrd();
  await kubectl(['create', 'namespace', 'cloudpos-system']);
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-portal-cluster-'));
  operatorDb = await createTestDatabase(inject('postgresUrl'), 'portal_cluster_operator');
  await writeFile(join(dir, 'config.json'), JSON.stringify(testConfigFor(operatorDb.url)));
  await writeFile(join(dir, 'system.creds'), inject('natsSystemUserCreds'));
  operator = await startOperatorProcess({
    KUBECONFIG: inject('kubeconfigPath'),
    OPERATOR_CONFIG: join(dir, 'config.json'),
    DATABASE_URL: operatorDb.url,
    NATS_URL: inject('natsOperatorUrl'),
    NATS_OPERATOR_SEED: inject('natsOperatorSeed'),
    NATS_SYSTEM_CREDS_FILE: join(dir, 'system.creds'),
    REDIS_ADMIN_URL: inject('redisUrl'),
    PORTAL_TOKEN_SECRET: TEST_PORTAL_TOKEN_SECRET,
    LEASE_NAMESPACE: 'cloudpos-system',
    POD_NAME: 'portal-cluster-e2e',
    TENANT_LABEL_SELECTOR: Object.entries(SHARD)
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
  });

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(inject('kubeconfigPath'));
  const cluster = kubernetesProvisioner(kubeConfig);
  // The portal's own provisioner; only the shard label is added on the way to the API server.
  const sharded: TenantProvisioner = {
    ...cluster,
    apply: (manifest) =>
      cluster.apply({
        ...manifest,
        metadata: { ...manifest.metadata, labels: { ...manifest.metadata.labels, ...SHARD } },
      }),
  };
  apiPort = await freePort();
  portal = await startTestPortal(
    'e2e_cluster',
    { provisioner: sharded },
    {
      PROVISIONER: 'kubernetes',
      PORTAL_TOKEN_SECRET: TEST_PORTAL_TOKEN_SECRET,
      POS_API_URL_TEMPLATE: `http://127.0.0.1:${apiPort}`,
    },
  );
  redis = new Redis(inject('redisUrl'));
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await tenantApi?.close();
  redis?.disconnect();
  await portal?.stop();
  operator?.child.kill('SIGTERM');
  await operator?.exited;
  await operatorDb?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** The tenant's POS API as its pod would run it, on the port the portal was told. */
async function startTenantPod(slug: string): Promise<string> {
  tenantApi = (await apiAsTheTenantsPod(slug, redis)).app;
  return tenantApi.listen({ host: '127.0.0.1', port: apiPort });
}

describe('from sign-up to a running till, in a cluster', () => {
  it('pays, watches the operator make the Tenant Ready, and sets up the till with the code the portal shows', async () => {
    const email = `owner-${slug}@lantern.example`;
    await verifiedMerchant(portal, email, 'Lantern Tea');
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page, portal.url);
    await logIn(page, portal.url, email, TEST_PASSWORD);
    await page.goto(`${portal.url}/plans`);
    await page.getByLabel('Store name').fill('Lantern Tea');
    await page.getByLabel('Web address of your till').fill(slug);
    await page.getByLabel(/Growth/).check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(`${portal.stripe.url}/checkout/pay/**`);
    await page.getByRole('button', { name: 'Pay and subscribe' }).click();
    await page.waitForURL(`**/tenants/${slug}?session_id=*`);

    // The Tenant is a custom resource, made by the portal's field manager and labelled as ordered.
    // The webhook's effect: applied right after the payment is recorded.
    const tenant = await eventually('the Tenant in the API server', async () => {
      const got = await kubectl(['get', 'tenant', slug, '-o', 'json']);
      return got.code === 0 ? (JSON.parse(got.stdout) as unknown) : undefined;
    });
    expect(tenant).toMatchObject({
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'cloudpos-portal' } },
      spec: { slug, plan: 'growth', currency: 'EUR', deletionPolicy: 'BackupThenDelete' },
    });
    // The page follows the operator's conditions until Ready; its till is at the Tenant's URL.
    await page.getByRole('heading', { name: 'Your till is ready' }).waitFor({ timeout: 120_000 });
    for (const type of ['DatabaseReady', 'MessagingReady', 'WorkloadsReady', 'Ready'])
      expect(await page.locator(`.conditions li[data-type="${type}"]`).getAttribute('data-status')).toBe(
        'True',
      );
    expect(await page.locator('a.till-url').getAttribute('href')).toBe(
      `https://${slug}.pos.example.com/till/`,
    );
    // No pod answers yet, so there is no code to show, and the page still works.
    expect(await page.locator('.setup-code').count()).toBe(0);

    const tillBase = await startTenantPod(slug);
    await page.reload();
    const setupCode = (await page.locator('.setup-code').textContent())!;
    expect(setupCode).toMatch(/^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$/);
    await checkPage(page, 'tenant-ready-cluster');
    expect(consoleErrors).toEqual([]);

    // The owner opens the till (served by the tenant's API; the Ingress is not there to route
    // https://<slug>.pos.example.com) and becomes its first owner.
    await page.goto(`${tillBase}/till/`);
    await setUpTillAsOwner(page, setupCode, 'Lin Owner');
    await expect.poll(() => page.locator('.top-bar').textContent()).toContain('Lin Owner');
  });

  it('shows a platform operator the Kubernetes Events the operator recorded on the Tenant', async () => {
    const db = new pg.Client({ connectionString: portal.databaseUrl });
    await db.connect();
    const admin = { email: 'ops@cluster.example', password: 'a long operator password' };
    const { totpUri } = await upsertAdmin(db, admin.email, admin.password).finally(() => db.end());
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page, portal.url);
    await page.goto(`${portal.url}/admin/login`);
    await page.getByLabel('E-mail').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByLabel('Code from your authenticator app').fill(await authenticator(totpUri!).code());
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${portal.url}/admin`);
    const tenant = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: /Lantern Tea/ }) });
    // The first view opens the watches; their initial state arrives a moment later.
    const events = tenant
      .getByRole('heading', { name: 'Cluster events' })
      .locator('xpath=following-sibling::ol[1]');
    await expect
      .poll(
        async () => {
          await page.reload();
          return (await events.count()) > 0 ? events.innerText() : '';
        },
        { timeout: 30_000 },
      )
      .toMatch(/Ready=True/);
    // The operator's own words: the newest are the workloads' and the tenant's becoming ready.
    expect(await events.innerText()).toContain('WorkloadsReady=True');
    await checkPage(page, 'admin-tenants-cluster');
    expect(consoleErrors).toEqual([]);
  });
});
