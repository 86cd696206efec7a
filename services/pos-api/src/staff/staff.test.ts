// Staff sign-in end to end against real PostgreSQL and Redis: setup code, PIN sign-in and lockout,
// refresh rotation with reuse detection, manager approvals consumed by requirePermission, staff and
// till administration, and the audit log.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { createLogger } from '@cloudpos/telemetry';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { PosApi } from '../app.ts';
import { tenantSetupCode } from '../auth/tokens.ts';
import {
  bearer,
  createTenantSchema,
  PINS,
  setUpTenant,
  signIn,
  TEST_AUTH_SECRET,
  testApp,
  testClock,
  uniqueSlug,
  type TestTenant,
} from '../test-support.ts';
import { requirePermission } from './require-permission.ts';

const clock = testClock();
const ANY_STRING = expect.any(String) as string;
const logLines: string[] = [];
let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
let app: PosApi;
let tenant: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'staff');
  redis = new Redis(inject('redisUrl'));
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  const slug = uniqueSlug('shop');
  await createTenantSchema(admin, slug);
  const logger = createLogger({
    name: 'test',
    level: 'trace',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  });
  app = await testApp({
    databaseUrl: db.url,
    redis,
    mode: 'pooled',
    clock,
    logger,
    // Lockout is what these tests exercise; the per-till rate limit has its own test.
    env: { SIGN_IN_LIMIT_PER_DEVICE: '1000', SIGN_IN_LIMIT_PER_TENANT: '1000' },
  });
  // A route of a later domain, guarded like the real ones will be.
  app.post(
    '/v1/test/refunds',
    {
      preHandler: requirePermission('sale.refund', {
        amount: (request) => (request.body as { amount: number }).amount,
        target: () => ({ type: 'order', id: 'order-1' }),
      }),
    },
    async (request) => ({ approval: request.ctx.approval ?? null }),
  );
  tenant = await setUpTenant(app, slug);
});

afterAll(async () => {
  await app?.close();
  await admin?.close();
  redis?.disconnect();
  await db?.drop();
});

const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { host: tenant.host, ...headers }, payload });
const get = (url: string, token: string) =>
  app.inject({ method: 'GET', url, headers: { host: tenant.host, ...bearer(token) } });
const signInBody = (staff: { staffCode?: string; staffId?: string }, pin: string) => ({
  deviceId: tenant.deviceId,
  deviceSecret: tenant.deviceSecret,
  ...staff,
  pin,
});

interface AuditRow {
  id: string;
  action: string;
  outcome: string;
  actorStaffId: string | null;
  approverStaffId: string | null;
  approvalId: string | null;
  amount: number | null;
  deviceId: string | null;
  targetId: string | null;
  traceId: string | null;
  detail: Record<string, unknown> | null;
}

async function audit(action?: string): Promise<AuditRow[]> {
  const owner = await signIn(app, tenant, '1000', PINS.owner);
  const response = await get(`/v1/audit?limit=200${action ? `&action=${action}` : ''}`, owner.accessToken);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: AuditRow[] }>().items;
}

async function newCashier(code: string, pin = '5555') {
  const owner = await signIn(app, tenant, '1000', PINS.owner);
  const response = await post(
    '/v1/staff',
    { code, displayName: `Cashier ${code}`, role: 'cashier', pin },
    bearer(owner.accessToken),
  );
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

describe('the first owner', () => {
  it('needs the setup code, and works only once', async () => {
    const slug = uniqueSlug('fresh');
    await createTenantSchema(admin, slug);
    const host = `${slug}.localhost`;
    const body = (setupCode: string, code: string) => ({
      setupCode,
      owner: { code, displayName: 'Owner', pin: '9999' },
      device: { name: 'Till' },
    });
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/setup',
      headers: { host },
      // Another tenant's code is a wrong code.
      payload: body(tenantSetupCode(TEST_AUTH_SECRET, tenant.slug), '1'),
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ code: 'setup_code_invalid' });

    // Two at once: exactly one creates the owner.
    const code = tenantSetupCode(TEST_AUTH_SECRET, slug).toLowerCase().replaceAll('-', ' ');
    const [first, second] = await Promise.all([
      app.inject({ method: 'POST', url: '/v1/setup', headers: { host }, payload: body(code, '1') }),
      app.inject({ method: 'POST', url: '/v1/setup', headers: { host }, payload: body(code, '2') }),
    ]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([201, 409]);
    const loser = first.statusCode === 409 ? first : second;
    expect(loser.json()).toMatchObject({ code: 'already_set_up' });
    const winner = first.statusCode === 201 ? first : second;
    expect(winner.json()).toMatchObject({
      tokenType: 'Bearer',
      staff: { role: 'owner', displayName: 'Owner' },
      device: { name: 'Till', secret: ANY_STRING },
      tenant: { slug, currency: 'EUR' },
    });

    const again = await app.inject({
      method: 'POST',
      url: '/v1/setup',
      headers: { host },
      payload: body(code, '3'),
    });
    expect(again.statusCode).toBe(409);
  });
});

