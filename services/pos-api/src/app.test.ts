import { createLogger, createMetrics } from '@cloudpos/telemetry';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import helmet from 'helmet';
import { Redis } from 'ioredis';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '@cloudpos/harness/vitest/provided';
import { buildApp, helmetHeaders, type PosApi } from './app.ts';
import { loadConfig, ConfigError, trustedProxiesOf } from './config.ts';
import type { ReadinessCheck } from './plugins/health.ts';
import { TEST_AUTH_SECRET, TEST_PIN_PEPPERS } from './test-support.ts';

const silent = createLogger({ name: 'test', level: 'silent' });
let pool: pg.Pool;
let redis: Redis;
let orm: MikroORM;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('postgresUrl'), max: 2 });
  redis = new Redis(inject('redisUrl'));
  orm = await MikroORM.init(tenantOrmConfig({ clientUrl: inject('postgresUrl'), poolMax: 1 }));
});
afterAll(async () => {
  await pool.end();
  redis.disconnect();
  await orm.close();
});

const baseEnv = () => ({
  DATABASE_URL: inject('postgresUrl'),
  NATS_URL: inject('natsUrl'),
  REDIS_URL: inject('redisUrl'),
  AUTH_SECRET: TEST_AUTH_SECRET,
  PIN_PEPPERS: TEST_PIN_PEPPERS,
  TENANT_MODE: 'pooled',
});

async function appWith(checks: ReadinessCheck[], env: Record<string, string> = {}): Promise<PosApi> {
  return buildApp({
    config: loadConfig({ ...baseEnv(), ...env }),
    logger: silent,
    metrics: createMetrics(),
    readinessChecks: checks,
    orm,
    redis,
  });
}

const realChecks = (): ReadinessCheck[] => [
  { name: 'postgres', critical: true, check: async () => void (await pool.query('select 1')) },
  { name: 'redis', critical: false, check: async () => void (await redis.ping()) },
];

describe('system routes', () => {
  it('answers /healthz', async () => {
    const app = await appWith([]);
    const response = await app.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    await app.close();
  });

  it('is ready when real Postgres and Redis answer', async () => {
    const app = await appWith(realChecks());
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      checks: { postgres: { status: 'ok' }, redis: { status: 'ok' } },
    });
    await app.close();
  });

  it('is not ready when a critical dependency fails, and does not leak its error message', async () => {
    const unreachable = new pg.Pool({ connectionString: 'postgres://u:secret@127.0.0.1:1/db', max: 1 });
    const app = await appWith([
      { name: 'postgres', critical: true, check: async () => void (await unreachable.query('select 1')) },
    ]);
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 'not_ready',
      checks: { postgres: { status: 'failing' } },
    });
    expect(response.body).not.toContain('secret');
    await app.close();
    await unreachable.end();
  });

  it('stays ready when only a non-critical dependency fails', async () => {
    const app = await appWith([
      ...realChecks(),
      { name: 'nats', critical: false, check: () => Promise.reject(new Error('down')) },
    ]);
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ checks: { nats: { status: 'failing', error: 'Error' } } });
    await app.close();
  });

  it('publishes an OpenAPI 3.1 document and the docs UI', async () => {
    const app = await appWith([]);
    const spec = (await app.inject('/docs/json')).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(Object.keys(spec.paths)).not.toContain('/metrics');
    const ui = await app.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    await app.close();
  });

  it('serves Prometheus metrics', async () => {
    const app = await appWith([]);
    await app.inject('/healthz');
    const scrape = await app.inject('/metrics');
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toMatch(
      /http_server_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} 1/,
    );
    await app.close();
  });

  it('answers an unknown route with problem+json and a stable code', async () => {
    const app = await appWith([]);
    const response = await app.inject('/nope?x=1');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toEqual({
      type: 'https://cloudpos.io/problems/route-not-found',
      title: 'No such route',
      status: 404,
      code: 'route_not_found',
      detail: 'GET /nope does not exist',
    });
    await app.close();
  });

  it('answers malformed JSON with a 400 problem, not a 500', async () => {
    const app = await appWith([]);
    app.post('/echo', async (request) => request.body);
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"broken',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 400, code: 'invalid_json' });
    await app.close();
  });

  it("answers a URL Fastify cannot route as a catalogued problem, not Fastify's own JSON", async () => {
    const app = await appWith([]);
    app.get('/things/:id', async () => ({}));
    const badEncoding = await app.inject('/things/%ED%A0%80');
    expect(badEncoding.statusCode).toBe(400);
    expect(badEncoding.headers['content-type']).toContain('application/problem+json');
    expect(badEncoding.json()).toMatchObject({ status: 400, code: 'invalid_url' });
    const tooLong = await app.inject(`/things/${'x'.repeat(101)}`);
    expect(tooLong.statusCode).toBe(414);
    expect(tooLong.json()).toMatchObject({ status: 414, code: 'url_too_long' });
    await app.close();
  });

  it('sends security headers', async () => {
    const app = await appWith([]);
    const response = await app.inject('/healthz');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    for (const [name, value] of Object.entries(helmetHeaders())) expect(response.headers[name]).toBe(value);
    await app.close();
  });

  it('works out the same security headers as helmet sets on a Node server', async () => {
    const middleware = helmet();
    const server = createServer((request, response) => middleware(request, response, () => response.end()));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const fromHelmet = Object.fromEntries(
        [...answer.headers].filter(
          ([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name),
        ),
      );
      expect(Object.keys(fromHelmet).length).toBeGreaterThan(10);
      expect(helmetHeaders()).toEqual(fromHelmet);
    } finally {
      server.close();
    }
  });
});

