// The API and the worker as real processes. Killed with SIGKILL in the middle of a burst of sales,
// the API loses nothing and duplicates nothing: after a restart and the till's retries (same
// Idempotency-Key), every sale exists exactly once with a gapless receipt number. With NATS down,
// sales still commit, and the worker drains the outbox into JetStream once NATS is back.
import {
  createTestDatabase,
  freePort,
  ManagedProcess,
  startNats,
  type NatsServer,
  type TestDatabase,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantSetupCode } from '../auth/tokens.ts';
import {
  callApi,
  createTenantSchema,
  hostOf,
  TEST_AUTH_SECRET,
  TEST_PIN_PEPPERS,
  uniqueSlug,
} from '../test-support.ts';
import { seedTestCatalog } from './test-catalog.ts';

const register = fileURLToPath(import.meta.resolve('@cloudpos/telemetry/register'));
const serverPath = fileURLToPath(new URL('../server.ts', import.meta.url));
const workerPath = fileURLToPath(new URL('../../../worker/src/main.ts', import.meta.url));

let db: TestDatabase;
let sql: pg.Pool;
let dir: string;
let slug: string;
let schema: string;
let port: number;
let token: string;
const processes: ManagedProcess[] = [];

function startApi(): ManagedProcess {
  const api = new ManagedProcess({
    name: 'pos-api',
    command: process.execPath,
    args: ['--import', register, serverPath],
    logFile: join(dir, `pos-api-${processes.length}.log`),
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: db.url,
      REDIS_URL: inject('redisUrl'),
      AUTH_SECRET: TEST_AUTH_SECRET,
      PIN_PEPPERS: TEST_PIN_PEPPERS,
      TENANT_MODE: 'pooled',
      LOG_LEVEL: 'warn',
      // The burst is what is measured here, not the rate limiter.
      RATE_LIMIT_MAX: '100000',
    },
  });
  processes.push(api);
  return api;
}

const api = (path: string, init: { method?: string; body?: string; key?: string } = {}) =>
  callApi({ port, host: hostOf(slug), token }, path, init).then((answer) => ({
    status: answer.status,
    json: async () => JSON.parse(answer.body) as unknown,
  }));

const SALE = JSON.stringify({
  lines: [{ sku: 'PEN', quantity: 1 }],
  tenders: [{ method: 'cash', amount: 333 }],
});
const sell = (key: string) => api('/v1/sales', { method: 'POST', body: SALE, key });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'durability');
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-durability-'));
  slug = uniqueSlug('durable');
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  schema = await createTenantSchema(orm, slug);
  await orm.close();
  await seedTestCatalog(sql, schema);
  port = await freePort();
  const first = startApi();
  await first.waitUntilReady(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
  const setup = await api('/v1/setup', {
    method: 'POST',
    body: JSON.stringify({
      setupCode: tenantSetupCode(TEST_AUTH_SECRET, slug),
      owner: { code: '1000', displayName: 'Owner', pin: '1111' },
      device: { name: 'Till 1' },
    }),
  });
  expect(setup.status).toBe(201);
  token = ((await setup.json()) as { accessToken: string }).accessToken;
});

