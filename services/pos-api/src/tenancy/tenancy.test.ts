// Tenant resolution in both modes against real PostgreSQL: the pooled API chooses the tenant per
// request (host name or token), the dedicated API serves one tenant with that tenant's own database
// role; in both, a token of tenant A is rejected for tenant B.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import type { InjectOptions } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import { accessTokens, tenantSetupCode } from '../auth/tokens.ts';
import {
  bearer,
  createTenantRole,
  createTenantSchema,
  hostOf,
  PINS,
  setUpTenant,
  signIn,
  TEST_AUTH_SECRET,
  testApp,
  testClock,
  uniqueSlug,
  type TestTenant,
} from '../test-support.ts';
import { TENANT_PROFILE_SETTING } from './directory.ts';

const A = uniqueSlug('alpha');
const B = uniqueSlug('beta');
const clock = testClock();
let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
let pooled: PosApi;
let tenantA: TestTenant;
let tenantB: TestTenant;
let roleB: Awaited<ReturnType<typeof createTenantRole>>;
let schemaA: string;
let schemaB: string;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'tenancy');
  redis = new Redis(inject('redisUrl'));
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  schemaA = await createTenantSchema(admin, A, { currency: 'CHF', timezone: 'Europe/Zurich' });
  schemaB = await createTenantSchema(admin, B);
  roleB = await createTenantRole(db.url, schemaB);
  pooled = await testApp({ databaseUrl: db.url, redis, mode: 'pooled', clock });
  tenantA = await setUpTenant(pooled, A);
  tenantB = await setUpTenant(pooled, B);
});

afterAll(async () => {
  await pooled?.close();
  await admin?.close();
  await roleB?.drop();
  redis?.disconnect();
  await db?.drop();
});

const me = (app: PosApi, headers: Record<string, string>) =>
  app.inject({ method: 'GET', url: '/v1/auth/me', headers });

