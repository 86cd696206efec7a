// Returns without a receipt, through the HTTP API against real PostgreSQL and Redis: sale.refund
// (a cashier needs a manager's approval), their own kind, money out and stock back, once per key.
import type {} from '@cloudpos/harness/vitest/provided';
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

let world: SellingWorld;
let sql: pg.Pool;
let app: PosApi;
let tenant: TestTenant;
let schema: string;
let cashier: SignedIn;

beforeAll(async () => {
  world = await sellingWorld('returns', { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
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

const PEN = '00000000-0000-4000-8000-0000000000b3';
const onHand = async () =>
  Number(
    (
      await sql.query<{ on_hand: string }>(
        `select coalesce(sum(on_hand), 0)::text as on_hand from "${schema}".stock_level where variant_id = $1`,
        [PEN],
      )
    ).rows[0]!.on_hand,
  );
const refunds = async () =>
  (
    await sql.query<{ outcome: string }>(
      `select outcome from "${schema}".audit_entry where action = 'sale.refund' order by id`,
    )
  ).rows.map((row) => row.outcome);

describe('a return without a receipt', () => {
  const body = {
    lines: [{ sku: 'PEN', quantity: 2 }],
    restock: true,
    refund: { method: 'cash' },
    reason: 'gift, no receipt',
  };

  it('needs sale.refund: a cashier is refused without a manager’s approval, and it is audited', async () => {
    const before = await refunds();
    const refused = await post('/v1/returns', body, { 'idempotency-key': randomUUID() });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'approval_required', action: 'sale.refund' });
    expect((await refunds()).slice(before.length)).toEqual(['denied']);
    const noReason = await post(
      '/v1/returns',
      { ...body, reason: undefined },
      { 'idempotency-key': randomUUID() },
    );
    expect(noReason.statusCode).toBe(400);
  });

  it('gives money back at today’s price, takes the stock back, and replays once per key', async () => {
    const approval = await post('/v1/approvals', {
      action: 'sale.refund',
      staffCode: tenant.manager.code,
      pin: PINS.manager,
    });
    expect(approval.statusCode, approval.body).toBe(201);
    const stockBefore = await onHand();
    const before = await refunds();
    const key = randomUUID();
    const returned = await post('/v1/returns', body, {
      'idempotency-key': key,
      'x-approval-id': approval.json<{ approvalId: string }>().approvalId,
    });
    expect(returned.statusCode, returned.body).toBe(201);
    const sale = returned.json<{
      id: string;
      kind: string;
      total: number;
      taxTotal: number;
      receiptNumber: string;
      originalSaleId: string | null;
      payments: { method: string; amount: number }[];
      lines: { quantity: string; total: number }[];
    }>();
    // PEN: 333 incl. 19 % VAT; two of them.
    expect(sale).toMatchObject({ kind: 'unreceipted_return', total: -666, originalSaleId: null });
    expect(sale.taxTotal).toBe(-106);
    expect(sale.lines).toMatchObject([{ quantity: '-2', total: -666 }]);
    expect(sale.payments).toMatchObject([{ method: 'cash', amount: -666 }]);
    expect(sale.receiptNumber).toMatch(/^[A-Z0-9]+-[A-Z0-9]+-\d{6}$/);
    expect(await onHand()).toBe(stockBefore + 2);
    expect((await refunds()).slice(before.length)).toEqual(['approved']);

    const again = await post('/v1/returns', body, { 'idempotency-key': key });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json<{ id: string }>().id).toBe(sale.id);
    expect(await onHand()).toBe(stockBefore + 2);

    const found = await app.inject({
      method: 'GET',
      url: '/v1/sales?kind=unreceipted_return',
      headers: { host: tenant.host, ...bearer(cashier.accessToken) },
    });
    expect(found.json<{ items: { id: string }[] }>().items.map((item) => item.id)).toEqual([sale.id]);
    const receipt = await app.inject({
      method: 'GET',
      url: `/v1/sales/${sale.id}/receipt?format=text`,
      headers: { host: tenant.host, ...bearer(cashier.accessToken) },
    });
    expect(receipt.statusCode, receipt.body).toBe(200);
    expect(receipt.body).toContain(sale.receiptNumber);
  });
});
