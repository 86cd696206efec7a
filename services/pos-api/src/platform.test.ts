// The platform plugins around every route: per-tenant rate limits in Redis (and what happens when
// Redis is gone), PIN attempt limits, the CORS allowlist, and the OpenAPI document.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from './app.ts';
import {
  bearer,
  createTenantSchema,
  PINS,
  setUpTenant,
  signIn,
  testApp,
  uniqueSlug,
  type TestTenant,
} from './test-support.ts';

let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
const apps: PosApi[] = [];
const slugs = { a: uniqueSlug('rl-a'), b: uniqueSlug('rl-b') };

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'platform');
  redis = new Redis(inject('redisUrl'));
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  await createTenantSchema(admin, slugs.a);
  await createTenantSchema(admin, slugs.b);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await admin?.close();
  redis?.disconnect();
  await db?.drop();
});

async function appWith(env: Record<string, string>, client: Redis = redis): Promise<PosApi> {
  const app = await testApp({ databaseUrl: db.url, redis: client, mode: 'pooled', env });
  apps.push(app);
  return app;
}

describe('rate limits', () => {
  let app: PosApi;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    const setup = await appWith({});
    a = await setUpTenant(setup, slugs.a);
    b = await setUpTenant(setup, slugs.b);
    app = await appWith({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
    // The counters are shared by every replica (that is the point): start from the setup's zero.
    const keys = await redis.keys('cloudpos:t:rl-*');
    if (keys.length > 0) await redis.del(...keys);
  });

  it('limit each tenant and till separately, with a problem and Retry-After, and never the probes', async () => {
    const me = (tenant: TestTenant) =>
      app.inject({ url: '/v1/auth/me', headers: { host: tenant.host, ...bearer(tenant.owner.accessToken) } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await me(a)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await me(a);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    // Another tenant (and its till) has its own budget; health probes have none.
    expect((await me(b)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect(await redis.keys(`cloudpos:t:${a.slug}:requests:${a.deviceId}`)).toHaveLength(1);
  });

  it('take a till’s hits from Redis ten at a time, and never admit more than the limit across replicas', async () => {
    const [one, two] = [
      await appWith({ RATE_LIMIT_MAX: '25', RATE_LIMIT_WINDOW_MS: '60000' }),
      await appWith({ RATE_LIMIT_MAX: '25', RATE_LIMIT_WINDOW_MS: '60000' }),
    ];
    const counter = `cloudpos:t:${b.slug}:requests:${b.deviceId}`;
    await redis.del(counter);
    const taken = async () => Number(await redis.get(counter));
    const me = async (replica: PosApi, times: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < times; i++)
        statuses.push(
          (
            await replica.inject({
              url: '/v1/auth/me',
              headers: { host: b.host, ...bearer(b.owner.accessToken) },
            })
          ).statusCode,
        );
      return statuses;
    };
    // Ten requests on one replica: one Redis call took ten hits.
    expect(await me(one, 10)).toEqual(Array<number>(10).fill(200));
    expect(await taken()).toBe(10);
    // The other replica takes its own ten.
    expect(await me(two, 1)).toEqual([200]);
    expect(await taken()).toBe(20);
    // The first one's next lease holds the five hits left within the limit.
    expect(await me(one, 7)).toEqual([...Array<number>(5).fill(200), 429, 429]);
    expect(await taken()).toBe(30);
    // The second uses the rest of its lease; after it, Redis refuses it: 25 admitted in all.
    expect(await me(two, 11)).toEqual([...Array<number>(9).fill(200), 429, 429]);
    expect(await taken()).toBe(40);
  });

  it('let requests through when Redis is unreachable', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    unreachable.on('error', () => {});
    const offline = await appWith({ RATE_LIMIT_MAX: '1' }, unreachable);
    for (let i = 0; i < 3; i++) {
      const response = await offline.inject({
        url: '/v1/auth/me',
        headers: { host: a.host, ...bearer(a.owner.accessToken) },
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    unreachable.disconnect();
  });

  it('slow PIN guessing per till, counting only wrong PINs', async () => {
    const limited = await appWith({ SIGN_IN_LIMIT_PER_DEVICE: '2' });
    const attempt = (pin: string) =>
      limited.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        headers: { host: b.host },
        payload: { deviceId: b.deviceId, deviceSecret: b.deviceSecret, staffCode: '3000', pin },
      });
    await signIn(limited, b, '2000', PINS.manager);
    await signIn(limited, b, '2000', PINS.manager);
    await signIn(limited, b, '2000', PINS.manager);
    expect((await attempt('0000')).statusCode).toBe(401);
    expect((await attempt('0000')).statusCode).toBe(401);
    const third = await attempt(PINS.cashier);
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ code: 'rate_limited' });
  });
});

describe('CORS', () => {
  it('answers only the allowlisted origins', async () => {
    const app = await appWith({ CORS_ORIGINS: 'https://till.example.com,http://localhost:5173' });
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/v1/auth/sign-in',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    const allowed = await preflight('https://till.example.com');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://till.example.com');
    expect(allowed.headers['access-control-allow-headers']).toContain('authorization');
    const refused = await preflight('https://evil.example.com');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    const simple = await app.inject({ url: '/healthz', headers: { origin: 'http://localhost:5173' } });
    expect(simple.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const none = await appWith({});
    const closed = await none.inject({ url: '/healthz', headers: { origin: 'https://till.example.com' } });
    expect(closed.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('OpenAPI', () => {
  it('documents every route with its schemas, problems and the bearer scheme', async () => {
    const app = await appWith({});
    const spec = (await app.inject('/docs/json')).json<{
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
      >;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/setup',
        '/v1/auth/sign-in',
        '/v1/auth/refresh',
        '/v1/auth/sign-out',
        '/v1/auth/me',
        '/v1/approvals',
        '/v1/staff',
        '/v1/staff/{id}',
        '/v1/devices',
        '/v1/devices/{id}/revoke',
        '/v1/audit',
      ]),
    );
    expect(spec.components.securitySchemes).toHaveProperty('bearerAuth');
    const signIn = spec.paths['/v1/auth/sign-in']!.post!.responses;
    expect(Object.keys(signIn)).toEqual(expect.arrayContaining(['200', '401', '423', '429']));
    expect(signIn['423']!.content).toHaveProperty(['application/problem+json']);
  });
});
