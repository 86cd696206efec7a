// Building blocks of the POS API's tests: a real database with migrated tenant schemas, tenant
// database roles like the operator's, apps in either mode, and a tenant set up through the API.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import { createLogger, createMetrics, type Logger } from '@cloudpos/telemetry';
import { migrateTenant, provisionTenantRole, tenantOrmConfig, tenantSchemaName } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Redis } from 'ioredis';
import pg from 'pg';
import { expect } from 'vitest';
import { buildApp, type PosApi } from './app.ts';
import { tenantSetupCode } from './auth/tokens.ts';
import { loadConfig } from './config.ts';
import { saleEventsFromConfig } from './events/index.ts';
import { seedTestCatalog } from './sales/test-catalog.ts';

export { seedTestCatalog };

export const TEST_AUTH_SECRET = 'test-auth-secret-that-is-long-enough-0123456789';
/** The platform secret the tests' portal tokens are derived from (ADR 0015). */
export const TEST_PORTAL_TOKEN_SECRET = 'test-portal-token-secret-long-enough-0123456789';
/** The tests' PIN pepper (a fixed key: test data stays verifiable across apps of one test). */
export const TEST_PIN_PEPPERS = `v1:${Buffer.from('test-pin-pepper-0123456789abcdef').toString('base64')}`;

/** A slug no other test file uses (rate-limit counters in the shared Redis are per tenant). */
export const uniqueSlug = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

export interface TestClock {
  (): Date;
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let now = start;
  const clock = (() => new Date(now)) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

/** The tenant's schema, migrated, with one store, as the operator leaves it. */
export async function createTenantSchema(
  orm: MikroORM,
  slug: string,
  store: { currency: string; timezone: string } = { currency: 'EUR', timezone: 'Europe/Berlin' },
): Promise<string> {
  const schema = tenantSchemaName(slug);
  await migrateTenant(orm, schema);
  await orm.em
    .getConnection()
    .execute(
      `insert into "${schema}".store (id, code, name, timezone, currency) values (gen_random_uuid(), 'MAIN', 'Main', ?, ?)`,
      [store.timezone, store.currency],
    );
  return schema;
}

/**
 * A login role that can use only the tenant's schema, with its search_path there, in a hardened
 * database: exactly what the operator provisions (the same function from @cloudpos/tenant-db).
 */
export async function createTenantRole(
  adminUrl: string,
  schema: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Pool({ connectionString: adminUrl, max: 1 });
  let password: string;
  try {
    ({ password } = await provisionTenantRole(admin, { schema, connectionLimit: 10 }));
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.username = schema;
  url.password = password;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [
          schema,
        ]);
        await client.query(`drop owned by "${schema}" cascade`);
        await client.query(`drop role if exists "${schema}"`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestAppOptions {
  databaseUrl: string;
  redis: Redis;
  mode: 'pooled' | 'dedicated';
  slug?: string;
  env?: Record<string, string>;
  clock?: TestClock;
  logger?: Logger;
}

/** An app with its own ORM (closed with the app). */
export async function testApp(options: TestAppOptions): Promise<PosApi> {
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:1',
    AUTH_SECRET: TEST_AUTH_SECRET,
    PIN_PEPPERS: TEST_PIN_PEPPERS,
    PORTAL_TOKEN_SECRET: TEST_PORTAL_TOKEN_SECRET,
    TENANT_MODE: options.mode,
    ...(options.mode === 'dedicated' ? { TENANT_SLUG: options.slug, TENANT_CURRENCY: 'EUR' } : {}),
    ...options.env,
  });
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: config.DATABASE_URL, poolMax: 2 }));
  // As server.ts makes them: with NATS_URL in `env`, GET /v1/sales/events reads the tenant's stream.
  const saleEvents = saleEventsFromConfig(config);
  const app = await buildApp({
    config,
    logger: options.logger ?? createLogger({ name: 'test', level: 'silent' }),
    metrics: createMetrics(),
    readinessChecks: [],
    orm,
    redis: options.redis,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(saleEvents ? { saleEvents } : {}),
  });
  app.addHook('onClose', async () => {
    await orm.close();
    await saleEvents?.close();
  });
  return app;
}

/**
 * A pooled API listening on a free local port with its own Redis connection, for other packages'
 * tests (the portal calls it over HTTP with portal tokens signed with TEST_PORTAL_TOKEN_SECRET).
 */
export async function listeningTestApi(options: {
  databaseUrl: string;
  redisUrl: string;
  /** GET /v1/sales/events reads each tenant's stream with `<credsDir>/<slug>.nats.creds` (local mode). */
  nats?: { url: string; credsDir: string };
}): Promise<{ url: string; app: PosApi; close(): Promise<void> }> {
  const redis = new Redis(options.redisUrl);
  const { nats } = options;
  const app = await testApp({
    databaseUrl: options.databaseUrl,
    redis,
    mode: 'pooled',
    ...(nats ? { env: { NATS_URL: nats.url, NATS_CREDS_DIR: nats.credsDir } } : {}),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    app,
    async close() {
      // A socket a client opened and never sent a request on is not idle to Node: it would hold the
      // close until the request timeout. Whatever is still open shortly after the close began goes.
      const closing = app.close();
      const force = setTimeout(() => app.server.closeAllConnections(), 2_000);
      await closing;
      clearTimeout(force);
      redis.disconnect();
    },
  };
}

export const hostOf = (slug: string) => `${slug}.localhost`;
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  staffId: string;
}

export interface TestTenant {
  slug: string;
  host: string;
  deviceId: string;
  deviceSecret: string;
  owner: SignedIn;
  manager: { id: string; code: string; pin: string };
  cashier: { id: string; code: string; pin: string };
}

export const PINS = { owner: '1111', manager: '2222', cashier: '3333' } as const;

