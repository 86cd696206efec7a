// Permissions that move money, through the HTTP API against real PostgreSQL and Redis: a discount
// over the tenant's limit in any form needs discount.overLimit, the preview says which approvals the
// commit will need, a refused commit leaves the manager's approval usable, a committed one replays
// without a new approval, and one request can carry two approvals. Plus the pure rule, table-tested.
import type {} from '@cloudpos/harness/vitest/provided';
import { priceDocument } from '@cloudpos/pricing';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import {
  bearer,
  PINS,
  signIn,
  sellingWorld,
  type SellingWorld,
  type SignedIn,
  type TestTenant,
} from '../test-support.ts';
import { requiredApprovals } from './approvals.ts';

describe('requiredApprovals (pure)', () => {
  const priced = (discount: object, lineDiscount?: object) =>
    priceDocument({
      currency: 'EUR',
      rounding: { mode: 'half-even', level: 'line' },
      taxRates: [],
      lines: [
        {
          id: '0',
          quantity: '1',
          unitPrice: 1000,
          taxRateIds: [],
          ...(lineDiscount ? { discount: lineDiscount } : {}),
        },
        { id: '1', quantity: '1', unitPrice: 1000, taxRateIds: [] },
      ],
      discount,
    });
  const actions = (document: ReturnType<typeof priced>, limit = '10', requested?: number) =>
    requiredApprovals({
      priced: document,
      prices: [
        { requested, catalog: 1000 },
        { requested: undefined, catalog: 1000 },
      ],
      discountLimitPercent: limit,
    }).map((approval) => approval.action);

  it.each([
    ['no discount', {}, undefined, '10', []],
    ['10% off the order: at the limit', { percent: '10' }, undefined, '10', []],
    ['200 off 2000: at the limit, as a fixed amount', { fixed: 200 }, undefined, '10', []],
    ['201 off 2000: over it', { fixed: 201 }, undefined, '10', ['discount.overLimit']],
    ['a fixed discount that takes a whole line', {}, { fixed: 1000 }, '10', ['discount.overLimit']],
    ['150 off one line of 1000', {}, { fixed: 150 }, '10', ['discount.overLimit']],
    ['150 off one line of 1000, limit 15%', {}, { fixed: 150 }, '15', []],
    ['12.5% with a limit of 12.5', { percent: '12.5' }, undefined, '12.5', []],
  ] as const)('%s', (_, discount, lineDiscount, limit, expected) => {
    expect(actions(priced(discount, lineDiscount), limit)).toEqual(expected);
  });

  it('asks for price.override when a line’s price is not the catalog’s, up or down', () => {
    expect(actions(priced({}), '10', 1000)).toEqual([]);
    expect(actions(priced({}), '10', 999)).toEqual(['price.override']);
    expect(actions(priced({}), '10', 1200)).toEqual(['price.override']);
  });
});

let world: SellingWorld;
let sql: pg.Pool;
let app: PosApi;
let tenant: TestTenant;
let schema: string;
let cashier: SignedIn;

beforeAll(async () => {
  world = await sellingWorld('approvals', {
    postgresUrl: inject('postgresUrl'),
    redisUrl: inject('redisUrl'),
  });
  ({ sql, app, tenant, schema } = world);
  cashier = await signIn(app, tenant, tenant.cashier.code, tenant.cashier.pin);
});

afterAll(async () => {
  await world?.close();
});

const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    headers: { host: tenant.host, ...bearer(cashier.accessToken), ...headers },
    payload,
  });

const approval = async (action: string) => {
  const response = await post('/v1/approvals', { action, staffCode: tenant.manager.code, pin: PINS.manager });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ approvalId: string }>().approvalId;
};

const audit = async (action: string) =>
  (
    await sql.query<{ outcome: string }>(
      `select outcome from "${schema}".audit_entry where action = $1 order by id`,
      [action],
    )
  ).rows.map((row) => row.outcome);

