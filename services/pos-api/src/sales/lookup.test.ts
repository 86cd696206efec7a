// Finding sales again, through the HTTP API against real PostgreSQL and Redis: a list newest first
// in stable pages, filters (receipt number, status, kind, staff, dates), a sale by the number on its
// receipt, and parked sales listed with their note and discarded with the sale.void permission.
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
let cashier: SignedIn;
let manager: SignedIn;

interface Summary {
  id: string;
  kind: string;
  status: string;
  receiptNumber: string | null;
  returned: boolean;
  staffId: string | null;
  note: string | null;
  createdAt: string;
}

const sold: { id: string; receiptNumber: string; by: string }[] = [];
let parkedId: string;
let returnId: string;

beforeAll(async () => {
  world = await sellingWorld('lookup', { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  ({ sql, app, tenant, schema } = world);
  cashier = await signIn(app, tenant, tenant.cashier.code, tenant.cashier.pin);
  manager = await signIn(app, tenant, tenant.manager.code, tenant.manager.pin);

  for (const who of [cashier, manager, cashier, manager, cashier]) {
    const response = await post('/v1/sales', who, {
      lines: [{ sku: 'PEN', quantity: 1 }],
      tenders: [{ method: 'cash', amount: 333 }],
    });
    expect(response.statusCode, response.body).toBe(201);
    sold.push({ ...response.json<{ id: string; receiptNumber: string }>(), by: who.staffId });
  }
  const parked = await post('/v1/sales', cashier, {
    lines: [{ sku: 'PEN', quantity: 2 }],
    park: true,
    note: 'Table 4, back after lunch',
  });
  expect(parked.statusCode, parked.body).toBe(201);
  parkedId = parked.json<{ id: string }>().id;
  const returned = await post(`/v1/sales/${sold[1]!.id}/returns`, manager, {
    lines: [{ lineId: (await sale(sold[1]!.id)).lines[0]!.id, quantity: 1 }],
    restock: true,
    refundTo: 'cash',
  });
  expect(returned.statusCode, returned.body).toBe(201);
  returnId = returned.json<{ id: string }>().id;
});

afterAll(async () => {
  await world?.close();
});

function post(url: string, who: SignedIn, payload?: object) {
  return app.inject({
    method: 'POST',
    url,
    headers: { host: tenant.host, ...bearer(who.accessToken), 'idempotency-key': randomUUID() },
    ...(payload ? { payload } : {}),
  });
}

function get(url: string, who: SignedIn = cashier) {
  return app.inject({ method: 'GET', url, headers: { host: tenant.host, ...bearer(who.accessToken) } });
}

async function sale(id: string) {
  return (await get(`/v1/sales/${id}`)).json<{ id: string; lines: { id: string }[]; note: string | null }>();
}

async function list(query: string) {
  const response = await get(`/v1/sales?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: Summary[]; next: string | null }>();
}

describe('finding sales', () => {
  it('lists every sale newest first, in pages that add up to the whole list exactly once', async () => {
    const all = await list('limit=100');
    expect(all.next).toBeNull();
    // Newest first (two sales in the same millisecond are ordered by id).
    expect(new Set(all.items.map((item) => item.id))).toEqual(
      new Set([returnId, parkedId, ...sold.map((s) => s.id)]),
    );
    const times = all.items.map((item) => Date.parse(item.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.items.map((item) => item.id));
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(all.items.map((item) => item.id));
  });

  it('filters by receipt number, status, kind, staff and date', async () => {
    const byNumber = await list(`receiptNumber=${sold[2]!.receiptNumber}`);
    expect(byNumber.items.map((item) => item.id)).toEqual([sold[2]!.id]);
    expect((await list('receiptNumber=NOPE-000999')).items).toEqual([]);

    const parked = await list('status=parked');
    expect(parked.items).toMatchObject([{ id: parkedId, status: 'open', note: 'Table 4, back after lunch' }]);
    expect((await list('status=returned')).items).toMatchObject([{ id: sold[1]!.id, returned: true }]);
    expect((await list('kind=return')).items.map((item) => item.id)).toEqual([returnId]);

    const byCashier = await list(`staffId=${cashier.staffId}&kind=sale&status=completed`);
    expect(new Set(byCashier.items.map((item) => item.id))).toEqual(
      new Set(sold.filter((s) => s.by === cashier.staffId).map((s) => s.id)),
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await list(`from=${encodeURIComponent(future)}`)).items).toEqual([]);
    expect((await list(`to=${encodeURIComponent(future)}&limit=100`)).items.length).toBe(7);
  });

  it('refuses a cursor it did not make', async () => {
    const response = await get('/v1/sales?cursor=bm90LWEtY3Vyc29y');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_cursor' });
  });

  it('finds a sale by the number printed on its receipt', async () => {
    const found = await get(`/v1/sales/by-receipt/${sold[0]!.receiptNumber}`);
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json()).toMatchObject({ id: sold[0]!.id, receiptNumber: sold[0]!.receiptNumber });
    const missing = await get('/v1/sales/by-receipt/MAIN-999999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'sale_not_found' });
  });

  it('returns a parked sale with its note, and discards it only with sale.void', async () => {
    expect((await sale(parkedId)).note).toBe('Table 4, back after lunch');
    // What to send again to resume it; a completed sale has nothing to resume.
    const parkedView = (await get(`/v1/sales/${parkedId}`)).json<{ resumeWith?: unknown }>();
    expect(parkedView.resumeWith).toEqual({ lines: [{ sku: 'PEN', quantity: '2' }] });
    expect((await get(`/v1/sales/${sold[0]!.id}`)).json()).not.toHaveProperty('resumeWith');
    const byCashier = await post(`/v1/sales/${parkedId}/discard`, cashier);
    expect(byCashier.statusCode).toBe(403);
    expect(byCashier.json()).toMatchObject({ code: 'approval_required', action: 'sale.void' });
    const byManager = await post(`/v1/sales/${parkedId}/discard`, manager);
    expect(byManager.statusCode, byManager.body).toBe(200);
    expect(byManager.json()).toMatchObject({ id: parkedId, status: 'voided' });
    const again = await post(`/v1/sales/${parkedId}/discard`, manager);
    expect(again.statusCode).toBe(409);
    const resumed = await post('/v1/sales', cashier, {
      lines: [{ sku: 'PEN', quantity: 1 }],
      tenders: [{ method: 'cash', amount: 333 }],
      resumeSaleId: parkedId,
    });
    expect(resumed.json()).toMatchObject({ code: 'sale_not_open' });
    const completedSale = await post(`/v1/sales/${sold[0]!.id}/discard`, manager);
    expect(completedSale.json()).toMatchObject({ code: 'sale_not_open' });
    const { rows } = await sql.query<{ outcome: string; target_id: string }>(
      `select outcome, target_id from "${schema}".audit_entry where action = 'sale.void' order by id`,
    );
    expect(rows).toEqual([
      { outcome: 'denied', target_id: parkedId },
      { outcome: 'allowed', target_id: parkedId },
    ]);
    expect((await list('status=voided')).items.map((item) => item.id)).toEqual([parkedId]);
  });
});
