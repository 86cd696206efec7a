// Portal tokens (ADR 0015) against a real pooled API with two tenants: a token acts for one portal
// user on one tenant with the rights of its role, and is refused everywhere else.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { hkdfSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import { loadConfig } from '../config.ts';
import {
  bearer,
  createTenantSchema,
  hostOf,
  setUpTenant,
  TEST_AUTH_SECRET,
  TEST_PIN_PEPPERS,
  TEST_PORTAL_TOKEN_SECRET,
  testApp,
  uniqueSlug,
  type TestTenant,
} from '../test-support.ts';
import {
  PORTAL_TOKEN_AUDIENCE,
  PORTAL_TOKEN_ISSUER,
  portalTokenKey,
  portalTokenSigner,
  type PortalRole,
} from './portal-tokens.ts';

const A = uniqueSlug('portal-a');
const B = uniqueSlug('portal-b');
/** A tenant nobody has set up yet: no staff. */
const FRESH = uniqueSlug('portal-fresh');
const sign = portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET });
const ownerId = randomUUID();
const managerId = randomUUID();
let db: TestDatabase;
let redis: Redis;
let app: PosApi;
let tenantA: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'portal_tokens');
  redis = new Redis(inject('redisUrl'));
  const admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  await createTenantSchema(admin, A);
  await createTenantSchema(admin, B);
  await createTenantSchema(admin, FRESH);
  await admin.close();
  app = await testApp({ databaseUrl: db.url, redis, mode: 'pooled' });
  tenantA = await setUpTenant(app, A);
  await setUpTenant(app, B);
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await db?.drop();
});

const tokenFor = (tenant: string, role: PortalRole, portalUserId = role === 'owner' ? ownerId : managerId) =>
  sign({ tenant, portalUserId, role });

const call = (
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  token: string,
  options: { host?: string; payload?: object } = {},
) =>
  app.inject({
    method,
    url,
    headers: { ...(options.host ? { host: options.host } : {}), ...bearer(token) },
    ...(options.payload ? { payload: options.payload } : {}),
  });