describe('PIN sign-in', () => {
  it('signs a member in by code or by id, returning short-lived tokens', async () => {
    const byCode = await post('/v1/auth/sign-in', signInBody({ staffCode: '3000' }, PINS.cashier));
    expect(byCode.statusCode, byCode.body).toBe(200);
    const session = byCode.json<{ accessToken: string; expiresAt: string; staff: { role: string } }>();
    expect(session.staff.role).toBe('cashier');
    const lifetime = new Date(session.expiresAt).getTime() - clock().getTime();
    expect(lifetime).toBeGreaterThan(899_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    const byId = await post('/v1/auth/sign-in', signInBody({ staffId: tenant.cashier.id }, PINS.cashier));
    expect(byId.statusCode).toBe(200);
    const both = await post(
      '/v1/auth/sign-in',
      signInBody({ staffId: tenant.cashier.id, staffCode: '3000' }, PINS.cashier),
    );
    expect(both.json()).toMatchObject({ code: 'validation_failed' });
  });

  it('answers a wrong PIN and an unknown member alike, and a wrong device secret differently', async () => {
    const wrongPin = await post('/v1/auth/sign-in', signInBody({ staffCode: '2000' }, '0000'));
    const unknown = await post('/v1/auth/sign-in', signInBody({ staffCode: '9999' }, '0000'));
    expect(wrongPin.statusCode).toBe(401);
    expect(wrongPin.json()).toMatchObject({ code: 'invalid_credentials' });
    expect(unknown.json()).toEqual(wrongPin.json());
    const wrongDevice = await post('/v1/auth/sign-in', {
      ...signInBody({ staffCode: '2000' }, PINS.manager),
      deviceSecret: 'nope',
    });
    expect(wrongDevice.json()).toMatchObject({ code: 'device_not_recognized' });
    const shortPin = await post('/v1/auth/sign-in', signInBody({ staffCode: '2000' }, '12'));
    expect(shortPin.json()).toMatchObject({ code: 'validation_failed' });
    // A correct PIN resets the count.
    await signIn(app, tenant, '2000', PINS.manager);
  });

  it('locks a member out after 5 wrong PINs, for longer each time, and counts parallel guesses one by one', async () => {
    const id = await newCashier('7001');
    const attempt = (pin: string) => post('/v1/auth/sign-in', signInBody({ staffCode: '7001' }, pin));

    const parallel = await Promise.all(Array.from({ length: 8 }, () => attempt('0000')));
    const codes = parallel.map((response) => response.json<{ code: string }>().code).sort();
    expect(codes).toEqual([
      ...Array<string>(4).fill('invalid_credentials'),
      ...Array<string>(4).fill('pin_locked'),
    ]);
    const locked = await attempt('5555');
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['retry-after']).toBe('60');
    expect(locked.json()).toMatchObject({ code: 'pin_locked', lockedUntil: ANY_STRING });

    clock.advance(61_000);
    for (let i = 0; i < 4; i++)
      expect((await attempt('0000')).json()).toMatchObject({ code: 'invalid_credentials' });
    const second = await attempt('0000');
    expect(second.statusCode).toBe(423);
    expect(second.headers['retry-after']).toBe('120');

    // An owner can unlock at once; the lockouts are in the audit log.
    const owner = await signIn(app, tenant, '1000', PINS.owner);
    const unlock = await app.inject({
      method: 'PATCH',
      url: `/v1/staff/${id}`,
      headers: { host: tenant.host, ...bearer(owner.accessToken) },
      payload: { unlock: true },
    });
    expect(unlock.json()).toMatchObject({ lockedUntil: null });
    expect((await attempt('5555')).statusCode).toBe(200);
    const lockouts = (await audit('staff.lockout')).filter((entry) => entry.targetId === id);
    expect(lockouts).toHaveLength(2);
  });
});

