// PostgreSQL going away under load, with the API as a real process on a PostgreSQL of this file's
// own: connections terminated mid-transaction (57P01) and a full restart of the server, again and
// again, while eight tills sell and the worker relays. Both processes live through it; a request
// whose connection died gets a 503 with Retry-After (never a 500); the tills' retries with the same
// Idempotency-Key make every acknowledged sale exist exactly once, and every event is relayed.
import {
  freePort,
  generatePassword,
  ManagedProcess,
  startNats,
  startPostgres,
  type NatsServer,
  type PostgresServer,
} from '@cloudpos/harness';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
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

let dir: string;
let postgres: PostgresServer;
let pgPort: number;
let password: string;
let databaseUrl: string;
let api: ManagedProcess;
let worker: ManagedProcess;
let nats: NatsServer;
let port: number;
let slug: string;
let schema: string;
let token: string;

const startOurPostgres = async () => {
  postgres = await startPostgres({ dir: join(dir, 'pg'), port: pgPort, password, durable: false });
};

const call = (path: string, init: { method?: string; body?: string; key?: string } = {}) =>
  callApi({ port, host: hostOf(slug), token }, path, init);

const SALE = JSON.stringify({
  lines: [{ sku: 'PEN', quantity: 1 }],
  tenders: [{ method: 'cash', amount: 333 }],
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-outage-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
  pgPort = await freePort();
  password = generatePassword();
  await startOurPostgres();
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('create database outage');
  await admin.end();
  databaseUrl = postgres.urlFor('outage');
  slug = uniqueSlug('outage');
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: databaseUrl, poolMax: 1 }));
  schema = await createTenantSchema(orm, slug);
  await orm.close();
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  await seedTestCatalog(sql, schema);
  await sql.end();

  port = await freePort();
  api = new ManagedProcess({
    name: 'pos-api',
    command: process.execPath,
    args: ['--import', register, serverPath],
    logFile: join(dir, 'pos-api.log'),
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: inject('redisUrl'),
      AUTH_SECRET: TEST_AUTH_SECRET,
      PIN_PEPPERS: TEST_PIN_PEPPERS,
      TENANT_MODE: 'pooled',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '100000',
    },
  });
  await api.waitUntilReady(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
  // The outbox relay, as in a tenant's namespace: it too must live through the outage.
  nats = await startNats({ dir: join(dir, 'nats') });
  const nc = await connect({ servers: nats.url });
  await (await jetstreamManager(nc)).streams.add({ name: 'EVENTS', subjects: ['pos.events.>'] });
  await nc.close();
  worker = new ManagedProcess({
    name: 'worker',
    command: process.execPath,
    args: ['--import', register, workerPath],
    logFile: join(dir, 'worker.log'),
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      TENANT_SLUG: slug,
      NATS_URL: nats.url,
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    },
  });
  const setup = await call('/v1/setup', {
    method: 'POST',
    body: JSON.stringify({
      setupCode: tenantSetupCode(TEST_AUTH_SECRET, slug),
      owner: { code: '1000', displayName: 'Owner', pin: '1111' },
      device: { name: 'Till 1' },
    }),
  });
  expect(setup.status, setup.body).toBe(201);
  token = (JSON.parse(setup.body) as { accessToken: string }).accessToken;
}, 120_000);

afterAll(async () => {
  await api?.stop('SIGKILL').catch(() => {});
  await worker?.stop('SIGKILL').catch(() => {});
  await nats?.stop().catch(() => {});
  await postgres?.stop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('PostgreSQL going away under load', () => {
  it('fails only the requests that held a connection, with 503, and loses or doubles no sale', async () => {
    const acknowledged = new Map<string, string>();
    const statuses = new Map<number, number>();
    let stopping = false;
    let unavailable = 0;
    // Eight tills, each retrying its current sale with the same key until it is acknowledged.
    const till = async () => {
      while (!stopping) {
        const key = randomUUID();
        // Retried until acknowledged (bounded): a till never gives a sale up.
        for (let attempt = 0; attempt < 600; attempt++) {
          const response = await call('/v1/sales', { method: 'POST', body: SALE, key }).catch(
            () => undefined,
          );
          if (response) statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response?.status === 201) {
            acknowledged.set(key, (JSON.parse(response.body) as { id: string }).id);
            break;
          }
          if (response?.status === 503) {
            unavailable += 1;
            expect(response.headers['retry-after']).toBeDefined();
            expect(JSON.parse(response.body)).toMatchObject({ code: 'database_unavailable' });
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    const tills = Array.from({ length: 8 }, till);

    const waitForSales = async (count: number) => {
      const target = acknowledged.size + count;
      const deadline = Date.now() + 60_000;
      while (acknowledged.size < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(acknowledged.size, `API running: ${api.running}\n${api.logTail(15)}`).toBeGreaterThanOrEqual(
        target,
      );
    };
    try {
      for (let round = 0; round < 5; round++) {
        await waitForSales(15);
        // The server ends every session of the API at once, transactions in flight included.
        const admin = new pg.Client({ connectionString: postgres.url });
        await admin.connect();
        await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = 'outage' and pid <> pg_backend_pid()`,
        );
        await admin.end();
      }
      for (let round = 0; round < 2; round++) {
        await waitForSales(15);
        // A full restart: fast shutdown (every session gets 57P01), then the same server again.
        await postgres.stop();
        await new Promise((resolve) => setTimeout(resolve, 300));
        await startOurPostgres();
      }
      await waitForSales(15);
    } finally {
      stopping = true;
      await Promise.all(tills);
    }

    expect(api.running, api.logTail()).toBe(true);
    expect(worker.running, worker.logTail()).toBe(true);
    expect([...statuses.keys()].filter((status) => status >= 500 && status !== 503)).toEqual([]);
    expect(unavailable).toBeGreaterThan(0);

    const sql = new pg.Client({ connectionString: databaseUrl });
    await sql.connect();
    try {
      const { rows } = await sql.query<{ key: string; id: string }>(
        `select k.key, s.id from "${schema}".sale s join "${schema}".idempotency_key k on k.response->>'id' = s.id::text`,
      );
      const total = (await sql.query<{ n: number }>(`select count(*)::int as n from "${schema}".sale`))
        .rows[0]!.n;
      expect(total).toBe(rows.length);
      expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length);
      for (const [key, id] of acknowledged)
        expect(rows.filter((row) => row.key === key)).toEqual([{ key, id }]);
      // Every sale in the database was acknowledged: each till retried until it was.
      expect(rows.length).toBe(acknowledged.size);
      // The worker carried on relaying: every sale's event reaches the stream.
      const unpublished = async () =>
        (
          await sql.query<{ n: number }>(
            `select count(*)::int as n from "${schema}".outbox_event where published_at is null`,
          )
        ).rows[0]!.n;
      const deadline = Date.now() + 30_000;
      while ((await unpublished()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await unpublished(), worker.logTail()).toBe(0);
    } finally {
      await sql.end();
    }
  }, 240_000);
});