describe('a portal token', () => {
  it('acts for the portal user with the owner role, and the audit log names that user', async () => {
    const token = await tokenFor(A, 'owner');
    // The token alone names the tenant (the portal calls the pooled API by address).
    const stores = await call('GET', '/v1/stores', token);
    expect(stores.statusCode, stores.body).toBe(200);
    const created = await call('POST', '/v1/stores', token, {
      host: hostOf(A),
      payload: { code: 'PORTAL', name: 'Opened from the portal' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const storeId = created.json<{ id: string }>().id;

    const audit = await call('GET', '/v1/audit?action=store.create', token);
    expect(audit.statusCode, audit.body).toBe(200);
    const entry = audit
      .json<{ items: Record<string, unknown>[] }>()
      .items.find((e) => e.targetId === storeId);
    expect(entry).toMatchObject({
      actorPortalUserId: ownerId,
      actorStaffId: null,
      actorRole: 'owner',
      deviceId: null,
    });
  });

  it('gives a manager the manager column of the matrix: no owner-only changes', async () => {
    const token = await tokenFor(A, 'manager');
    const store = await call('POST', '/v1/stores', token, { payload: { code: 'NOPE', name: 'Not allowed' } });
    expect(store.statusCode, store.body).toBe(403);
    expect(store.json()).toMatchObject({ code: 'forbidden' });
    const owner = await call('POST', '/v1/staff', token, {
      payload: { code: '7000', displayName: 'New Owner', role: 'owner', pin: '7777' },
    });
    expect(owner.json()).toMatchObject({ code: 'forbidden' });
    const cashier = await call('POST', '/v1/staff', token, {
      payload: { code: '7001', displayName: 'New Cashier', role: 'cashier', pin: '7777' },
    });
    expect(cashier.statusCode, cashier.body).toBe(201);
    const products = await call('GET', '/v1/catalog/products', token);
    expect(products.statusCode, products.body).toBe(200);
  });

  it('is refused by another tenant, whichever way the tenant is named', async () => {
    const token = await tokenFor(A, 'owner');
    const byHost = await call('GET', '/v1/stores', token, { host: hostOf(B) });
    expect(byHost.statusCode).toBe(403);
    expect(byHost.json()).toMatchObject({ code: 'tenant_mismatch' });
    // Signed with A's key but claiming B: B's key does not verify it.
    const forged = await new SignJWT({ tnt: B, role: 'owner' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(PORTAL_TOKEN_ISSUER)
      .setAudience(PORTAL_TOKEN_AUDIENCE)
      .setSubject(ownerId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(Buffer.from(portalTokenKey(TEST_PORTAL_TOKEN_SECRET, A), 'base64url'));
    const claimed = await call('GET', '/v1/stores', forged);
    expect(claimed.statusCode).toBe(401);
    expect(claimed.json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('is refused when expired, too long-lived, or made with another secret', async () => {
    const past = new Date(Date.now() - 20 * 60_000);
    const expired = await sign({ tenant: A, portalUserId: ownerId, role: 'owner' }, past);
    expect((await call('GET', '/v1/stores', expired)).json()).toMatchObject({ code: 'token_expired' });

    const key = Buffer.from(portalTokenKey(TEST_PORTAL_TOKEN_SECRET, A), 'base64url');
    const longLived = await new SignJWT({ tnt: A, role: 'owner' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(PORTAL_TOKEN_ISSUER)
      .setAudience(PORTAL_TOKEN_AUDIENCE)
      .setSubject(ownerId)
      .setIssuedAt(Math.floor(past.getTime() / 1000))
      .setExpirationTime('1d')
      .sign(key);
    expect((await call('GET', '/v1/stores', longLived)).statusCode).toBe(401);

    const otherPlatform = portalTokenSigner({ platformSecret: 'another-platform-secret-long-enough-000000' });
    const foreign = await otherPlatform({ tenant: A, portalUserId: ownerId, role: 'owner' });
    expect((await call('GET', '/v1/stores', foreign)).json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('cannot pass as a staff token, and a staff token cannot pass as a portal token', async () => {
    // The portal's issuer on a token signed with the tenant's staff key (derived from AUTH_SECRET).
    const staffKey = new Uint8Array(
      hkdfSync('sha256', TEST_AUTH_SECRET, 'cloudpos access token', `tenant:${A}`, 32),
    );
    const mixed = await new SignJWT({ tnt: A, role: 'owner', dev: tenantA.deviceId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(PORTAL_TOKEN_ISSUER)
      .setAudience(PORTAL_TOKEN_AUDIENCE)
      .setSubject(ownerId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(staffKey);
    expect((await call('GET', '/v1/stores', mixed)).json()).toMatchObject({ code: 'unauthenticated' });
    // A portal-keyed token with the staff issuer goes to the staff check, which refuses it.
    const portalKey = Buffer.from(portalTokenKey(TEST_PORTAL_TOKEN_SECRET, A), 'base64url');
    const asStaff = await new SignJWT({ tnt: A, role: 'owner', dev: tenantA.deviceId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('cloudpos')
      .setAudience('cloudpos-pos-api')
      .setSubject(tenantA.owner.staffId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(portalKey);
    expect((await call('GET', '/v1/stores', asStaff)).json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('does not sell or approve: those happen on a till', async () => {
    const token = await tokenFor(A, 'owner');
    const sale = await app.inject({
      method: 'POST',
      url: '/v1/sales',
      headers: { ...bearer(token), 'idempotency-key': randomUUID() },
      payload: { lines: [{ sku: 'X', quantity: 1 }], tenders: [{ method: 'cash', amount: 1 }] },
    });
    expect(sale.statusCode, sale.body).toBe(403);
    expect(sale.json()).toMatchObject({ code: 'forbidden' });
    expect((await call('GET', '/v1/auth/me', token)).json()).toMatchObject({ code: 'forbidden' });
  });
});

describe("a new tenant's setup code", () => {
  it('is shown to a portal owner until the tenant has staff, and sets up the first owner', async () => {
    const read = async (role: PortalRole) => call('GET', '/v1/setup/code', await tokenFor(FRESH, role));
    expect((await read('manager')).json()).toMatchObject({ code: 'forbidden' });
    const shown = await read('owner');
    expect(shown.statusCode, shown.body).toBe(200);
    const { setupCode } = shown.json<{ setupCode: string }>();
    expect(setupCode).toMatch(/^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$/);
    // Another tenant's owner never reads it.
    expect(
      (await call('GET', '/v1/setup/code', await tokenFor(A, 'owner'), { host: hostOf(FRESH) })).json(),
    ).toMatchObject({
      code: 'tenant_mismatch',
    });

    const setup = await app.inject({
      method: 'POST',
      url: '/v1/setup',
      headers: { host: hostOf(FRESH) },
      payload: {
        setupCode,
        owner: { code: '1000', displayName: 'Fresh Owner', pin: '4821' },
        device: { name: 'Till 1' },
      },
    });
    expect(setup.statusCode, setup.body).toBe(201);
    const after = await read('owner');
    expect(after.statusCode).toBe(409);
    expect(after.json()).toMatchObject({ code: 'already_set_up' });
    // A tenant with staff (A) has no code to show either.
    expect((await call('GET', '/v1/setup/code', await tokenFor(A, 'owner'))).json()).toMatchObject({
      code: 'already_set_up',
    });
  });
});

describe('a dedicated API', () => {
  it('checks portal tokens with only its own tenant’s key (PORTAL_TOKEN_KEY)', async () => {
    const dedicated = await testApp({
      databaseUrl: db.url,
      redis,
      mode: 'dedicated',
      slug: A,
      env: { PORTAL_TOKEN_SECRET: '', PORTAL_TOKEN_KEY: portalTokenKey(TEST_PORTAL_TOKEN_SECRET, A) },
    });
    try {
      const ok = await dedicated.inject({
        method: 'GET',
        url: '/v1/stores',
        headers: bearer(await tokenFor(A, 'manager')),
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const other = await dedicated.inject({
        method: 'GET',
        url: '/v1/stores',
        headers: bearer(await tokenFor(B, 'owner')),
      });
      expect(other.json()).toMatchObject({ code: 'tenant_mismatch' });
    } finally {
      await dedicated.close();
    }
  });

  it('refuses a tenant key in pooled mode at boot, naming the setting but not its value', () => {
    const key = portalTokenKey(TEST_PORTAL_TOKEN_SECRET, A);
    const load = () =>
      loadConfig({
        DATABASE_URL: 'postgres://x',
        REDIS_URL: 'redis://x',
        AUTH_SECRET: TEST_AUTH_SECRET,
        PIN_PEPPERS: TEST_PIN_PEPPERS,
        TENANT_MODE: 'pooled',
        PORTAL_TOKEN_KEY: key,
      });
    expect(load).toThrow(/PORTAL_TOKEN_KEY is one tenant’s key/);
    expect(load).not.toThrow(new RegExp(key));
  });
});
