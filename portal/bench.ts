// `npm run bench -- signup`: a merchant's way from paying to a till they can open, in local mode
// (the portal's local provisioner and a pooled POS API serving the tills), and the portal's pages
// with BENCH_PLATFORM_TENANTS (1,000) tenants in its platform schema. One machine-readable line per
// figure on stdout (progress on stderr):
//
//   signup-paid-to-till: p50=…s p95=…s n=…    Checkout paid → the Tenant Ready → its till answers 200
//   signup-paid-to-ready-cluster: p50=…s …     the same against a real API server with the operator
//                                               process: paid → the Tenant custom resource Ready on the
//                                               portal's page (kwok runs no pods, so no till answers)
//   portal-pages-1000: p50=…ms p95=…ms n=…    a page's response time, over the pages listed below
//   portal-page <path>: p50=…ms p95=…ms       each page on its own
//
// Goals (issue 12): paid → till p50 ≤ 10 s; pages p95 ≤ 200 ms. Response times are taken by the
// client on the same machine (loopback), so they include the server's whole work and little else.
// BENCH_SIGNUP_WHERE (`local,cluster`) picks the settings.
import {
  generatePassword,
  startControlPlane,
  startNats,
  startPostgres,
  startRedis,
  type MailpitServer,
} from '@cloudpos/harness';
import { startOperatorProcess, testConfigFor } from '@cloudpos/operator/test-support';
import { TEST_PORTAL_TOKEN_SECRET } from '@cloudpos/pos-api/test-support';
import { KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildTill } from '@cloudpos/till/build';
import { upsertAdmin } from './src/admin.ts';
import { buildPortal } from './src/build.ts';
import { authenticator } from './src/testing/authenticator.ts';
import { FormClient } from './src/testing/browserless.ts';
import { TEST_PASSWORD, verifiedMerchant } from './src/testing/merchants.ts';
import { startTestPortal, type PortalInfra, type TestPortal } from './src/testing/portal.ts';
import { kubernetesProvisioner } from './src/tenants/kubernetes-provisioner.ts';

const SIGNUPS = Number(process.env.BENCH_SIGNUPS ?? 8);
const PLATFORM_TENANTS = Number(process.env.BENCH_PLATFORM_TENANTS ?? 1000);
const PAGE_SAMPLES = Number(process.env.BENCH_PAGE_SAMPLES ?? 40);
const WHERE = (process.env.BENCH_SIGNUP_WHERE ?? 'local,cluster').split(',');
const progress = (line: string) => process.stderr.write(`signup bench: ${line}\n`);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const spread = (values: number[], unit: (value: number) => string) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50=${unit(percentile(sorted, 50))} p95=${unit(percentile(sorted, 95))} n=${sorted.length}`;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const millis = (ms: number) => `${ms.toFixed(1)}ms`;

/** The till's page as a browser asks for it: the tenant's host on the pooled API's port. */
function tillAnswers(port: number, slug: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const asked = request(
      { host: '127.0.0.1', port, path: '/till/', headers: { host: `${slug}.localhost:${port}` } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    asked.on('error', reject);
    asked.end();
  });
}

/**
 * From the payment on the Stripe fake's Checkout page until the tenant's page says its till is ready
 * and `reachable` agrees (the till answering, locally).
 */
async function paidUntilReady(
  browser: FormClient,
  slug: string,
  reachable: () => Promise<boolean> = async () => true,
): Promise<number> {
  const order = await browser.post('/plans', {
    storeName: `Store ${slug}`,
    slug,
    plan: 'starter',
    currency: 'EUR',
  });
  if (order.status !== 302) throw new Error(`ordering ${slug} failed: ${order.status}`);
  const paid = await fetch(order.headers.get('location')!, {
    method: 'POST',
    body: new URLSearchParams({ payment_method: 'pm_card_visa' }),
    redirect: 'manual',
  });
  if (paid.status !== 303) throw new Error(`paying for ${slug} failed: ${paid.status}`);
  const started = performance.now();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const page = await (await browser.get(`/tenants/${slug}`)).text();
    if (page.includes('Your till is ready') && (await reachable())) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${slug} was not ready within 120 s`);
}