/**
 * Sets a tenant up through the API as a merchant would: the first owner and till with the setup
 * code, then a manager and a cashier created by the owner.
 */
export async function setUpTenant(app: PosApi, slug: string): Promise<TestTenant> {
  const host = hostOf(slug);
  const setup = await app.inject({
    method: 'POST',
    url: '/v1/setup',
    headers: { host },
    payload: {
      setupCode: tenantSetupCode(TEST_AUTH_SECRET, slug),
      owner: { code: '1000', displayName: 'Olga Owner', pin: PINS.owner },
      device: { name: 'Till 1' },
    },
  });
  expect(setup.statusCode, setup.body).toBe(201);
  const body = setup.json<{
    accessToken: string;
    refreshToken: string;
    staff: { id: string };
    device: { id: string; secret: string };
  }>();
  const create = async (code: string, role: string, pin: string) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/staff',
      headers: { host, ...bearer(body.accessToken) },
      payload: { code, displayName: `${role} ${code}`, role, pin },
    });
    expect(response.statusCode, response.body).toBe(201);
    return { id: response.json<{ id: string }>().id, code, pin };
  };
  return {
    slug,
    host,
    deviceId: body.device.id,
    deviceSecret: body.device.secret,
    owner: { accessToken: body.accessToken, refreshToken: body.refreshToken, staffId: body.staff.id },
    manager: await create('2000', 'manager', PINS.manager),
    cashier: await create('3000', 'cashier', PINS.cashier),
  };
}

export async function signIn(
  app: PosApi,
  tenant: TestTenant,
  staffCode: string,
  pin: string,
  headers: Record<string, string> = { host: tenant.host },
): Promise<SignedIn> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/sign-in',
    headers,
    payload: { deviceId: tenant.deviceId, deviceSecret: tenant.deviceSecret, staffCode, pin },
  });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<{ accessToken: string; refreshToken: string; staff: { id: string } }>();
  return { accessToken: body.accessToken, refreshToken: body.refreshToken, staffId: body.staff.id };
}

/** Registers another till as the tenant's owner and signs `staff` in on it (the cashier by default). */
export async function anotherTill(
  app: PosApi,
  tenant: TestTenant,
  name: string,
  staff: { code: string; pin: string } = tenant.cashier,
): Promise<{ device: { id: string; secret: string; code: string }; signedIn: SignedIn }> {
  const registered = await app.inject({
    method: 'POST',
    url: '/v1/devices',
    headers: { host: tenant.host, ...bearer(tenant.owner.accessToken) },
    payload: { name },
  });
  expect(registered.statusCode, registered.body).toBe(201);
  const device = registered.json<{ id: string; secret: string; code: string }>();
  const signedIn = await signIn(
    app,
    { ...tenant, deviceId: device.id, deviceSecret: device.secret },
    staff.code,
    staff.pin,
  );
  return { device, signedIn };
}

export interface SellingWorld {
  db: TestDatabase;
  redis: Redis;
  /** Superuser access to the test database, for setting up and reading back. */
  sql: pg.Pool;
  app: PosApi;
  tenant: TestTenant;
  schema: string;
  close(): Promise<void>;
}

/**
 * A tenant ready to sell, for a test file: its own database on the shared test server, a migrated
 * schema with one store and the test catalog, a pooled API, and an owner, manager and cashier set
 * up through the API.
 */
export async function sellingWorld(
  prefix: string,
  infra: { postgresUrl: string; redisUrl: string },
  options: {
    env?: Record<string, string>;
    /** Runs before the app's first request (hooks can be added only before it boots). */
    beforeBoot?: (app: PosApi) => void;
    /** The app's logger (silent by default). */
    logger?: Logger;
  } = {},
): Promise<SellingWorld> {
  const db = await createTestDatabase(infra.postgresUrl, prefix.replaceAll('-', '_'));
  const redis = new Redis(infra.redisUrl);
  const admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  const sql = new pg.Pool({ connectionString: db.url, max: 3 });
  const slug = uniqueSlug(prefix);
  const schema = await createTenantSchema(admin, slug);
  await admin.close();
  await seedTestCatalog(sql, schema);
  const app = await testApp({
    databaseUrl: db.url,
    redis,
    mode: 'pooled',
    ...(options.env ? { env: options.env } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  options.beforeBoot?.(app);
  const tenant = await setUpTenant(app, slug);
  return {
    db,
    redis,
    sql,
    app,
    tenant,
    schema,
    async close() {
      await app.close();
      await sql.end();
      redis.disconnect();
      await db.drop();
    },
  };
}

/**
 * Another tenant in the world's database, as the operator leaves a new one: a migrated schema with
 * one store, no staff yet, and the one-time setup code the portal would show its owner.
 */
export async function unsetTenant(
  world: SellingWorld,
  prefix: string,
): Promise<{ slug: string; host: string; schema: string; setupCode: string }> {
  const admin = await MikroORM.init(tenantOrmConfig({ clientUrl: world.db.url, poolMax: 1 }));
  try {
    const slug = uniqueSlug(prefix);
    const schema = await createTenantSchema(admin, slug);
    return { slug, host: hostOf(slug), schema, setupCode: tenantSetupCode(TEST_AUTH_SECRET, slug) };
  } finally {
    await admin.close();
  }
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request to an API running as a process on 127.0.0.1:`port`, as the tenant `host` names, with
 * node:http (fetch may not set the Host header, which names the tenant in pooled mode).
 */
export function callApi(
  target: { port: number; host: string; token?: string },
  path: string,
  init: { method?: string; body?: string; key?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        path,
        method: init.method ?? 'GET',
        headers: {
          host: target.host,
          'content-type': 'application/json',
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
          ...(init.key ? { 'idempotency-key': init.key } : {}),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}
