// PIN attempt limits against a real Redis, from the attacker's side: a stranger who knows a till's
// id, or who floods the tenant with junk sign-ins, must not lock the real tills and staff out; and
// every counter lives under a bounded key of the tenant's prefix.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import {
  bearer,
  createTenantSchema,
  PINS,
  setUpTenant,
  testApp,
  uniqueSlug,
  type TestTenant,
} from '../test-support.ts';

let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
const apps: PosApi[] = [];

// Documentation addresses (RFC 5737): the till's shop, a stranger, and the ingress in front of both.
const SHOP = '198.51.100.7';
const STRANGER = '203.0.113.9';
const INGRESS = '10.20.0.5';

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'sign-in-limits');
  redis = new Redis(inject('redisUrl'));
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await admin?.close();
  redis?.disconnect();
  await db?.drop();
});

/** A fresh tenant (own counters) served by an app with the default limits unless `env` says. */
async function freshTenant(env: Record<string, string> = {}): Promise<{ app: PosApi; tenant: TestTenant }> {
  const slug = uniqueSlug('lim');
  await createTenantSchema(admin, slug);
  const app = await testApp({ databaseUrl: db.url, redis, mode: 'pooled', env });
  apps.push(app);
  const tenant = await setUpTenant(app, slug);
  return { app, tenant };
}

function signInFrom(
  app: PosApi,
  tenant: TestTenant,
  remoteAddress: string,
  body: Partial<{ deviceId: string; deviceSecret: string; staffCode: string; pin: string }> = {},
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url: '/v1/auth/sign-in',
    remoteAddress,
    headers: { host: tenant.host, ...headers },
    payload: {
      deviceId: tenant.deviceId,
      deviceSecret: tenant.deviceSecret,
      staffCode: '1000',
      pin: PINS.owner,
      ...body,
    },
  });
}

async function keysOf(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

describe('a stranger', () => {
  it('who knows a till id cannot lock that till', async () => {
    const { app, tenant } = await freshTenant();
    for (let i = 0; i < 30; i++) {
      const junk = await signInFrom(app, tenant, `${STRANGER.slice(0, -1)}${i % 10}`, {
        deviceSecret: `guess-${i}`,
      });
      expect([401, 429]).toContain(junk.statusCode);
    }
    const real = await signInFrom(app, tenant, SHOP);
    expect(real.statusCode, real.body).toBe(200);
  });

  it('who floods the tenant with 150 junk sign-ins does not lock the owner out', async () => {
    const { app, tenant } = await freshTenant();
    for (let i = 0; i < 150; i++) {
      // From many addresses, as a botnet would: unknown tills and known tills with wrong secrets.
      const junk = await signInFrom(app, tenant, `203.0.113.${i % 250}`, {
        ...(i % 2 === 0 ? { deviceId: randomUUID() } : {}),
        deviceSecret: `guess-${i}`,
        pin: '0000',
      });
      expect([401, 429]).toContain(junk.statusCode);
    }
    const owner = await signInFrom(app, tenant, SHOP);
    expect(owner.statusCode, owner.body).toBe(200);
  });

  it('sending junk from one address is slowed there, not at the shop', async () => {
    const { app, tenant } = await freshTenant({ SIGN_IN_LIMIT_PER_ADDRESS: '5' });
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await signInFrom(app, tenant, STRANGER, { deviceSecret: `guess-${i}` })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // The stranger is slowed even with a real till's secret they might have stolen meanwhile…
    expect((await signInFrom(app, tenant, STRANGER)).statusCode).toBe(429);
    // …while the shop signs in as usual.
    expect((await signInFrom(app, tenant, SHOP)).statusCode).toBe(200);
  });
});

describe('PIN guessing on a recognized till', () => {
  it('is slowed per till after 10 wrong PINs, while right PINs are never counted', async () => {
    const { app, tenant } = await freshTenant({ PIN_MAX_ATTEMPTS: '20' });
    for (let i = 0; i < 15; i++) expect((await signInFrom(app, tenant, SHOP)).statusCode).toBe(200);
    const statuses = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await signInFrom(app, tenant, SHOP, { staffCode: '3000', pin: '0000' })).statusCode);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
    const limited = await signInFrom(app, tenant, SHOP);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
  });

  it('with a manager approval counts against the signed-in till', async () => {
    const { app, tenant } = await freshTenant({ SIGN_IN_LIMIT_PER_DEVICE: '3', PIN_MAX_ATTEMPTS: '20' });
    const cashier = await signInFrom(app, tenant, SHOP, { staffCode: '3000', pin: PINS.cashier });
    const { accessToken } = cashier.json<{ accessToken: string }>();
    const approve = (pin: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/approvals',
        remoteAddress: SHOP,
        headers: { host: tenant.host, ...bearer(accessToken) },
        payload: { action: 'sale.refund', amount: 100, staffCode: '2000', pin },
      });
    expect((await approve(PINS.manager)).statusCode).toBe(201);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await approve('0000')).statusCode);
    expect(statuses).toEqual([403, 403, 403, 429]);
  });
});