/** One merchant after another signs up and verifies (untimed), then pays (timed until ready). */
async function signUps(
  portal: TestPortal,
  prefix: string,
  reachable: (slug: string) => () => Promise<boolean>,
): Promise<{ times: number[]; owner: FormClient; slug: string }> {
  const times: number[] = [];
  let owner: FormClient | undefined;
  for (let index = 0; index < SIGNUPS; index++) {
    const slug = `${prefix}-${index}`;
    const browser = await verifiedMerchant(portal, `owner-${slug}@bench.example`, `Bench ${index}`);
    times.push(await paidUntilReady(browser, slug, reachable(slug)));
    progress(`${slug}: ${seconds(times.at(-1)!)}`);
    owner ??= browser;
  }
  return { times, owner: owner!, slug: `${prefix}-0` };
}

const run = (command: string, args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile(command, args, (error, _stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(),
    ),
  );

/**
 * The cluster setting: a real API server (kwok nodes) with the Tenant CRD, the operator as its own
 * process on the same PostgreSQL, NATS and Redis, and a portal creating Tenants as custom resources.
 */
async function clusterPortal(infra: PortalInfra, redisPort: number): Promise<TestPortal> {
  const cluster = await startControlPlane({ dir: join(root, 'k8s'), nodes: 1 });
  stops.push(() => cluster.stop());
  const kubectl = (...args: string[]) =>
    run(cluster.tools.kubectl, ['--kubeconfig', cluster.kubeconfigPath, ...args]);
  await kubectl('apply', '--server-side', '-f', join(import.meta.dirname, '..', 'crds'));
  await kubectl('wait', '--for=condition=Established', 'crd/tenants.cloudpos.io');
  await kubectl('create', 'namespace', 'cloudpos-system');
  const admin = new pg.Client({ connectionString: infra.postgresUrl });
  await admin.connect();
  await admin.query('create database operator');
  await admin.end();
  const operatorDatabase = new URL(infra.postgresUrl);
  operatorDatabase.pathname = '/operator';
  // The tests' operator configuration on these engines (kwok enforces no NetworkPolicy).
  const config = testConfigFor(operatorDatabase.toString());
  await writeFile(
    join(root, 'operator.json'),
    JSON.stringify({
      ...config,
      endpoints: {
        ...config.endpoints,
        natsUrl: infra.natsOperatorUrl,
        redisUrl: `redis://127.0.0.1:${redisPort}`,
      },
    }),
  );
  await writeFile(join(root, 'system.creds'), infra.natsSystemUserCreds, { mode: 0o600 });
  const operator = await startOperatorProcess({
    KUBECONFIG: cluster.kubeconfigPath,
    OPERATOR_CONFIG: join(root, 'operator.json'),
    DATABASE_URL: operatorDatabase.toString(),
    NATS_URL: infra.natsOperatorUrl,
    NATS_OPERATOR_SEED: infra.natsOperatorSeed,
    NATS_SYSTEM_CREDS_FILE: join(root, 'system.creds'),
    REDIS_ADMIN_URL: infra.redisUrl,
    PORTAL_TOKEN_SECRET: TEST_PORTAL_TOKEN_SECRET,
    LEASE_NAMESPACE: 'cloudpos-system',
    OTEL_TRACES_EXPORTER: 'none',
  });
  stops.push(async () => {
    operator.child.kill('SIGTERM');
    await operator.exited;
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cluster.kubeconfigPath);
  const portal = await startTestPortal(
    'bench_cluster',
    { provisioner: kubernetesProvisioner(kubeConfig) },
    { PROVISIONER: 'kubernetes' },
    { infra },
  );
  stops.push(() => portal.stop());
  return portal;
}

/** Accounts and tenants as the portal keeps them, straight into its schema (seeding only). */
async function seedPlatform(databaseUrl: string, count: number): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `with a as (
         insert into platform.account (name) select 'Seeded ' || g from generate_series(1, $1) g returning id, name),
       t as (
         insert into platform.tenant (account_id, slug, display_name, plan, currency, state)
         select id, 'seeded-' || split_part(name, ' ', 2), name, 'starter', 'EUR', 'provisioned' from a
         returning id, account_id)
       insert into platform.subscription (id, account_id, tenant_id, status)
       select 'sub_seeded_' || t.id, t.account_id, t.id, 'active' from t`,
      [count],
    );
  } finally {
    await db.end();
  }
}

async function timePages(client: FormClient, paths: string[]): Promise<Map<string, number[]>> {
  const times = new Map(paths.map((path) => [path, [] as number[]]));
  for (let round = 0; round < PAGE_SAMPLES; round++) {
    for (const path of paths) {
      const started = performance.now();
      const response = await client.get(path);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
      times.get(path)!.push(performance.now() - started);
    }
  }
  return times;
}