describe('pooled mode', () => {
  it('takes the tenant from the host name, with its currency and time zone from its store', async () => {
    const response = await me(pooled, { host: tenantA.host, ...bearer(tenantA.owner.accessToken) });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      staffId: tenantA.owner.staffId,
      role: 'owner',
      deviceId: tenantA.deviceId,
      tenant: { slug: A, currency: 'CHF', timezone: 'Europe/Zurich', readOnly: false },
      permissions: { 'sale.refund': 'allow', 'staff.manage': 'allow' },
    });
  });

  it('takes the tenant from the token when the host names none', async () => {
    const response = await me(pooled, { host: '127.0.0.1:8080', ...bearer(tenantB.owner.accessToken) });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ tenant: { slug: B, currency: 'EUR' } });
  });

  it("rejects a token of tenant A on tenant B's host", async () => {
    const response = await me(pooled, { host: tenantB.host, ...bearer(tenantA.owner.accessToken) });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'tenant_mismatch', status: 403 });
  });

  it('rejects a token that claims tenant B but was not signed for it', async () => {
    const forged = await accessTokens({ secret: 'x'.repeat(40), ttlSeconds: 900 }).sign({
      tenant: B,
      staffId: tenantB.owner.staffId,
      role: 'owner',
      deviceId: tenantB.deviceId,
    });
    const response = await me(pooled, { host: tenantB.host, ...bearer(forged.token) });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toMatchObject({ code: 'unauthenticated' });
  });

  it("does not let tenant A's PIN sign-in use tenant B's host", async () => {
    const response = await pooled.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { host: tenantB.host },
      payload: {
        deviceId: tenantA.deviceId,
        deviceSecret: tenantA.deviceSecret,
        staffCode: '1000',
        pin: PINS.owner,
      },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'device_not_recognized' });
  });

  it('answers a tenant that does not exist exactly as a real one given no or bad credentials', async () => {
    const forged = (slug: string) =>
      accessTokens({ secret: 'x'.repeat(40), ttlSeconds: 900 }).sign({
        tenant: slug,
        staffId: tenantA.owner.staffId,
        role: 'owner',
        deviceId: tenantA.deviceId,
      });
    const signInBody = { deviceId: tenantA.deviceId, deviceSecret: 'x', staffCode: '1000', pin: '1111' };
    const requests: { name: string; make: (slug: string) => Promise<InjectOptions> }[] = [
      { name: 'me without a token', make: async () => ({ url: '/v1/auth/me' }) },
      { name: 'catalog without a token', make: async () => ({ url: '/v1/catalog/products' }) },
      {
        name: 'me with a malformed token',
        make: async () => ({ url: '/v1/auth/me', headers: { authorization: 'Bearer not-a-jwt' } }),
      },
      {
        name: 'me with a token signed by someone else',
        make: async (slug) => ({ url: '/v1/auth/me', headers: bearer((await forged(slug)).token) }),
      },
      {
        name: 'sign-in with a till the tenant does not know',
        make: async () => ({ method: 'POST', url: '/v1/auth/sign-in', payload: signInBody }),
      },
      {
        name: 'sign-in with an invalid body',
        make: async () => ({
          method: 'POST',
          url: '/v1/auth/sign-in',
          payload: { ...signInBody, pin: 'abc' },
        }),
      },
      {
        name: 'sign-in naming staff twice',
        make: async () => ({
          method: 'POST',
          url: '/v1/auth/sign-in',
          payload: { ...signInBody, staffId: tenantA.owner.staffId },
        }),
      },
      {
        name: 'setup with a wrong code',
        make: async () => ({
          method: 'POST',
          url: '/v1/setup',
          payload: {
            setupCode: 'WRONG-CODE',
            owner: { code: '1000', displayName: 'Eve', pin: '1234' },
            device: { name: 'Till' },
          },
        }),
      },
      {
        name: 'refresh with an unknown token',
        make: async () => ({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: 'nope' } }),
      },
      {
        name: 'sign-out with an unknown token',
        make: async () => ({ method: 'POST', url: '/v1/auth/sign-out', payload: { refreshToken: 'nope' } }),
      },
    ];
    const answer = async (host: string, options: InjectOptions) => {
      const response = await pooled.inject({ ...options, headers: { ...options.headers, host } });
      return {
        status: response.statusCode,
        headers: Object.keys(response.headers)
          .filter((name) => !['date', 'x-ratelimit-remaining', 'x-ratelimit-reset'].includes(name))
          .sort(),
        contentType: response.headers['content-type'],
        wwwAuthenticate: response.headers['www-authenticate'],
        body: response.body,
      };
    };
    const unknownHosts = ['nobody.localhost', 'Bad_Slug.localhost', `${'x'.repeat(45)}.localhost`];
    for (const { name, make } of requests) {
      const real = await answer(tenantA.host, await make(A));
      expect(real.status, name).toBeGreaterThanOrEqual(200);
      for (const host of unknownHosts) {
        const slug = host.split('.')[0]!.toLowerCase();
        expect(await answer(host, await make(slug)), `${name} on ${host}`).toEqual(real);
      }
    }
  });

  it('tells a request that names no tenant at all so (tenant_required)', async () => {
    const none = await pooled.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { host: '127.0.0.1' },
      payload: { deviceId: tenantA.deviceId, deviceSecret: 'x', staffCode: '1000', pin: '1111' },
    });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: 'tenant_required' });
  });

  it('requires a token on every /v1 route that is not public, and none elsewhere', async () => {
    const missing = await me(pooled, { host: tenantA.host });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ code: 'unauthenticated' });
    const garbage = await me(pooled, { host: tenantA.host, authorization: 'Bearer not-a-jwt' });
    expect(garbage.json()).toMatchObject({ code: 'unauthenticated' });
    const basic = await me(pooled, { host: tenantA.host, authorization: 'Basic YTpi' });
    expect(basic.json()).toMatchObject({ code: 'unauthenticated' });
    expect((await pooled.inject({ url: '/healthz', headers: { host: 'nobody.localhost' } })).statusCode).toBe(
      200,
    );
  });

  it('rejects an expired access token with token_expired', async () => {
    const session = await signIn(pooled, tenantA, '3000', PINS.cashier);
    // Used once while valid (the API then remembers it as verified), and refused after it expired.
    expect((await me(pooled, { host: tenantA.host, ...bearer(session.accessToken) })).statusCode).toBe(200);
    clock.advance(16 * 60_000);
    const response = await me(pooled, { host: tenantA.host, ...bearer(session.accessToken) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'token_expired' });
  });

  it('reads a tenant profile row, and refuses writes of a suspended (read-only) tenant', async () => {
    const slug = uniqueSlug('gamma');
    const schema = await createTenantSchema(admin, slug);
    const app = await testApp({
      databaseUrl: db.url,
      redis,
      mode: 'pooled',
      env: { TENANT_CACHE_TTL_MS: '0' },
    });
    try {
      const tenant = await setUpTenant(app, slug);
      await admin.em
        .getConnection()
        .execute(`insert into "${schema}".setting (key, value) values (?, ?)`, [
          TENANT_PROFILE_SETTING,
          JSON.stringify({ currency: 'JPY', timezone: 'Asia/Tokyo', readOnly: true }),
        ]);
      const read = await me(app, { host: tenant.host, ...bearer(tenant.owner.accessToken) });
      expect(read.json()).toMatchObject({
        tenant: { currency: 'JPY', timezone: 'Asia/Tokyo', readOnly: true },
      });
      const write = await app.inject({
        method: 'POST',
        url: '/v1/staff',
        headers: { host: tenant.host, ...bearer(tenant.owner.accessToken) },
        payload: { code: '4000', displayName: 'New', role: 'cashier', pin: '4444' },
      });
      expect(write.statusCode).toBe(403);
      expect(write.json()).toMatchObject({ code: 'tenant_read_only' });
      // Signing in still works: reports and the audit log stay readable while suspended.
      await signIn(app, tenant, '1000', PINS.owner);
    } finally {
      await app.close();
    }
  });

  it('remembers an unknown tenant only briefly, so a new tenant is found at once', async () => {
    const slug = uniqueSlug('delta');
    const app = await testApp({ databaseUrl: db.url, redis, mode: 'pooled' });
    try {
      // Unknown: a valid setup code for the slug is refused like a wrong one.
      const before = await app.inject({
        method: 'POST',
        url: '/v1/setup',
        headers: { host: hostOf(slug) },
        payload: {
          setupCode: tenantSetupCode(TEST_AUTH_SECRET, slug),
          owner: { code: '1000', displayName: 'Olga Owner', pin: PINS.owner },
          device: { name: 'Till 1' },
        },
      });
      expect(before.json()).toMatchObject({ code: 'setup_code_invalid' });
      await createTenantSchema(admin, slug);
      await new Promise((resolve) => setTimeout(resolve, 5_100));
      await setUpTenant(app, slug);
    } finally {
      await app.close();
    }
  });
});