describe('behind an ingress', () => {
  it('takes the client address from X-Forwarded-For only when the ingress is a trusted proxy', async () => {
    const { app, tenant } = await freshTenant({ TRUST_PROXY: '10.0.0.0/8', SIGN_IN_LIMIT_PER_ADDRESS: '2' });
    const forwardedFor = (client: string) => ({ 'x-forwarded-for': client });
    for (let i = 0; i < 3; i++) {
      await signInFrom(app, tenant, INGRESS, { deviceSecret: 'junk' }, forwardedFor(STRANGER));
    }
    // The stranger is slowed by their own address; the shop behind the same ingress is not.
    expect(
      (await signInFrom(app, tenant, INGRESS, { deviceSecret: 'junk' }, forwardedFor(STRANGER))).statusCode,
    ).toBe(429);
    expect((await signInFrom(app, tenant, INGRESS, {}, forwardedFor(SHOP))).statusCode).toBe(200);
    // A client outside the trusted range cannot pick its address with the header.
    for (let i = 0; i < 3; i++) {
      await signInFrom(app, tenant, STRANGER, { deviceSecret: 'junk' }, forwardedFor(`192.0.2.${i}`));
    }
    // Counted: the stranger's first 2 (refused attempts take nothing, whichever way they came); the
    // shop's reservation was given back; the ingress itself and the spoofed addresses never.
    const prefix = `cloudpos:t:${tenant.slug}:sign-in-address:`;
    const keys = await keysOf(`${prefix}*`);
    expect(keys).toEqual([`${prefix}${SHOP}`, `${prefix}${STRANGER}`]);
    expect(await redis.mget(...keys)).toEqual(['0', '2']);
  });
});

describe('Redis keys', () => {
  // cloudpos:t:<slug>:<purpose>:<id>: the tenant's prefix (its ACL user may touch only that), a fixed
  // purpose, and an id that is a uuid, an address, or a hash: never raw input of any length.
  const KEY_SHAPE = /^cloudpos:t:[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?:[a-z]+(-[a-z]+)*:[A-Za-z0-9._:-]{1,64}$/;

  it('are all cloudpos:t:<slug>:<purpose>:<bounded id>', async () => {
    const { app, tenant } = await freshTenant();
    await signInFrom(app, tenant, SHOP);
    await signInFrom(app, tenant, SHOP, { staffCode: '3000', pin: '0000' });
    await signInFrom(app, tenant, STRANGER, { deviceSecret: 'junk' });
    await signInFrom(app, tenant, '2001:db8:1:2:3:4:5:6', { deviceSecret: 'junk' });
    await app.inject({
      url: '/v1/auth/me',
      remoteAddress: SHOP,
      headers: { host: tenant.host, ...bearer(tenant.owner.accessToken) },
    });

    // Requests that are not a tenant's write no key at all.
    for (const url of ['/healthz', '/docs/json', '/nowhere', '/v1/nowhere', '/v1/auth/me'])
      await app.inject({ url, remoteAddress: SHOP, headers: { host: 'nobody.example' } });

    const keys = await keysOf(`*${tenant.slug}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(KEY_SHAPE);
    const purposes = new Set(keys.map((key) => key.split(':')[3]));
    expect([...purposes].sort()).toEqual([
      'requests',
      'setup-address',
      'sign-in-address',
      'sign-in-device',
      'sign-in-tenant',
    ]);
    // An IPv6 client is counted by its /64, so one subnet cannot mint endless counters.
    expect(keys).toContain(`cloudpos:t:${tenant.slug}:sign-in-address:2001:db8:1:2::`);
    // Nothing anywhere in this Redis is keyed without a prefix (other test files share it).
    for (const key of await keysOf('*')) expect(key).toMatch(/^cloudpos:t:/);
  });
});
