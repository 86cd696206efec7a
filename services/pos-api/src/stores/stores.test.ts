// Stores and the tills in them, through the HTTP API against real PostgreSQL and Redis: an owner
// opens a second store, moves a till there, and the till sells in it without naming it; a closed
// store sells no more; versions guard every change; only owners manage stores.
import type {} from '@cloudpos/harness/vitest/provided';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import {
  bearer,
  signIn,
  sellingWorld,
  type SellingWorld,
  type SignedIn,
  type TestTenant,
} from '../test-support.ts';

let world: SellingWorld;
let sql: pg.Pool;
let app: PosApi;
let tenant: TestTenant;
let schema: string;
let manager: SignedIn;

beforeAll(async () => {
  world = await sellingWorld('stores', { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  ({ sql, app, tenant, schema } = world);
  manager = await signIn(app, tenant, tenant.manager.code, tenant.manager.pin);
});

afterAll(async () => {
  await world?.close();
});

const send = (
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  who: SignedIn | undefined,
  payload?: object,
  headers: Record<string, string> = {},
) =>
  app.inject({
    method,
    url,
    headers: { host: tenant.host, ...(who ? bearer(who.accessToken) : {}), ...headers },
    ...(payload ? { payload } : {}),
  });

const owner = () => tenant.owner;
const SALE = { lines: [{ sku: 'PEN', quantity: 1 }], tenders: [{ method: 'cash', amount: 333 }] };

describe('stores', () => {
  let berlin: { id: string; version: number };

  it('are opened by owners, with a unique code and a real time zone', async () => {
    const created = await send('POST', '/v1/stores', owner(), {
      code: 'BERLIN',
      name: 'Berlin Mitte',
      timezone: 'Europe/Berlin',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    berlin = created.json();
    expect(created.json()).toMatchObject({ code: 'BERLIN', currency: 'EUR', closedAt: null, version: 1 });

    const twice = await send('POST', '/v1/stores', owner(), { code: 'BERLIN', name: 'Again' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'store_code_taken' });
    const nowhere = await send('POST', '/v1/stores', owner(), {
      code: 'MARS',
      name: 'Mars',
      timezone: 'Mars/Olympus',
    });
    expect(nowhere.statusCode).toBe(400);
    expect(nowhere.json()).toMatchObject({ code: 'validation_failed' });
    const byManager = await send('POST', '/v1/stores', manager, { code: 'HAMBURG', name: 'Hamburg' });
    expect(byManager.statusCode).toBe(403);
    expect(byManager.json()).toMatchObject({ code: 'forbidden' });

    const list = await send('GET', '/v1/stores', manager);
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { code: string }[]; next: null }>()).toMatchObject({
      items: [{ code: 'BERLIN' }, { code: 'MAIN' }],
      next: null,
    });
  });

  it('change only with the version they were read at', async () => {
    const url = `/v1/stores/${berlin.id}`;
    const blind = await send('PATCH', url, owner(), { name: 'Berlin' });
    expect(blind.statusCode).toBe(428);
    const stale = await send('PATCH', url, owner(), { name: 'Berlin' }, { 'if-match': '"7"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'version_conflict', currentVersion: 1 });
    const renamed = await send('PATCH', url, owner(), { name: 'Berlin' }, { 'if-match': '"1"' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Berlin', version: 2 });
    expect(renamed.headers.etag).toBe('"2"');
    berlin = renamed.json();
  });

  it('sell through the tills in them: a till moved to a store sells there without naming it', async () => {
    const moved = await send('PATCH', `/v1/devices/${tenant.deviceId}`, owner(), {
      storeId: berlin.id,
      name: 'Berlin till 1',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ storeId: berlin.id, name: 'Berlin till 1' });
    const sale = await send('POST', '/v1/sales', manager, SALE, { 'idempotency-key': randomUUID() });
    expect(sale.statusCode, sale.body).toBe(201);
    const sold = sale.json<{ storeId: string; receiptNumber: string }>();
    expect(sold.storeId).toBe(berlin.id);
    expect(sold.receiptNumber).toMatch(/^BERLIN-/);
  });

  it('close: a closed store keeps its history, sells no more, and the last open store stays open', async () => {
    const byManager = await send('POST', `/v1/stores/${berlin.id}/close`, manager, undefined, {
      'if-match': '*',
    });
    expect(byManager.statusCode).toBe(403);
    const closed = await send('POST', `/v1/stores/${berlin.id}/close`, owner(), undefined, {
      'if-match': `"${berlin.version}"`,
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json<{ closedAt: string | null }>().closedAt).not.toBeNull();

    const refused = await send('POST', '/v1/sales', manager, SALE, { 'idempotency-key': randomUUID() });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'store_closed' });
    const moveThere = await send('PATCH', `/v1/devices/${tenant.deviceId}`, owner(), { storeId: berlin.id });
    expect(moveThere.statusCode).toBe(409);

    const open = await send('GET', '/v1/stores', manager);
    expect(open.json<{ items: { code: string }[] }>().items.map((store) => store.code)).toEqual(['MAIN']);
    const all = await send('GET', '/v1/stores?includeClosed=true', manager);
    expect(all.json<{ items: { code: string }[] }>().items.map((store) => store.code)).toEqual([
      'BERLIN',
      'MAIN',
    ]);
    const main = open.json<{ items: { id: string }[] }>().items[0]!;
    const last = await send('POST', `/v1/stores/${main.id}/close`, owner(), undefined, { 'if-match': '*' });
    expect(last.statusCode).toBe(409);
    expect(last.json()).toMatchObject({ code: 'last_open_store' });

    const { rows } = await sql.query<{ action: string }>(
      `select action from "${schema}".audit_entry where target_type = 'store' and outcome = 'succeeded' order by id`,
    );
    expect(rows.map((row) => row.action)).toEqual(['store.create', 'store.update', 'store.close']);
  });

  it('tills can be revoked and re-admitted', async () => {
    const signInOnTill = () =>
      app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        headers: { host: tenant.host },
        payload: {
          deviceId: tenant.deviceId,
          deviceSecret: tenant.deviceSecret,
          staffCode: tenant.cashier.code,
          pin: tenant.cashier.pin,
        },
      });
    const off = await send('PATCH', `/v1/devices/${tenant.deviceId}`, owner(), { active: false });
    expect(off.json<{ revokedAt: string | null }>().revokedAt).not.toBeNull();
    expect((await signInOnTill()).statusCode).toBe(401);
    const on = await send('PATCH', `/v1/devices/${tenant.deviceId}`, owner(), { active: true });
    expect(on.json()).toMatchObject({ revokedAt: null });
    expect((await signInOnTill()).statusCode).toBe(200);
  });
});