afterAll(async () => {
  for (const child of processes) await child.stop('SIGKILL').catch(() => {});
  await sql?.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a crash in the middle of a burst of sales', () => {
  it('loses no acknowledged sale and creates no duplicate', async () => {
    const attempted: string[] = [];
    const acknowledged = new Map<string, string>();
    let killed = false;
    const running = processes.at(-1)!;
    // Eight tills selling as fast as they can; the API is killed after the 40th acknowledgement.
    const till = async () => {
      while (!killed) {
        const key = randomUUID();
        attempted.push(key);
        try {
          const response = await sell(key);
          if (response.status === 201) {
            acknowledged.set(key, ((await response.json()) as { id: string }).id);
            if (acknowledged.size === 40 && !killed) {
              killed = true;
              await running.stop('SIGKILL');
            }
          }
        } catch {
          // The connection died with the process: this sale is not acknowledged.
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, till));
    expect(acknowledged.size).toBeGreaterThanOrEqual(40);
    // Requests were in flight when it died.
    expect(attempted.length).toBeGreaterThan(acknowledged.size);

    const sales = async () =>
      (
        await sql.query<{ key: string; id: string; receipt: string }>(
          `select k.key, s.id, s.receipt_number::text as receipt
             from "${schema}".sale s join "${schema}".idempotency_key k on k.response->>'id' = s.id::text`,
        )
      ).rows;
    const total = async () =>
      (await sql.query<{ n: number }>(`select count(*)::int as n from "${schema}".sale`)).rows[0]!.n;

    // What the database holds right after the crash: every acknowledged sale once, nothing that no
    // till asked for (a sale committed just before the kill may not have been acknowledged yet).
    const afterCrash = await sales();
    expect(await total()).toBe(afterCrash.length);
    for (const [key, id] of acknowledged)
      expect(afterCrash.filter((sale) => sale.key === key)).toEqual([expect.objectContaining({ id })]);
    for (const sale of afterCrash) expect(attempted).toContain(sale.key);

    // Restarted, the tills retry what they never heard back about, with the same keys.
    const restarted = startApi();
    await restarted.waitUntilReady(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
    for (const key of attempted.filter((candidate) => !acknowledged.has(candidate))) {
      const response = await sell(key);
      expect(response.status).toBe(201);
      acknowledged.set(key, ((await response.json()) as { id: string }).id);
    }
    const final = await sales();
    expect(final.length).toBe(attempted.length);
    expect(await total()).toBe(attempted.length);
    expect(new Set(final.map((sale) => sale.key)).size).toBe(attempted.length);
    for (const [key, id] of acknowledged) expect(final.find((sale) => sale.key === key)?.id).toBe(id);
    // Receipt numbers: 1..n, no gap, no twin.
    expect(final.map((sale) => Number(sale.receipt)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: attempted.length }, (_, index) => index + 1),
    );
    // One completed event per sale, waiting in the outbox.
    const events = await sql.query<{ n: number }>(`select count(*)::int as n from "${schema}".outbox_event`);
    expect(events.rows[0]!.n).toBe(attempted.length);
  });
});

describe('NATS down', () => {
  let nats: NatsServer;
  let natsDir: string;
  let natsPort: number;

  afterAll(async () => {
    await nats?.stop();
    if (natsDir) await rm(natsDir, { recursive: true, force: true });
  });

  it('does not stop selling, and the worker drains the outbox when NATS is back', async () => {
    natsDir = await mkdtemp(join(tmpdir(), 'cloudpos-durability-nats-'));
    natsPort = await freePort();
    nats = await startNats({ dir: natsDir, port: natsPort });
    const admin = await connect({ servers: nats.url });
    await (await jetstreamManager(admin)).streams.add({ name: 'EVENTS', subjects: ['pos.events.>'] });
    await admin.close();
    await nats.stop();

    // Sales while NATS is down.
    const before = (await sql.query<{ n: number }>(`select count(*)::int as n from "${schema}".outbox_event`))
      .rows[0]!.n;
    for (let index = 0; index < 5; index++) expect((await sell(randomUUID())).status).toBe(201);

    const worker = new ManagedProcess({
      name: 'worker',
      command: process.execPath,
      args: ['--import', register, workerPath],
      logFile: join(dir, 'worker.log'),
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        DATABASE_SCHEMA: schema,
        TENANT_SLUG: slug,
        NATS_URL: `nats://127.0.0.1:${natsPort}`,
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      },
    });
    processes.push(worker);
    const unpublished = async () =>
      (
        await sql.query<{ n: number }>(
          `select count(*)::int as n from "${schema}".outbox_event where published_at is null`,
        )
      ).rows[0]!.n;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await unpublished()).toBe(before + 5);

    nats = await startNats({ dir: natsDir, port: natsPort });
    const deadline = Date.now() + 60_000;
    while ((await unpublished()) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await unpublished()).toBe(0);
    const reader = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(reader)).streams.info('EVENTS');
    await reader.close();
    // Every sale of this file, the crash test's included, is in the stream once.
    expect(info.state.messages).toBe(before + 5);
    await worker.stop('SIGTERM');
  });
});