describe('configuration', () => {
  it('names every missing setting', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(
      /^invalid configuration: DATABASE_URL is not set; REDIS_URL is not set; AUTH_SECRET is not set; PIN_PEPPERS is not set \(comma-separated <version>:<base64 key of at least 32 bytes>, current first, e.g. v2:…,v1:…\); TENANT_SLUG is not set \(required when TENANT_MODE is dedicated\); TENANT_CURRENCY is not set \(required when TENANT_MODE is dedicated\)$/,
    );
  });

  it('names an invalid setting without echoing its value', () => {
    const attempt = () =>
      loadConfig({
        DATABASE_URL: 'mysql://root:hunter2@db',
        NATS_URL: 'nats://x:4222',
        REDIS_URL: 'redis://x',
        AUTH_SECRET: 'short-secret-hunter3',
        TENANT_MODE: 'pooled',
      });
    expect(attempt).toThrow(/DATABASE_URL is invalid; AUTH_SECRET is invalid \(at least 32 characters\)$/);
    expect(attempt).not.toThrow(/hunter/);
  });

  it('refuses malformed PIN_PEPPERS, naming the problem but never a key', () => {
    const key = Buffer.from('a-pepper-key-that-must-stay-secret!').toString('base64');
    const messageFor = (value: string) => {
      try {
        loadConfig({ ...baseEnv(), PIN_PEPPERS: value });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('the configuration was accepted');
    };
    for (const [value, reason] of [
      [key, /PIN_PEPPERS is invalid: entry 1 has no version such as v1/],
      [`v1:${key.slice(0, 24)}`, /PIN_PEPPERS is invalid: the key of v1 is not base64 of at least 32 bytes/],
      [`v2:${key},v2:${key}`, /PIN_PEPPERS is invalid: version v2 is given twice/],
      [`v2:${key},v1:not base64!`, /PIN_PEPPERS is invalid: the key of v1/],
    ] as const) {
      const message = messageFor(value);
      expect(message).toMatch(reason);
      expect(message).not.toContain(key.slice(0, 16));
    }
    expect(loadConfig({ ...baseEnv(), PIN_PEPPERS: `v2:${key}, v1:${key}` }).PIN_PEPPERS).toContain('v2:');
  });

  it('rejects an unknown tenant mode and a malformed CORS allowlist', () => {
    expect(() => loadConfig({ ...baseEnv(), TENANT_MODE: 'shared' })).toThrow(/TENANT_MODE is invalid/);
    expect(() => loadConfig({ ...baseEnv(), CORS_ORIGINS: 'https://a.example, *' })).toThrow(
      /CORS_ORIGINS is invalid/,
    );
    expect(() => loadConfig({ ...baseEnv(), CORS_ORIGINS: 'https://a.example/path' })).toThrow(
      /CORS_ORIGINS is invalid/,
    );
  });

  it('takes trusted proxies as addresses and CIDRs, and refuses trusting everyone', () => {
    const proxies = (value: string) => loadConfig({ ...baseEnv(), TRUST_PROXY: value }).TRUST_PROXY;
    expect(proxies('10.0.0.0/8, 192.168.1.4,fd00::/8')).toBe('10.0.0.0/8, 192.168.1.4,fd00::/8');
    expect(trustedProxiesOf('10.0.0.0/8, 192.168.1.4,fd00::/8')).toEqual([
      '10.0.0.0/8',
      '192.168.1.4',
      'fd00::/8',
    ]);
    expect(trustedProxiesOf('')).toEqual([]);
    for (const value of ['true', '1', '10.0.0.0/33', 'fd00::/129', 'ingress.local', '10.0.0.0/8/1']) {
      expect(() => proxies(value), value).toThrow(
        /TRUST_PROXY is invalid \(comma-separated proxy addresses or CIDRs/,
      );
    }
  });

  it('applies defaults and converts numbers and booleans', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://h/d',
      REDIS_URL: 'redis://h',
      AUTH_SECRET: TEST_AUTH_SECRET,
      PIN_PEPPERS: TEST_PIN_PEPPERS,
      TENANT_SLUG: 'acme',
      TENANT_CURRENCY: 'EUR',
      TENANT_READ_ONLY: 'true',
      PORT: '9000',
    });
    expect(config).toMatchObject({
      PORT: 9000,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      TENANT_MODE: 'dedicated',
      TENANT_READ_ONLY: true,
      TENANT_TIMEZONE: 'UTC',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      DATABASE_POOL_MAX: 10,
    });
    expect(loadConfig({ ...baseEnv(), CORS_ORIGINS: '' }).CORS_ORIGINS).toBe('');
  });
});