describe('refresh tokens', () => {
  it('rotate, and a reused token revokes the whole sign-in', async () => {
    const session = await signIn(app, tenant, '3000', PINS.cashier);
    const first = await post('/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(first.statusCode, first.body).toBe(200);
    const rotated = first.json<{ accessToken: string; refreshToken: string }>();
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    expect((await get('/v1/auth/me', rotated.accessToken)).statusCode).toBe(200);

    const replay = await post('/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'refresh_token_reused' });
    const afterReuse = await post('/v1/auth/refresh', { refreshToken: rotated.refreshToken });
    expect(afterReuse.json()).toMatchObject({ code: 'refresh_token_invalid' });
    expect(await audit('auth.refreshReuse')).toHaveLength(1);
  });

  it('end at sign-out and when they expire', async () => {
    const session = await signIn(app, tenant, '3000', PINS.cashier);
    const out = await post('/v1/auth/sign-out', { refreshToken: session.refreshToken });
    expect(out.statusCode).toBe(204);
    expect((await post('/v1/auth/refresh', { refreshToken: session.refreshToken })).json()).toMatchObject({
      code: 'refresh_token_invalid',
    });
    const later = await signIn(app, tenant, '3000', PINS.cashier);
    clock.advance(12 * 3600_000 + 1000);
    expect((await post('/v1/auth/refresh', { refreshToken: later.refreshToken })).json()).toMatchObject({
      code: 'refresh_token_invalid',
    });
    expect((await post('/v1/auth/refresh', { refreshToken: 'made-up' })).statusCode).toBe(401);
  });
});

describe('manager approval', () => {
  const refund = (token: string, amount: number, approvalId?: string) =>
    post(
      '/v1/test/refunds',
      { amount },
      { ...bearer(token), ...(approvalId ? { 'x-approval-id': approvalId } : {}) },
    );
  const approve = (token: string, body: object) => post('/v1/approvals', body, bearer(token));

  it('lets a cashier refund once, for the approved amount, on the same till', async () => {
    const cashier = await signIn(app, tenant, '3000', PINS.cashier);
    const without = await refund(cashier.accessToken, 1250);
    expect(without.statusCode).toBe(403);
    expect(without.json()).toMatchObject({ code: 'approval_required', action: 'sale.refund', amount: 1250 });

    const granted = await approve(cashier.accessToken, {
      action: 'sale.refund',
      amount: 1250,
      staffCode: '2000',
      pin: PINS.manager,
    });
    expect(granted.statusCode, granted.body).toBe(201);
    const { approvalId } = granted.json<{ approvalId: string }>();

    expect((await refund(cashier.accessToken, 9999, approvalId)).json()).toMatchObject({
      code: 'approval_invalid',
      detail: 'the approval is other amount',
    });
    const used = await refund(cashier.accessToken, 1250, approvalId);
    expect(used.statusCode, used.body).toBe(200);
    expect(used.json()).toEqual({ approval: { id: approvalId, approverStaffId: tenant.manager.id } });
    expect((await refund(cashier.accessToken, 1250, approvalId)).json()).toMatchObject({
      code: 'approval_invalid',
      detail: 'the approval is used',
    });

    const [entry] = (await audit('sale.refund')).filter((row) => row.outcome === 'approved');
    expect(entry).toMatchObject({
      actorStaffId: tenant.cashier.id,
      approverStaffId: tenant.manager.id,
      approvalId,
      amount: 1250,
      deviceId: tenant.deviceId,
      targetId: 'order-1',
      traceId: ANY_STRING,
    });
  });

  it('expires after two minutes and is bound to the action and the staff member who asked', async () => {
    const cashier = await signIn(app, tenant, '3000', PINS.cashier);
    const other = await signIn(app, tenant, '7001', '5555');
    const grant = async () =>
      (
        await approve(cashier.accessToken, {
          action: 'sale.refund',
          amount: 100,
          staffCode: '2000',
          pin: PINS.manager,
        })
      ).json<{ approvalId: string }>().approvalId;

    const expiring = await grant();
    clock.advance(121_000);
    expect((await refund(cashier.accessToken, 100, expiring)).json()).toMatchObject({
      detail: 'the approval is expired',
    });
    const someoneElses = await grant();
    expect((await refund(other.accessToken, 100, someoneElses)).json()).toMatchObject({
      detail: 'the approval is other till or staff member',
    });
    const voidApproval = (
      await approve(cashier.accessToken, { action: 'sale.void', staffCode: '2000', pin: PINS.manager })
    ).json<{ approvalId: string }>().approvalId;
    expect((await refund(cashier.accessToken, 100, voidApproval)).json()).toMatchObject({
      detail: 'the approval is other action',
    });
    expect((await refund(cashier.accessToken, 100, 'not-a-uuid')).json()).toMatchObject({
      detail: 'the approval is unknown',
    });
  });

  it('needs a PIN of someone who may do the action, other than the one asking', async () => {
    const cashier = await signIn(app, tenant, '3000', PINS.cashier);
    const self = await approve(cashier.accessToken, {
      action: 'sale.refund',
      staffCode: '3000',
      pin: PINS.cashier,
    });
    expect(self.json()).toMatchObject({ code: 'approval_not_permitted' });
    const cannotGrant = await approve(cashier.accessToken, {
      action: 'catalog.write',
      staffCode: '2000',
      pin: PINS.manager,
    });
    expect(cannotGrant.json()).toMatchObject({ code: 'approval_not_permitted' });
    const wrongPin = await approve(cashier.accessToken, {
      action: 'sale.refund',
      staffCode: '2000',
      pin: '0000',
    });
    // 403, not 401: a 401 would tell the till its own session ended.
    expect(wrongPin.statusCode).toBe(403);
    expect(wrongPin.json()).toMatchObject({ code: 'approval_pin_invalid' });
  });

  it('is not needed by a manager, whose refund is audited as allowed', async () => {
    const manager = await signIn(app, tenant, '2000', PINS.manager);
    const response = await refund(manager.accessToken, 700);
    expect(response.json()).toEqual({ approval: null });
    expect((await audit('sale.refund')).find((row) => row.outcome === 'allowed')).toMatchObject({
      actorStaffId: tenant.manager.id,
      amount: 700,
    });
  });
});

describe('staff and tills', () => {
  it('keeps managers to cashiers, codes unique, and one owner at least', async () => {
    const manager = await signIn(app, tenant, '2000', PINS.manager);
    const owner = await signIn(app, tenant, '1000', PINS.owner);
    const asManager = (method: 'POST' | 'PATCH', url: string, payload: object) =>
      app.inject({ method, url, headers: { host: tenant.host, ...bearer(manager.accessToken) }, payload });

    expect(
      (await asManager('POST', '/v1/staff', { code: '8001', displayName: 'C', role: 'cashier', pin: '8888' }))
        .statusCode,
    ).toBe(201);
    expect(
      (
        await asManager('POST', '/v1/staff', { code: '8002', displayName: 'M', role: 'manager', pin: '8888' })
      ).json(),
    ).toMatchObject({ code: 'forbidden' });
    expect(
      (await asManager('PATCH', `/v1/staff/${tenant.owner.staffId}`, { displayName: 'X' })).json(),
    ).toMatchObject({ code: 'forbidden' });
    expect(
      (await asManager('PATCH', `/v1/staff/${tenant.cashier.id}`, { role: 'manager' })).json(),
    ).toMatchObject({ code: 'forbidden' });
    expect(
      (
        await asManager('POST', '/v1/staff', { code: '8001', displayName: 'C', role: 'cashier', pin: '8888' })
      ).json(),
    ).toMatchObject({ code: 'staff_code_taken' });

    const demote = await app.inject({
      method: 'PATCH',
      url: `/v1/staff/${tenant.owner.staffId}`,
      headers: { host: tenant.host, ...bearer(owner.accessToken) },
      payload: { role: 'manager' },
    });
    expect(demote.json()).toMatchObject({ code: 'last_owner' });

    const cashier = await signIn(app, tenant, '3000', PINS.cashier);
    expect((await get('/v1/staff', cashier.accessToken)).json()).toMatchObject({ code: 'forbidden' });
    const list = (await get('/v1/staff', manager.accessToken)).json<{ items: Record<string, unknown>[] }>();
    expect(list).toMatchObject({ next: null });
    expect(list.items.map((member) => member.code)).toEqual(
      expect.arrayContaining(['1000', '2000', '3000', '8001']),
    );
    expect(JSON.stringify(list)).not.toMatch(/pin|scrypt/i);
  });

  it('ends sign-ins when a PIN changes or a member leaves', async () => {
    const id = await newCashier('7002', '7777');
    const session = await signIn(app, tenant, '7002', '7777');
    const owner = await signIn(app, tenant, '1000', PINS.owner);
    const patch = (payload: object) =>
      app.inject({
        method: 'PATCH',
        url: `/v1/staff/${id}`,
        headers: { host: tenant.host, ...bearer(owner.accessToken) },
        payload,
      });
    expect((await patch({ pin: '7778' })).statusCode).toBe(200);
    expect((await post('/v1/auth/refresh', { refreshToken: session.refreshToken })).json()).toMatchObject({
      code: 'refresh_token_invalid',
    });
    await signIn(app, tenant, '7002', '7778');
    expect((await patch({ active: false })).json()).toMatchObject({ active: false });
    expect((await post('/v1/auth/sign-in', signInBody({ staffCode: '7002' }, '7778'))).json()).toMatchObject({
      code: 'invalid_credentials',
    });
  });

  it('registers a till whose secret is shown once, and revokes it', async () => {
    const manager = await signIn(app, tenant, '2000', PINS.manager);
    const created = await post('/v1/devices', { name: 'Till 2' }, bearer(manager.accessToken));
    expect(created.statusCode, created.body).toBe(201);
    const device = created.json<{ id: string; secret: string }>();
    const unknownStore = await post(
      '/v1/devices',
      { name: 'Till 3', storeId: '00000000-0000-4000-8000-000000000000' },
      bearer(manager.accessToken),
    );
    expect(unknownStore.json()).toMatchObject({ code: 'store_not_found' });
    const listed = await get('/v1/devices', manager.accessToken);
    expect(listed.body).not.toContain(device.secret);
    expect(listed.json()).toMatchObject({ next: null });
    expect(listed.json<{ items: unknown[] }>().items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: device.id, revokedAt: null })]),
    );

    const till2 = { ...tenant, deviceId: device.id, deviceSecret: device.secret };
    const session = await signIn(app, till2, '3000', PINS.cashier);
    const cashierTriesToRevoke = await post(
      `/v1/devices/${device.id}/revoke`,
      {},
      bearer(session.accessToken),
    );
    expect(cashierTriesToRevoke.json()).toMatchObject({ code: 'forbidden' });
    expect((await post(`/v1/devices/${device.id}/revoke`, {}, bearer(manager.accessToken))).statusCode).toBe(
      200,
    );
    const refused = await post('/v1/auth/sign-in', {
      deviceId: device.id,
      deviceSecret: device.secret,
      staffCode: '3000',
      pin: PINS.cashier,
    });
    expect(refused.json()).toMatchObject({ code: 'device_not_recognized' });
    expect((await post('/v1/auth/refresh', { refreshToken: session.refreshToken })).json()).toMatchObject({
      code: 'refresh_token_invalid',
    });
  });
});

