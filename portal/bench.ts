// `npm run bench -- signup`: a merchant's way from paying to a till they can open, in local mode
// (the portal's local provisioner and a pooled POS API serving the tills), and the portal's pages
// with BENCH_PLATFORM_TENANTS (1,000) tenants in its platform schema. One machine-readable line per
// figure on stdout (progress on stderr):
//
//   signup-paid-to-till: p50=…s p95=…s n=…    Checkout paid → the Tenant Ready → its till answers 200
//   portal-pages-1000: p50=…ms p95=…ms n=…    a page's response time, over the pages listed below
//   portal-page <path>: p50=…ms p95=…ms       each page on its own
//
// Goals (issue 12): paid → till p50 ≤ 10 s; pages p95 ≤ 200 ms. Response times are taken by the
// client on the same machine (loopback), so they include the server's whole work and little else.
// Against a cluster with the operator (the second setting) is not measured here yet.
import {
  generatePassword,
  startNats,
  startPostgres,
  startRedis,
  type MailpitServer,
} from '@cloudpos/harness';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildTill } from '@cloudpos/till/build';
import { upsertAdmin } from './src/admin.ts';
import { buildPortal } from './src/build.ts';
import { FormClient } from './src/testing/browserless.ts';
import { TEST_PASSWORD, verifiedMerchant } from './src/testing/merchants.ts';
import { startTestPortal, type TestPortal } from './src/testing/portal.ts';

const SIGNUPS = Number(process.env.BENCH_SIGNUPS ?? 8);
const PLATFORM_TENANTS = Number(process.env.BENCH_PLATFORM_TENANTS ?? 1000);
const PAGE_SAMPLES = Number(process.env.BENCH_PAGE_SAMPLES ?? 40);
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

/** From the payment on the Stripe fake's Checkout page to the tenant's till answering. */
async function paidToTill(portal: TestPortal, browser: FormClient, slug: string): Promise<number> {
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
  const port = Number(new URL(portal.posApi!.url).port);
  while (Date.now() < deadline) {
    const page = await (await browser.get(`/tenants/${slug}`)).text();
    if (page.includes('Your till is ready') && (await tillAnswers(port, slug)) === 200)
      return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the till of ${slug} was not reachable within 120 s`);
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
  const portal = await startTestPortal(
    'bench',
    {},
    {},
    {
      posApi: true,
      tillOnPosApi: true,
      infra: {
        postgresUrl: postgres.url,
        redisUrl: redis.url,
        natsOperatorUrl: nats.url,
        natsOperatorSeed: nats.operator!.operatorSeed,
        natsSystemUserCreds: nats.operator!.systemUserCreds,
      },
    },
  );
  stops.push(() => portal.stop());
  const mailpit: MailpitServer = portal.mailpit;
  progress(`portal on ${portal.url}, mail on ${mailpit.smtpUrl}`);

  // 1. Paid → till, one merchant at a time (each signs up and verifies first, untimed).
  const paid: number[] = [];
  let owner: FormClient | undefined;
  let ownerSlug = '';
  for (let index = 0; index < SIGNUPS; index++) {
    const slug = `bench-${index}`;
    const browser = await verifiedMerchant(portal, `owner-${index}@bench.example`, `Bench ${index}`);
    paid.push(await paidToTill(portal, browser, slug));
    progress(`${slug}: ${seconds(paid.at(-1)!)}`);
    owner ??= browser;
    ownerSlug ||= slug;
  }
  const lines = [`signup-paid-to-till: ${spread(paid, seconds)}`];
  process.stdout.write(`${lines[0]}\n`);

  // 2. The pages a merchant and an operator open, with the platform schema holding many tenants.
  progress(`seeding ${PLATFORM_TENANTS} tenants into the platform schema`);
  await seedPlatform(portal.databaseUrl, PLATFORM_TENANTS);
  const adminDb = new pg.Pool({ connectionString: portal.databaseUrl, max: 1 });
  await upsertAdmin(adminDb, 'operator@bench.example', TEST_PASSWORD).finally(() => adminDb.end());
  const operator = new FormClient(portal.url);
  const signedIn = await operator.post('/admin/login', {
    email: 'operator@bench.example',
    password: TEST_PASSWORD,
  });
  if (signedIn.status !== 302) throw new Error(`the operator's log-in failed: ${signedIn.status}`);
  const merchantPages = [
    '/',
    `/tenants/${ownerSlug}`,
    `/tenants/${ownerSlug}/manage`,
    `/tenants/${ownerSlug}/manage/sales`,
    `/tenants/${ownerSlug}/billing`,
  ];
  const times = new Map([
    ...(await timePages(owner!, merchantPages)),
    ...(await timePages(operator, ['/admin'])),
  ]);
  const all = [...times.values()].flat();
  const pageLines = [
    `portal-pages-${PLATFORM_TENANTS}: ${spread(all, millis)}`,
    ...[...times].map(([path, values]) => `portal-page ${path}: ${spread(values, millis)}`),
  ];
  process.stdout.write(`${pageLines.join('\n')}\n`);
} finally {
  await close();
}
