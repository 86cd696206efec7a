// One-time pairing codes against real PostgreSQL and Redis: an owner or manager makes a code, a new
// register pairs itself with it once, within 10 minutes, in its own tenant only; the code is stored
// hashed, its creation and use are audited, and guessing is rate limited.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig, tenantSchemaName } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import {
  bearer,
  createTenantSchema,
  PINS,
  setUpTenant,
  signIn,
  testApp,
  testClock,
  uniqueSlug,
  type TestTenant,
} from '../test-support.ts';
import { normalizePairingCode, PAIRING_ALPHABET } from './pairing.ts';

const clock = testClock();
const PER_ADDRESS = 6;
let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
let app: PosApi;
let shop: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'pairing');
  redis = new Redis(inject('redisUrl'));
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  const slugs = [uniqueSlug('pair'), uniqueSlug('pairother')];
  for (const slug of slugs) await createTenantSchema(admin, slug);
  app = await testApp({
    databaseUrl: db.url,
    redis,
    mode: 'pooled',
    clock,
    env: { SIGN_IN_LIMIT_PER_ADDRESS: String(PER_ADDRESS) },
  });
  shop = await setUpTenant(app, slugs[0]!);
  other = await setUpTenant(app, slugs[1]!);
});

afterAll(async () => {
  await app?.close();
  await admin?.close();
  redis?.disconnect();
  await db?.drop();
});

async function newCode(tenant: TestTenant, token = tenant.owner.accessToken, body: object = {}) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/devices/pairing-codes',
    headers: { host: tenant.host, ...bearer(token) },
    payload: body,
  });
  return response;
}

const pair = (tenant: { host: string }, code: string, device: object = { name: 'Counter 2' }) =>
  app.inject({
    method: 'POST',
    url: '/v1/devices/pair',
    headers: { host: tenant.host },
    payload: { code, device },
  });

async function codeOf(tenant: TestTenant): Promise<string> {
  const response = await newCode(tenant);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ code: string }>().code;
}

async function auditActions(tenant: TestTenant, action: string) {
  const response = await app.inject({
    url: `/v1/audit?limit=200&action=${action}`,
    headers: { host: tenant.host, ...bearer(tenant.owner.accessToken) },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: { outcome: string; actorStaffId: string | null; detail: unknown }[] }>()
    .items;
}

describe('making a pairing code', () => {
  it('gives an owner or manager a short grouped code valid for 10 minutes, audited', async () => {
    const response = await newCode(shop);
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json<{ code: string; expiresAt: string; storeId: string | null }>();
    const letter = `[${PAIRING_ALPHABET}]`;
    expect(body.code).toMatch(new RegExp(`^${letter}{4}-${letter}{4}$`));
    expect(Date.parse(body.expiresAt) - clock().getTime()).toBe(10 * 60_000);
    expect(body.storeId).toBeNull();

    const manager = await signIn(app, shop, shop.manager.code, shop.manager.pin);
    expect((await newCode(shop, manager.accessToken)).statusCode).toBe(201);

    const entries = await auditActions(shop, 'device.pairingCode');
    expect(entries.map((entry) => [entry.outcome, entry.actorStaffId])).toEqual([
      ['succeeded', manager.staffId],
      ['succeeded', shop.owner.staffId],
    ]);
  });

  it('needs no body at all: the portal’s button just posts', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/devices/pairing-codes',
      headers: { host: shop.host, ...bearer(shop.owner.accessToken) },
    });
    expect(response.statusCode, response.body).toBe(201);
  });

  it('refuses a cashier, and a store that does not exist', async () => {
    const cashier = await signIn(app, shop, shop.cashier.code, shop.cashier.pin);
    const refused = await newCode(shop, cashier.accessToken);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'forbidden' });
    const noStore = await newCode(shop, shop.owner.accessToken, {
      storeId: '00000000-0000-4000-8000-000000000999',
    });
    expect(noStore.statusCode).toBe(404);
    expect(noStore.json()).toMatchObject({ code: 'store_not_found' });
  });

  it('stores only the SHA-256 of the code', async () => {
    const code = await codeOf(shop);
    const rows = await admin.em
      .getConnection()
      .execute<Record<string, unknown>[]>(
        `select * from "${tenantSchemaName(shop.slug)}".device_pairing_code`,
      );
    const hash = createHash('sha256').update(normalizePairingCode(code)).digest('hex');
    expect(rows.map((row) => row.code_hash)).toContain(hash);
    expect(JSON.stringify(rows)).not.toContain(normalizePairingCode(code));
  });
});