// PEN: 333 (VAT 19% included).
const wholeSaleOff = {
  lines: [{ sku: 'PEN', quantity: 1, discount: { fixed: 333 } }],
  tenders: [{ method: 'cash', amount: 0 }],
};

describe('discounts and approvals at checkout', () => {
  it('a fixed discount over the limit needs discount.overLimit, as a percent does', async () => {
    const before = await audit('discount.overLimit');
    const refused = await post('/v1/sales', wholeSaleOff, { 'idempotency-key': randomUUID() });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'approval_required', action: 'discount.overLimit' });
    const orderFixed = await post(
      '/v1/sales',
      {
        lines: [{ sku: 'PEN', quantity: 1 }],
        discount: { fixed: 100 },
        tenders: [{ method: 'cash', amount: 233 }],
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(orderFixed.statusCode).toBe(403);
    const withinLimit = await post(
      '/v1/sales',
      {
        lines: [{ sku: 'PEN', quantity: 1 }],
        discount: { fixed: 30 },
        tenders: [{ method: 'cash', amount: 303 }],
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(withinLimit.statusCode, withinLimit.body).toBe(201);
    expect((await audit('discount.overLimit')).slice(before.length)).toEqual(['denied', 'denied']);
  });

  it('takes the limit from the tenant’s settings', async () => {
    await sql.query(
      `insert into "${schema}".setting (key, value) values ('sales', '{"discountLimitPercent": "40"}')`,
    );
    try {
      const thirtyPercent = await post(
        '/v1/sales',
        {
          lines: [{ sku: 'PEN', quantity: 1 }],
          discount: { fixed: 100 },
          tenders: [{ method: 'cash', amount: 233 }],
        },
        { 'idempotency-key': randomUUID() },
      );
      expect(thirtyPercent.statusCode, thirtyPercent.body).toBe(201);
    } finally {
      await sql.query(`delete from "${schema}".setting where key = 'sales'`);
    }
  });

  it('previews which approvals the commit will need', async () => {
    const preview = await post('/v1/sales/calculate', {
      lines: [
        { sku: 'PEN', quantity: 1, unitPrice: 300 },
        { sku: 'PEN', quantity: 1, discount: { fixed: 333 } },
      ],
    });
    expect(preview.statusCode, preview.body).toBe(200);
    const { requiredApprovals: listed } = preview.json<{
      requiredApprovals: { action: string; reason: string }[];
    }>();
    expect(listed.map((approval) => approval.action)).toEqual(['price.override', 'discount.overLimit']);
    // Lines are named as a receipt numbers them, from 1.
    expect(listed[0]!.reason).toBe("line 1: a price other than the catalog's");
    expect(listed[1]!.reason).toBe('line 2 and the sale: more than 10% off');
    const plain = await post('/v1/sales/calculate', { lines: [{ sku: 'PEN', quantity: 1 }] });
    expect(plain.json()).toMatchObject({ requiredApprovals: [] });
  });

  it('keeps a manager’s approval when the sale is refused, and uses it when it commits', async () => {
    const approvalId = await approval('discount.overLimit');
    const short = await post(
      '/v1/sales',
      { ...wholeSaleOff, tenders: [{ method: 'cash', amount: 1 }] },
      { 'idempotency-key': randomUUID(), 'x-approval-id': approvalId },
    );
    expect(short.statusCode).toBe(422);
    expect(short.json()).toMatchObject({ code: 'tender_mismatch' });
    const before = await audit('discount.overLimit');

    const key = randomUUID();
    const sold = await post('/v1/sales', wholeSaleOff, {
      'idempotency-key': key,
      'x-approval-id': approvalId,
    });
    expect(sold.statusCode, sold.body).toBe(201);
    expect((await audit('discount.overLimit')).slice(before.length)).toEqual(['approved']);

    // A retry of the committed sale replays its answer: no new approval, and the used one is fine.
    for (const headers of [{}, { 'x-approval-id': approvalId }] as Record<string, string>[]) {
      const again = await post('/v1/sales', wholeSaleOff, { 'idempotency-key': key, ...headers });
      expect(again.statusCode, again.body).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json<{ id: string }>().id).toBe(sold.json<{ id: string }>().id);
    }
    // Used once: another sale cannot use it.
    const reuse = await post('/v1/sales', wholeSaleOff, {
      'idempotency-key': randomUUID(),
      'x-approval-id': approvalId,
    });
    expect(reuse.json()).toMatchObject({ code: 'approval_invalid' });
  });

  it('uses an approval in the sale’s own transaction: refused after the check, it stays usable', async () => {
    // The register's last number, taken again: refused only after the approval was checked.
    const first = await post(
      '/v1/sales',
      { lines: [{ sku: 'PEN', quantity: 1 }], tenders: [{ method: 'cash', amount: 333 }] },
      { 'idempotency-key': randomUUID() },
    );
    expect(first.statusCode, first.body).toBe(201);
    const taken = Number(first.json<{ receiptNumber: string }>().receiptNumber.split('-').at(-1));
    const approvalId = await approval('discount.overLimit');
    const before = await audit('discount.overLimit');
    const refused = await post(
      '/v1/sales',
      { ...wholeSaleOff, receiptNumber: taken },
      { 'idempotency-key': randomUUID(), 'x-approval-id': approvalId },
    );
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'receipt_number_taken' });
    // Rolled back with the sale: not used, and not in the audit log as approved.
    expect((await audit('discount.overLimit')).slice(before.length)).toEqual([]);
    const consumed = await sql.query<{ consumed_at: Date | null }>(
      `select consumed_at from "${schema}".manager_approval where id = $1`,
      [approvalId],
    );
    expect(consumed.rows[0]!.consumed_at).toBeNull();
    const sold = await post('/v1/sales', wholeSaleOff, {
      'idempotency-key': randomUUID(),
      'x-approval-id': approvalId,
    });
    expect(sold.statusCode, sold.body).toBe(201);
    expect((await audit('discount.overLimit')).slice(before.length)).toEqual(['approved']);
  });

  it('writes a denial even though the sale’s transaction rolled back', async () => {
    const before = await audit('discount.overLimit');
    const refused = await post('/v1/sales', wholeSaleOff, {
      'idempotency-key': randomUUID(),
      'x-approval-id': randomUUID(),
    });
    expect(refused.json()).toMatchObject({ code: 'approval_invalid' });
    expect((await audit('discount.overLimit')).slice(before.length)).toEqual(['denied']);
  });

  it('takes two approvals in one request when a sale needs two', async () => {
    const both = {
      lines: [{ sku: 'PEN', quantity: 1, unitPrice: 300, discount: { fixed: 300 } }],
      tenders: [{ method: 'cash', amount: 0 }],
    };
    const ids = [await approval('price.override'), await approval('discount.overLimit')];
    const sold = await post('/v1/sales', both, {
      'idempotency-key': randomUUID(),
      'x-approval-id': ids.join(', '),
    });
    expect(sold.statusCode, sold.body).toBe(201);
  });

  it('replays a committed return without a new approval', async () => {
    const sale = await post(
      '/v1/sales',
      { lines: [{ sku: 'PEN', quantity: 2 }], tenders: [{ method: 'cash', amount: 666 }] },
      { 'idempotency-key': randomUUID() },
    );
    const { id, lines } = sale.json<{ id: string; lines: { id: string }[] }>();
    const body = { lines: [{ lineId: lines[0]!.id, quantity: 1 }], restock: true, refundTo: 'cash' };
    const key = randomUUID();
    const approvalId = await approval('sale.refund');
    const first = await post(`/v1/sales/${id}/returns`, body, {
      'idempotency-key': key,
      'x-approval-id': approvalId,
    });
    expect(first.statusCode, first.body).toBe(201);
    const retried = await post(`/v1/sales/${id}/returns`, body, { 'idempotency-key': key });
    expect(retried.statusCode, retried.body).toBe(201);
    expect(retried.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
  });
});