/** Seeds the platform schema, then times each page a merchant and a platform operator open. */
async function timeAllPages(portal: TestPortal, owner: FormClient, slug: string, label: string) {
  progress(`seeding ${PLATFORM_TENANTS} tenants into the platform schema${label}`);
  await seedPlatform(portal.databaseUrl, PLATFORM_TENANTS);
  const adminDb = new pg.Pool({ connectionString: portal.databaseUrl, max: 1 });
  const { totpUri } = await upsertAdmin(adminDb, 'operator@bench.example', TEST_PASSWORD).finally(() =>
    adminDb.end(),
  );
  const operator = new FormClient(portal.url);
  const signedIn = await operator.post('/admin/login', {
    email: 'operator@bench.example',
    password: TEST_PASSWORD,
    code: await authenticator(totpUri!).code(),
  });
  if (signedIn.status !== 302) throw new Error(`the operator's log-in failed: ${signedIn.status}`);
  // Store management calls the tenant's POS API, which runs only locally here (kwok runs no pods).
  const merchantPages = [
    '/',
    `/tenants/${slug}`,
    ...(portal.posApi ? [`/tenants/${slug}/manage`, `/tenants/${slug}/manage/sales`] : []),
    `/tenants/${slug}/billing`,
  ];
  const times = new Map([
    ...(await timePages(owner, merchantPages)),
    ...(await timePages(operator, ['/admin'])),
  ]);
  const all = [...times.values()].flat();
  return [
    `portal-pages-${PLATFORM_TENANTS}${label}: ${spread(all, millis)}`,
    ...[...times].map(([path, values]) => `portal-page ${path}${label}: ${spread(values, millis)}`),
  ];
}

const root = await mkdtemp(join(tmpdir(), 'cloudpos-bench-signup-'));
await chmod(root, 0o755); // PostgreSQL runs as its own user when we are root
const stops: (() => Promise<unknown>)[] = [];
const close = async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  await rm(root, { recursive: true, force: true });
};
process.once('SIGINT', () => void close().then(() => process.exit(130)));
process.once('SIGTERM', () => void close().then(() => process.exit(143)));
try {
  progress('building the portal and the till (when their sources changed)');
  await buildPortal();
  await buildTill();
  progress(`starting PostgreSQL, Redis and NATS (in ${root})`);
  const postgres = await startPostgres({
    dir: join(root, 'pg'),
    password: generatePassword(),
    durable: false,
  });
  stops.push(() => postgres.stop());
  const redis = await startRedis({ dir: join(root, 'redis'), durable: false });
  stops.push(() => redis.stop());
  const nats = await startNats({ dir: join(root, 'nats'), operatorMode: true });
  stops.push(() => nats.stop());
  const infra: PortalInfra = {
    postgresUrl: postgres.url,
    redisUrl: redis.url,
    natsOperatorUrl: nats.url,
    natsOperatorSeed: nats.operator!.operatorSeed,
    natsSystemUserCreds: nats.operator!.systemUserCreds,
  };

  if (WHERE.includes('local')) {
    const portal = await startTestPortal('bench', {}, {}, { posApi: true, tillOnPosApi: true, infra });
    stops.push(() => portal.stop());
    const mailpit: MailpitServer = portal.mailpit;
    progress(`local: portal on ${portal.url}, mail on ${mailpit.smtpUrl}`);
    // 1. Paid → till, one merchant at a time.
    const port = Number(new URL(portal.posApi!.url).port);
    const local = await signUps(
      portal,
      'bench',
      (slug) => async () => (await tillAnswers(port, slug)) === 200,
    );
    process.stdout.write(`signup-paid-to-till: ${spread(local.times, seconds)}\n`);
    // 2. The pages a merchant and an operator open, with the platform schema holding many tenants.
    process.stdout.write(`${(await timeAllPages(portal, local.owner, local.slug, '')).join('\n')}\n`);
  }
  if (WHERE.includes('cluster')) {
    progress('cluster: starting the API server, the operator and a portal that applies Tenants');
    const portal = await clusterPortal(infra, redis.port);
    const cluster = await signUps(portal, 'cluster', () => async () => true);
    process.stdout.write(`signup-paid-to-ready-cluster: ${spread(cluster.times, seconds)}\n`);
    process.stdout.write(
      `${(await timeAllPages(portal, cluster.owner, cluster.slug, ' (cluster)')).join('\n')}\n`,
    );
  }
} finally {
  await close();
}