describe('pairing a register with a code', () => {
  it('creates the register in the only open store; its secret signs staff in; the code works once', async () => {
    const code = await codeOf(shop);
    // As a person types it: lower case, a space instead of the dash.
    const paired = await pair(shop, code.toLowerCase().replace('-', ' '));
    expect(paired.statusCode, paired.body).toBe(201);
    const device = paired.json<{
      id: string;
      secret: string;
      name: string;
      code: string;
      storeId: string;
      store: { id: string; code: string; currency: string };
    }>();
    expect(device).toMatchObject({ name: 'Counter 2', store: { code: 'MAIN', currency: 'EUR' } });
    expect(device.storeId).toBe(device.store.id);
    expect(device.code).toMatch(/^T\d+$/);

    const signedIn = await app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { host: shop.host },
      payload: {
        deviceId: device.id,
        deviceSecret: device.secret,
        staffCode: shop.cashier.code,
        pin: PINS.cashier,
      },
    });
    expect(signedIn.statusCode, signedIn.body).toBe(200);

    const again = await pair(shop, code);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'pairing_code_used' });

    const entries = await auditActions(shop, 'device.pair');
    expect(entries.map((entry) => [entry.outcome, entry.actorStaffId])).toEqual([
      ['failed', null],
      ['succeeded', shop.owner.staffId],
    ]);
  });

  it('pairs exactly one register when the same code is used twice at once', async () => {
    const code = await codeOf(shop);
    const answers = await Promise.all([pair(shop, code), pair(shop, code)]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 409]);
  });

  it('refuses a code after 10 minutes', async () => {
    const code = await codeOf(shop);
    clock.advance(10 * 60_000 + 1_000);
    const late = await pair(shop, code);
    expect(late.statusCode).toBe(410);
    expect(late.json()).toMatchObject({ code: 'pairing_code_expired' });
  });

  it('refuses another tenant’s code, and any code on a tenant that does not exist', async () => {
    const code = await codeOf(other);
    const elsewhere = await pair(shop, code);
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json()).toMatchObject({ code: 'pairing_code_invalid' });
    const nowhere = await pair({ host: `${uniqueSlug('nobody')}.localhost` }, code);
    expect(nowhere.statusCode).toBe(403);
    expect(nowhere.json()).toMatchObject({ code: 'pairing_code_invalid' });
    // The code is still good in its own tenant.
    expect((await pair(other, code)).statusCode).toBe(201);
  });

  it('pairs into the code’s store, and refuses another store named at pairing', async () => {
    const stores = await app.inject({
      url: '/v1/stores',
      headers: { host: shop.host, ...bearer(shop.owner.accessToken) },
    });
    const main = stores.json<{ items: { id: string }[] }>().items[0]!;
    const response = await newCode(shop, shop.owner.accessToken, { storeId: main.id });
    expect(response.json()).toMatchObject({ storeId: main.id });
    const { code } = response.json<{ code: string }>();
    const mismatch = await pair(shop, code, {
      name: 'Counter 3',
      storeId: '00000000-0000-4000-8000-000000000999',
    });
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json()).toMatchObject({ code: 'pairing_code_other_store' });
    const paired = await pair(shop, code, { name: 'Counter 3', storeId: main.id });
    expect(paired.statusCode, paired.body).toBe(201);
    expect(paired.json()).toMatchObject({ storeId: main.id });
  });

  it('with several open stores, pairs nothing until a store is named, and the code stays good', async () => {
    await admin.em.getConnection().execute(
      `insert into "${tenantSchemaName(other.slug)}".store (id, code, name, timezone, currency)
         values ('00000000-0000-4000-8000-00000000a002', 'HARBOUR', 'Harbour', 'Europe/Berlin', 'EUR')`,
    );
    const code = await codeOf(other);
    const devicesBefore = await app.inject({
      url: '/v1/devices',
      headers: { host: other.host, ...bearer(other.owner.accessToken) },
    });
    const ambiguous = await pair(other, code);
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.json()).toMatchObject({ code: 'pairing_store_required' });
    const devicesAfter = await app.inject({
      url: '/v1/devices',
      headers: { host: other.host, ...bearer(other.owner.accessToken) },
    });
    expect(devicesAfter.json()).toEqual(devicesBefore.json());

    const named = await pair(other, code, {
      name: 'Harbour 1',
      storeId: '00000000-0000-4000-8000-00000000a002',
    });
    expect(named.statusCode, named.body).toBe(201);
    expect(named.json()).toMatchObject({ store: { code: 'HARBOUR' } });
  });

  it('rejects a malformed body as a client mistake', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/devices/pair',
      headers: { host: shop.host },
      payload: { code: 'ABCD-EFGH' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'validation_failed' });
  });

  it('slows guessing: wrong codes from one address run out after the per-address budget', async () => {
    const statuses: number[] = [];
    for (let guess = 0; guess < PER_ADDRESS + 2; guess += 1)
      statuses.push((await pair(other, `ZZZZ-ZZZ${PAIRING_ALPHABET[guess]}`)).statusCode);
    expect(statuses.slice(0, PER_ADDRESS)).toEqual(Array(PER_ADDRESS).fill(403));
    expect(statuses.slice(PER_ADDRESS)).toEqual([429, 429]);
    const limited = await pair(other, 'ZZZZ-ZZZZ');
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