describe('the audit log', () => {
  it('records sign-ins, failures and denials with device and trace, newest first, in pages', async () => {
    const cashier = await signIn(app, tenant, '3000', PINS.cashier);
    expect((await get('/v1/audit', cashier.accessToken)).json()).toMatchObject({ code: 'forbidden' });
    const entries = await audit();
    const actions = new Set(entries.map((entry) => `${entry.action}:${entry.outcome}`));
    for (const expected of [
      'tenant.setup:succeeded',
      'auth.signIn:succeeded',
      'auth.signIn:failed',
      'approval.grant:succeeded',
      'staff.create:succeeded',
      'staff.update:denied',
      'device.register:succeeded',
      'audit.read:denied',
    ]) {
      expect(actions, expected).toContain(expected);
    }
    const ids = entries.map((entry) => BigInt(entry.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));

    const owner = await signIn(app, tenant, '1000', PINS.owner);
    const page1 = (await get('/v1/audit?limit=2', owner.accessToken)).json<{
      items: { id: string }[];
      next: string;
    }>();
    const page2 = (await get(`/v1/audit?limit=2&before=${page1.next}`, owner.accessToken)).json<{
      items: { id: string }[];
    }>();
    expect(page1.items).toHaveLength(2);
    expect(BigInt(page2.items[0]!.id)).toBeLessThan(BigInt(page1.items[1]!.id));
    // A cursor beyond PostgreSQL's bigint is older than nothing: the first page, not a 500.
    const beyond = await get('/v1/audit?limit=2&before=9999999999999999999', owner.accessToken);
    expect(beyond.statusCode, beyond.body).toBe(200);
    expect(beyond.json<{ items: { id: string }[] }>().items).toEqual(page1.items);
  });
});

describe('secrets', () => {
  it('never reach the logs: PINs, device secrets, access and refresh tokens', async () => {
    const session = await signIn(app, tenant, '3000', PINS.cashier);
    await post('/v1/auth/refresh', { refreshToken: session.refreshToken });
    await get('/v1/auth/me', session.accessToken);
    const logs = logLines.join('');
    expect(logs).toContain('incoming request');
    for (const secret of [
      tenant.deviceSecret,
      session.accessToken,
      session.refreshToken,
      `"${PINS.cashier}"`,
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