describe("dedicated mode (tenant B's own database role)", () => {
  let dedicated: PosApi;

  beforeAll(async () => {
    dedicated = await testApp({ databaseUrl: roleB.url, redis, mode: 'dedicated', slug: B, clock });
  });
  afterAll(async () => {
    await dedicated?.close();
  });

  it("serves tenant B's tokens, with or without a host name", async () => {
    const session = await signIn(dedicated, tenantB, '2000', PINS.manager, {});
    const hosts: Record<string, string>[] = [{}, { host: tenantB.host }, { host: 'pos-api.tenant-b.svc:80' }];
    for (const headers of hosts) {
      const response = await me(dedicated, { ...headers, ...bearer(session.accessToken) });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ role: 'manager', tenant: { slug: B, currency: 'EUR' } });
    }
  });

  it('rejects a token of tenant A', async () => {
    const session = await signIn(pooled, tenantA, '1000', PINS.owner);
    const response = await me(dedicated, bearer(session.accessToken));
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'tenant_mismatch' });
  });

  it("rejects a request for tenant A's host name, even with B's token or none", async () => {
    const session = await signIn(dedicated, tenantB, '1000', PINS.owner, {});
    const withToken = await me(dedicated, { host: tenantA.host, ...bearer(session.accessToken) });
    expect(withToken.json()).toMatchObject({ code: 'tenant_mismatch' });
    const signInForA = await dedicated.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { host: tenantA.host },
      payload: {
        deviceId: tenantA.deviceId,
        deviceSecret: tenantA.deviceSecret,
        staffCode: '1000',
        pin: PINS.owner,
      },
    });
    expect(signInForA.statusCode).toBe(403);
    expect(signInForA.json()).toMatchObject({ code: 'tenant_mismatch' });
  });

  it("connects with a role that cannot read tenant A's schema at all", async () => {
    const client = new pg.Client({ connectionString: roleB.url });
    await client.connect();
    try {
      const own = await client.query<{ n: number }>('select count(*)::int as n from staff_member');
      expect(own.rows[0]?.n).toBe(3);
      await expect(client.query(`select count(*) from "${schemaA}".staff_member`)).rejects.toThrow(
        /permission denied for schema/,
      );
    } finally {
      await client.end();
    }
  });

  it('refuses writes when the ConfigMap says the tenant is read-only', async () => {
    const readOnly = await testApp({
      databaseUrl: roleB.url,
      redis,
      mode: 'dedicated',
      slug: B,
      env: { TENANT_READ_ONLY: 'true' },
    });
    try {
      const response = await readOnly.inject({
        method: 'POST',
        url: '/v1/devices',
        headers: bearer(tenantB.owner.accessToken),
        payload: { name: 'Till 2' },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ code: 'tenant_read_only' });
    } finally {
      await readOnly.close();
    }
  });
});
