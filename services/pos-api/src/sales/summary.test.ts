// The takings of a period (GET /v1/sales/summary) through the HTTP API against real PostgreSQL and
// Redis: completed sales and returns counted and summed per currency from the stored totals,
// parked sales left out, a store's own figure, the period's bounds, and the permission matrix
// (reports.read: owners and managers, never a cashier).
import type {} from '@cloudpos/harness/vitest/provided';
import { randomUUID } from 'node:crypto';
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
let app: PosApi;
let tenant: TestTenant;
let cashier: SignedIn;
let manager: SignedIn;
let storeId: string;
const started = new Date(Date.now() - 60_000);

beforeAll(async () => {
  world = await sellingWorld('summary', { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  ({ app, tenant } = world);
  cashier = await signIn(app, tenant, tenant.cashier.code, tenant.cashier.pin);
  manager = await signIn(app, tenant, tenant.manager.code, tenant.manager.pin);
  const sell = async (sku: string, amount: number, extra: object = {}) => {
    const response = await post('/v1/sales', cashier, {
      lines: [{ sku, quantity: 1 }],
      ...(amount ? { tenders: [{ method: 'cash', amount }] } : {}),
      ...extra,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: string }>().id;
  };
  const pen = await sell('PEN', 333);
  await sell('PEN', 333);
  await sell('MUG', 350);
  await sell('BREAD', 0, { park: true });
  const lines = (await get(`/v1/sales/${pen}`, manager)).json<{ lines: { id: string }[] }>().lines;
  const returned = await post(`/v1/sales/${pen}/returns`, manager, {
    lines: [{ lineId: lines[0]!.id, quantity: 1 }],
    restock: true,
    refundTo: 'cash',
  });
  expect(returned.statusCode, returned.body).toBe(201);
  storeId = (await get('/v1/stores', manager)).json<{ items: { id: string }[] }>().items[0]!.id;
});

afterAll(async () => {
  await world?.close();
});

function post(url: string, who: SignedIn, payload: object) {
  return app.inject({
    method: 'POST',
    url,
    headers: { host: tenant.host, ...bearer(who.accessToken), 'idempotency-key': randomUUID() },
    payload,
  });
}

function get(url: string, who: SignedIn) {
  return app.inject({ method: 'GET', url, headers: { host: tenant.host, ...bearer(who.accessToken) } });
}

const summary = (query: Record<string, string>, who: SignedIn = manager) =>
  get(`/v1/sales/summary?${new URLSearchParams(query).toString()}`, who);
const today = () => ({ from: started.toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

describe('GET /v1/sales/summary', () => {
  it('counts and sums the completed sales and returns of the period from their stored totals', async () => {
    const response = await summary(today());
    expect(response.statusCode, response.body).toBe(200);
    const { to, ...body } = response.json<{ to: string }>();
    expect(Date.parse(to)).toBeGreaterThan(Date.now());
    expect(body).toEqual({
      from: today().from,
      storeId: null,
      // Two pens and a mug; the parked bread is no sale yet; one pen came back.
      currencies: [
        {
          currency: 'EUR',
          salesCount: 3,
          salesAmount: 333 + 333 + 350,
          returnsCount: 1,
          returnsAmount: -333,
          netAmount: 683,
        },
      ],
    });
  });

  it('has nothing for a period before the sales, and a store’s own figure', async () => {
    const before = await summary({
      from: new Date(started.getTime() - 86_400_000).toISOString(),
      to: started.toISOString(),
    });
    expect(before.json<{ currencies: unknown[] }>().currencies).toEqual([]);
    const store = await summary({ ...today(), storeId });
    expect(store.json()).toMatchObject({ storeId, currencies: [{ salesCount: 3, netAmount: 683 }] });
    const other = await post(
      '/v1/stores',
      { ...manager, accessToken: tenant.owner.accessToken },
      {
        code: 'EAST',
        name: 'East',
      },
    );
    expect(other.statusCode, other.body).toBe(201);
    const east = await summary({ ...today(), storeId: other.json<{ id: string }>().id });
    expect(east.json<{ currencies: unknown[] }>().currencies).toEqual([]);
    const unknown = await summary({ ...today(), storeId: randomUUID() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'store_not_found' });
  });

  it('refuses a period that ends before it starts, spans more than 366 days or is no date', async () => {
    const backwards = await summary({ from: today().to, to: today().from });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.headers['content-type']).toContain('application/problem+json');
    expect(backwards.json()).toMatchObject({ code: 'invalid_period' });
    const long = await summary({ from: '2025-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z' });
    expect(long.json()).toMatchObject({ code: 'invalid_period' });
    const garbage = await summary({ from: 'yesterday', to: today().to });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json<{ code: string }>().code).not.toBe('invalid_period');
    expect((await summary({ to: today().to })).statusCode).toBe(400);
  });

  it('is for owners and managers: a cashier gets 403 forbidden', async () => {
    const refused = await summary(today(), cashier);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'forbidden' });
    const owner = await summary(today(), { ...manager, accessToken: tenant.owner.accessToken });
    expect(owner.statusCode).toBe(200);
  });
});
