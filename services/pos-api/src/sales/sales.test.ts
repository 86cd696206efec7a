// Checkout and returns through the HTTP API against real PostgreSQL and Redis: a full sale with
// inclusive VAT and cash change, idempotent replay, parking, permissions, stock and the outbox,
// and two refunds racing for the last unit.
import { createTestDatabase, StripeFake, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import {
  bearer,
  createTenantSchema,
  setUpTenant,
  signIn,
  testApp,
  uniqueSlug,
  type SignedIn,
  type TestTenant,
} from '../test-support.ts';
import { seedTestCatalog } from './test-catalog.ts';

let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
let sql: pg.Pool;
let app: PosApi;
let tenant: TestTenant;
let schema: string;
let cashier: SignedIn;
let manager: SignedIn;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'sales');
  redis = new Redis(inject('redisUrl'));
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const slug = uniqueSlug('sales');
  schema = await createTenantSchema(admin, slug);
  await seedTestCatalog(sql, schema);
  app = await testApp({ databaseUrl: db.url, redis, mode: 'pooled' });
  tenant = await setUpTenant(app, slug);
  cashier = await signIn(app, tenant, tenant.cashier.code, tenant.cashier.pin);
  manager = await signIn(app, tenant, tenant.manager.code, tenant.manager.pin);
});

afterAll(async () => {
  await app?.close();
  await admin?.close();
  await sql?.end();
  redis?.disconnect();
  await db?.drop();
});

const post = (url: string, who: SignedIn, payload: object, key?: string) =>
  app.inject({
    method: 'POST',
    url,
    headers: { host: tenant.host, ...bearer(who.accessToken), ...(key ? { 'idempotency-key': key } : {}) },
    payload,
  });

const count = async (table: string, where = 'true') =>
  (await sql.query<{ n: number }>(`select count(*)::int as n from "${schema}".${table} where ${where}`))
    .rows[0]!.n;

// Scanned (barcode) or typed (SKU).
const basket = {
  lines: [
    { barcode: '4006381333931', quantity: 2 },
    { sku: 'BREAD', quantity: '1' },
  ],
};

describe('checkout', () => {
  it('previews and commits a sale: inclusive VAT per rate, cash change, a gapless receipt number, stock and an event', async () => {
    // 2 × 3.50 incl. 19%: 700, VAT 700 − 700/1.19 = 111.76 → 112. 1 × 2.00 incl. 7%: 200 − 200/1.07 = 13.08 → 13.
    const preview = await post('/v1/sales/calculate', cashier, basket);
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json()).toMatchObject({
      currency: 'EUR',
      subtotal: 900,
      total: 900,
      taxTotal: 125,
      inclusiveTaxTotal: 125,
      taxes: [
        { code: 'VAT19', base: 588, amount: 112 },
        { code: 'VAT7', base: 187, amount: 13 },
      ],
    });
    expect(await count('sale')).toBe(0);

    const key = randomUUID();
    const committed = await post(
      '/v1/sales',
      cashier,
      { ...basket, tenders: [{ method: 'cash', amount: 900, tendered: 1000 }] },
      key,
    );
    expect(committed.statusCode, committed.body).toBe(201);
    const sale = committed.json<{
      id: string;
      receiptNumber: string;
      change: number;
      lines: { id: string }[];
    }>();
    expect(sale).toMatchObject({
      status: 'completed',
      receiptNumber: 'MAIN-T1-000001',
      total: 900,
      change: 100,
    });
    expect(sale).toMatchObject({
      // Nothing was in stock: the sale goes through and says so.
      stockWarnings: [
        { sku: 'MUG', onHand: '-2.000' },
        { sku: 'BREAD', onHand: '-1.000' },
      ],
    });

    // As stored: the same figures, read back.
    const stored = await app.inject({
      url: `/v1/sales/${sale.id}`,
      headers: { host: tenant.host, ...bearer(cashier.accessToken) },
    });
    expect(stored.json()).toMatchObject({
      id: sale.id,
      receiptNumber: 'MAIN-T1-000001',
      total: 900,
      taxTotal: 125,
      lines: [
        { sku: 'MUG', quantity: '2', total: 700, taxTotal: 112 },
        { sku: 'BREAD', quantity: '1', total: 200, taxTotal: 13 },
      ],
      payments: [{ method: 'cash', amount: 900, tendered: 1000, change: 100 }],
    });
    expect(await count('stock_movement', `sale_id = '${sale.id}'`)).toBe(2);
    const events = await sql.query<{ subject: string; payload: { saleId: string; total: number } }>(
      `select subject, payload from "${schema}".outbox_event`,
    );
    expect(events.rows).toEqual([
      {
        subject: 'pos.events.sale.completed',
        payload: expect.objectContaining({ saleId: sale.id, total: 900 }) as unknown,
      },
    ]);
  });

  it('keeps a split tender’s payments in the order they were given', async () => {
    for (const labels of [
      ['Z voucher', 'M gift card', 'A coupon'],
      ['A coupon', 'M gift card', 'Z voucher'],
    ]) {
      const tenders = [
        ...labels.map((label) => ({ method: 'external', amount: 300, label })),
        { method: 'cash', amount: 99, tendered: 100 },
      ];
      const sold = await post(
        '/v1/sales',
        cashier,
        { lines: [{ sku: 'PEN', quantity: 3 }], tenders },
        randomUUID(),
      );
      expect(sold.statusCode, sold.body).toBe(201);
      const stored = await app.inject({
        url: `/v1/sales/${sold.json<{ id: string }>().id}`,
        headers: { host: tenant.host, ...bearer(cashier.accessToken) },
      });
      expect(
        stored.json<{ payments: { label: string | null }[] }>().payments.map((payment) => payment.label),
      ).toEqual([...labels, null]);
    }
  });

  it('commits once per Idempotency-Key: the same body replays the first answer, another body is refused', async () => {
    const key = randomUUID();
    const body = {
      lines: [{ sku: 'PEN', quantity: 1 }],
      tenders: [{ method: 'external', amount: 333, label: 'Voucher' }],
    };
    const first = await post('/v1/sales', cashier, body, key);
    expect(first.statusCode, first.body).toBe(201);
    const again = await post('/v1/sales', cashier, body, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await count('sale', `id = '${first.json<{ id: string }>().id}'`)).toBe(1);

    const changed = await post('/v1/sales', cashier, { ...body, lines: [{ sku: 'PEN', quantity: 2 }] }, key);
    expect(changed.statusCode).toBe(422);
    expect(changed.json()).toMatchObject({ code: 'idempotency_key_reused' });

    // Two requests with one key at the same time: one sale.
    const raceKey = randomUUID();
    const before = await count('sale');
    const raced = await Promise.all([1, 2, 3].map(() => post('/v1/sales', cashier, body, raceKey)));
    expect(raced.map((response) => response.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(raced.map((response) => response.json<{ id: string }>().id)).size).toBe(1);
    expect(await count('sale')).toBe(before + 1);

    const missing = await post('/v1/sales', cashier, body);
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'idempotency_key_required' });
  });

  it('moves stock as the last statement before commit, after the answer is stored, stores it again with warnings, and stores nothing when it fails', async () => {
    // Triggers inside the sale's own transaction note, in order, each write of the stored answer and
    // of the stock levels (rows every register of the store updates, locked from then until commit).
    await sql.query(`
      create table "${schema}".test_write_order (n bigserial, what text);
      create function "${schema}".test_note_write() returns trigger language plpgsql as $$
        begin
          insert into "${schema}".test_write_order (what) values (tg_argv[0]);
          return new;
        end $$;
      create trigger note_answer after update on "${schema}".idempotency_key
        for each row execute function "${schema}".test_note_write('answer');
      create trigger note_stock after insert or update on "${schema}".stock_level
        for each row execute function "${schema}".test_note_write('stock');`);
    try {
      const writes = async () => {
        const { rows } = await sql.query<{ what: string }>(
          `select what from "${schema}".test_write_order order by n`,
        );
        return rows.map((row) => row.what);
      };
      const oneOf = (sku: string) => ({
        lines: [{ sku, quantity: 1 }],
        tenders: [{ method: 'external', amount: 350, label: 'Voucher' }],
      });
      const sell = async (sku: string) => {
        const key = randomUUID();
        const sold = await post('/v1/sales', cashier, oneOf(sku), key);
        expect(sold.statusCode, sold.body).toBe(201);
        return { key, sale: sold.json<{ stockWarnings: { sku: string }[] }>() };
      };
      const mug = (await sql.query<{ id: string }>(`select id from "${schema}".variant where sku = 'MUG'`))
        .rows[0]!.id;
      const store = (await sql.query<{ id: string }>(`select id from "${schema}".store`)).rows[0]!.id;
      const shelf = (onHand: number) =>
        sql
          .query(
            `insert into "${schema}".stock_level (store_id, variant_id, on_hand) values ($1, $2, $3)
           on conflict (store_id, variant_id) do update set on_hand = excluded.on_hand`,
            [store, mug, onHand],
          )
          .then(() => sql.query(`truncate "${schema}".test_write_order`));

      // In stock: the answer, then the stock, then nothing but the commit.
      await shelf(10);
      const inStock = await sell('MUG');
      expect(inStock.sale.stockWarnings).toEqual([]);
      expect(await writes()).toEqual(['answer', 'stock']);

      // The last one sold from an empty shelf: the answer is stored again, with the warning, so a
      // retry replays what the till was first told.
      await shelf(0);
      const empty = await sell('MUG');
      expect(empty.sale.stockWarnings).toEqual([{ sku: 'MUG', onHand: '-1.000' }]);
      expect(await writes()).toEqual(['answer', 'stock', 'answer']);
      const stored = await sql.query<{ response: { stockWarnings: unknown } }>(
        `select response from "${schema}".idempotency_key where key = $1`,
        [empty.key],
      );
      expect(stored.rows[0]!.response.stockWarnings).toEqual([{ sku: 'MUG', onHand: '-1.000' }]);

      // A stock write that fails (sent together with the answer): neither the sale nor its answer
      // is stored, and the key stays free for a retry.
      await sql.query(`
        create function "${schema}".test_refuse() returns trigger language plpgsql as $$
          begin raise exception 'the shelf refuses'; end $$;
        create trigger refuse_stock before update on "${schema}".stock_level
          for each row execute function "${schema}".test_refuse();`);
      const sales = await count('sale');
      const refusedKey = randomUUID();
      const refused = await post('/v1/sales', cashier, oneOf('MUG'), refusedKey);
      expect(refused.statusCode).toBe(500);
      expect(await count('sale')).toBe(sales);
      expect(await count('idempotency_key', `key = '${refusedKey}'`)).toBe(0);
      await sql.query(`drop trigger refuse_stock on "${schema}".stock_level`);
      const retried = await post('/v1/sales', cashier, oneOf('MUG'), refusedKey);
      expect(retried.statusCode, retried.body).toBe(201);
      expect(await count('sale')).toBe(sales + 1);
    } finally {
      await sql.query(`
        drop trigger if exists refuse_stock on "${schema}".stock_level;
        drop function if exists "${schema}".test_refuse();
        drop trigger note_answer on "${schema}".idempotency_key;
        drop trigger note_stock on "${schema}".stock_level;
        drop function "${schema}".test_note_write();
        drop table "${schema}".test_write_order;`);
    }
  });

  it('refuses what it cannot sell or what does not pay, and writes nothing', async () => {
    const before = await count('sale');
    const unknown = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'NOPE', quantity: 1 }], tenders: [] },
      randomUUID(),
    );
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'item_not_found' });
    const short = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'PEN', quantity: 1 }], tenders: [{ method: 'cash', amount: 300 }] },
      randomUUID(),
    );
    expect(short.statusCode).toBe(422);
    expect(short.json()).toMatchObject({ code: 'tender_mismatch' });
    const tooFewTendered = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'PEN', quantity: 1 }], tenders: [{ method: 'cash', amount: 333, tendered: 200 }] },
      randomUUID(),
    );
    expect(tooFewTendered.json()).toMatchObject({ code: 'tender_mismatch' });
    const badQuantity = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'PEN', quantity: '1.2345' }] },
      randomUUID(),
    );
    expect(badQuantity.statusCode).toBe(400);
    expect(await count('sale')).toBe(before);
    // A failed commit leaves its key free: the till can retry it with a corrected body.
    expect(await count('idempotency_key', `status_code = 0`)).toBe(0);
  });

  it('refuses negative and zero quantities in a sale: money goes back only through a return', async () => {
    const before = { sales: await count('sale') };
    for (const quantity of [-1, 0, '-1', '0', '0.000', '-0.5']) {
      for (const url of ['/v1/sales/calculate', '/v1/sales']) {
        const response = await post(
          url,
          cashier,
          {
            lines: [
              { sku: 'PEN', quantity: 1 },
              { sku: 'PEN', quantity },
            ],
            tenders: [{ method: 'cash', amount: 0 }],
          },
          randomUUID(),
        );
        expect(response.statusCode, `${url} ${quantity}: ${response.body}`).toBe(400);
        expect(response.json()).toMatchObject({ code: 'validation_failed' });
        expect(JSON.stringify(response.json())).toContain('/lines/1/quantity');
      }
    }
    expect(await count('sale')).toBe(before.sales);
    expect(await count('idempotency_key', `status_code = 0`)).toBe(0);
  });

  it('parks a sale and completes it later under the same id', async () => {
    const parked = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'PEN', quantity: 1 }], park: true },
      randomUUID(),
    );
    expect(parked.statusCode, parked.body).toBe(201);
    expect(parked.json()).toMatchObject({ status: 'open', receiptNumber: null, payments: [] });
    const id = parked.json<{ id: string }>().id;
    const completed = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'PEN', quantity: 2 }], resumeSaleId: id, tenders: [{ method: 'cash', amount: 666 }] },
      randomUUID(),
    );
    expect(completed.statusCode, completed.body).toBe(201);
    expect(completed.json()).toMatchObject({ id, status: 'completed', total: 666 });
    const twice = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'PEN', quantity: 1 }], resumeSaleId: id, tenders: [{ method: 'cash', amount: 333 }] },
      randomUUID(),
    );
    expect(twice.json()).toMatchObject({ code: 'sale_not_open' });
  });

  it('asks a cashier for a manager approval for price overrides and big discounts; a manager may', async () => {
    const override = {
      lines: [{ sku: 'PEN', quantity: 1, unitPrice: 100 }],
      tenders: [{ method: 'cash', amount: 100 }],
    };
    const byCashier = await post('/v1/sales', cashier, override, randomUUID());
    expect(byCashier.statusCode).toBe(403);
    expect(byCashier.json()).toMatchObject({ code: 'approval_required' });
    const discounted = {
      lines: [{ sku: 'PEN', quantity: 1, discount: { percent: '50' } }],
      tenders: [{ method: 'cash', amount: 167 }],
    };
    expect((await post('/v1/sales', cashier, discounted, randomUUID())).json()).toMatchObject({
      code: 'approval_required',
    });
    const small = {
      lines: [{ sku: 'PEN', quantity: 1, discount: { percent: '10' } }],
      tenders: [{ method: 'cash', amount: 300 }],
    };
    expect((await post('/v1/sales', cashier, small, randomUUID())).statusCode).toBe(201);
    const byManager = await post('/v1/sales', manager, override, randomUUID());
    expect(byManager.statusCode, byManager.body).toBe(201);
    expect(byManager.json()).toMatchObject({ total: 100, lines: [{ unitPrice: 100 }] });
  });
});

describe('receipts', () => {
  it('prints a completed sale as text, HTML and ESC/POS with the drawer kick for cash', async () => {
    const sold = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'MUG', quantity: 2 }], tenders: [{ method: 'cash', amount: 700, tendered: 1000 }] },
      randomUUID(),
    );
    const { id, receiptNumber } = sold.json<{ id: string; receiptNumber: string }>();
    const get = (format: string) =>
      app.inject({
        url: `/v1/sales/${id}/receipt?format=${format}`,
        headers: { host: tenant.host, ...bearer(cashier.accessToken) },
      });
    const text = await get('text');
    expect(text.statusCode, text.body).toBe(200);
    expect(text.headers['content-type']).toContain('text/plain');
    expect(text.body).toContain(receiptNumber);
    expect(text.body).toMatch(/Mug/);
    expect(text.body).toMatch(/7\.00/);
    const html = await get('html');
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('<html');
    const escpos = await get('escpos');
    const bytes = escpos.rawPayload;
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1b, 0x40]));
    expect(bytes.includes(Buffer.from([0x1b, 0x70, 0x00, 0x19, 0xfa]))).toBe(true);

    // A format it does not know: the message lists the ones it does.
    const pdf = await get('pdf');
    expect(pdf.statusCode).toBe(400);
    expect(pdf.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: '/format', message: 'must be one of: html, text, escpos' }],
    });
  });

  it('says that a parked sale has no receipt yet', async () => {
    const parked = await post(
      '/v1/sales',
      cashier,
      { lines: [{ sku: 'MUG', quantity: 1 }], park: true },
      randomUUID(),
    );
    const receipt = await app.inject({
      url: `/v1/sales/${parked.json<{ id: string }>().id}/receipt`,
      headers: { host: tenant.host, ...bearer(cashier.accessToken) },
    });
    expect(receipt.statusCode).toBe(409);
    expect(receipt.json()).toMatchObject({ code: 'sale_has_no_receipt', saleStatus: 'open' });
    expect(receipt.json<{ detail: string }>().detail).toContain('is parked');
  });
});

describe('returns', () => {
  async function sell(lines: object[], amount: number) {
    const response = await post(
      '/v1/sales',
      cashier,
      { lines, tenders: [{ method: 'cash', amount }] },
      randomUUID(),
    );
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: string; lines: { id: string; total: number }[] }>();
  }

  it('returns in parts, giving back exactly what was paid, and restocks when asked', async () => {
    // 3 pens at 3.33 = 9.99: returned as 1 then 2, the refunds are 3.33 and 6.66.
    const sale = await sell([{ sku: 'PEN', quantity: 3 }], 999);
    const first = await post(
      `/v1/sales/${sale.id}/returns`,
      manager,
      { lines: [{ lineId: sale.lines[0]!.id, quantity: 1 }], restock: true, refundTo: 'original' },
      randomUUID(),
    );
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      kind: 'return',
      originalSaleId: sale.id,
      total: -333,
      payments: [{ method: 'cash', amount: -333 }],
    });
    const second = await post(
      `/v1/sales/${sale.id}/returns`,
      manager,
      { lines: [{ lineId: sale.lines[0]!.id, quantity: 2 }], restock: false, refundTo: 'cash' },
      randomUUID(),
    );
    expect(second.json()).toMatchObject({ total: -666, lines: [{ quantity: '-2', total: -666 }] });
    const taxes = await sql.query<{ amount: string }>(
      `select sum(amount)::text as amount from "${schema}".sale_tax where sale_id in ($1, $2, $3)`,
      [sale.id, first.json<{ id: string }>().id, second.json<{ id: string }>().id],
    );
    expect(taxes.rows[0]!.amount).toBe('0');
    expect(
      await count('stock_movement', `reason = 'return' and sale_id = '${first.json<{ id: string }>().id}'`),
    ).toBe(1);
    const more = await post(
      `/v1/sales/${sale.id}/returns`,
      manager,
      { lines: [{ lineId: sale.lines[0]!.id, quantity: 1 }], restock: false, refundTo: 'cash' },
      randomUUID(),
    );
    expect(more.statusCode).toBe(409);
    expect(more.json()).toMatchObject({ code: 'refund_exceeds_sold' });
  });

  it('lets only one of two simultaneous refunds of the last unit through', async () => {
    const sale = await sell([{ sku: 'MUG', quantity: 1 }], 350);
    const attempt = () =>
      post(
        `/v1/sales/${sale.id}/returns`,
        manager,
        { lines: [{ lineId: sale.lines[0]!.id, quantity: 1 }], restock: true, refundTo: 'cash' },
        randomUUID(),
      );
    const results = await Promise.all([attempt(), attempt()]);
    expect(results.map((response) => response.statusCode).sort()).toEqual([201, 409]);
    expect(await count('sale', `original_sale_id = '${sale.id}'`)).toBe(1);
  });

  it('needs a manager, or a manager’s approval, to refund', async () => {
    const sale = await sell([{ sku: 'PEN', quantity: 1 }], 333);
    const response = await post(
      `/v1/sales/${sale.id}/returns`,
      cashier,
      { lines: [{ lineId: sale.lines[0]!.id, quantity: 1 }], restock: true, refundTo: 'cash' },
      randomUUID(),
    );
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'approval_required' });
  });
});

describe('card tenders', () => {
  let fake: StripeFake;
  let cards: PosApi;
  let signedIn: SignedIn;

  beforeAll(async () => {
    fake = await StripeFake.start();
    cards = await testApp({
      databaseUrl: db.url,
      redis,
      mode: 'pooled',
      env: fake.posApiEnv(),
    });
    signedIn = await signIn(cards, tenant, tenant.cashier.code, tenant.cashier.pin);
  });

  afterAll(async () => {
    await cards?.close();
    await fake?.stop();
  });

  const call = (url: string, payload: object, key?: string) =>
    cards.inject({
      method: 'POST',
      url,
      headers: {
        host: tenant.host,
        ...bearer(signedIn.accessToken),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      payload,
    });

  async function cardPayment(saleKey: string, amount: number, confirm = true) {
    const started = await call('/v1/sales/card-payments', { saleKey, paymentId: randomUUID(), amount });
    expect(started.statusCode, started.body).toBe(201);
    const payment = started.json<{ providerRef: string; clientSecret: string }>();
    if (confirm) {
      // The till's Stripe.js confirms with the card: CloudPOS never sees it.
      const confirmed = await fetch(`${fake.url}/v1/payment_intents/${payment.providerRef}/confirm`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fake.publishableKey}` },
        body: new URLSearchParams({ payment_method: 'pm_card_visa', client_secret: payment.clientSecret }),
      });
      expect(confirmed.status).toBe(200);
    }
    return payment.providerRef;
  }

  it('pays a sale with a card payment the provider confirms, and only that sale', async () => {
    const saleKey = randomUUID();
    const providerRef = await cardPayment(saleKey, 350);
    const sale = {
      lines: [{ sku: 'MUG', quantity: 1 }],
      tenders: [{ method: 'card', amount: 350, providerRef }],
    };
    const committed = await call('/v1/sales', sale, saleKey);
    expect(committed.statusCode, committed.body).toBe(201);
    expect(committed.json()).toMatchObject({
      total: 350,
      payments: [{ method: 'card', amount: 350, providerRef }],
    });

    // The same payment for another sale, an unconfirmed one, or a wrong amount: refused.
    const reused = await call('/v1/sales', sale, randomUUID());
    expect(reused.json()).toMatchObject({ code: 'tender_invalid' });
    const otherKey = randomUUID();
    const unpaid = await cardPayment(otherKey, 350, false);
    const notPaid = await call(
      '/v1/sales',
      { ...sale, tenders: [{ method: 'card', amount: 350, providerRef: unpaid }] },
      otherKey,
    );
    expect(notPaid.json()).toMatchObject({ code: 'tender_invalid' });
    expect(notPaid.json<{ detail: string }>().detail).toContain('requires_payment_method');
  });

  it('refunds a card sale to the card through the provider, once even when the return is retried', async () => {
    const saleKey = randomUUID();
    const providerRef = await cardPayment(saleKey, 700);
    const sold = await call(
      '/v1/sales',
      { lines: [{ sku: 'MUG', quantity: 2 }], tenders: [{ method: 'card', amount: 700, providerRef }] },
      saleKey,
    );
    expect(sold.statusCode, sold.body).toBe(201);
    const { id, lines } = sold.json<{ id: string; lines: { id: string }[] }>();
    const asManager = await signIn(cards, tenant, tenant.manager.code, tenant.manager.pin);
    const returnKey = randomUUID();
    const giveBack = () =>
      cards.inject({
        method: 'POST',
        url: `/v1/sales/${id}/returns`,
        headers: { host: tenant.host, ...bearer(asManager.accessToken), 'idempotency-key': returnKey },
        payload: { lines: [{ lineId: lines[0]!.id, quantity: 1 }], restock: true, refundTo: 'original' },
      });
    const returned = await giveBack();
    expect(returned.statusCode, returned.body).toBe(201);
    const payment = returned.json<{ payments: { method: string; amount: number; providerRef: string }[] }>()
      .payments[0]!;
    expect(payment).toMatchObject({ method: 'card', amount: -350 });
    expect(payment.providerRef).toMatch(/^re_/);
    expect((await giveBack()).json()).toEqual(returned.json());
    // Stripe holds one refund of 3.50 for it.
    const refund = (await (
      await fetch(`${fake.url}/v1/refunds/${payment.providerRef}`, {
        headers: { authorization: `Bearer ${fake.secretKey}` },
      })
    ).json()) as { amount: number; payment_intent: string };
    expect(refund).toMatchObject({ amount: 350, payment_intent: providerRef });
  });

  const get = (url: string) =>
    cards.inject({ method: 'GET', url, headers: { host: tenant.host, ...bearer(signedIn.accessToken) } });

  /** What the customer does at the counter: taps a test card on the reader (Stripe's test helper). */
  const tapCard = (readerId: string, number: string) =>
    fetch(`${fake.url}/v1/test_helpers/terminal/readers/${readerId}/present_payment_method`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.secretKey}` },
      body: new URLSearchParams({ 'card_present[number]': number }),
    });

  it('on a Terminal reader: the tenant’s readers only, the payment read back and canceled by the till', async () => {
    const reader = fake.createReader({ label: 'Front counter', metadata: { tenant: tenant.slug } });
    fake.createReader({ label: 'Elsewhere', metadata: { tenant: 'another-tenant' } });
    const listed = await get('/v1/sales/card-readers');
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json()).toEqual({
      available: true,
      simulated: false,
      readers: [{ id: reader.id, label: 'Front counter', status: 'online', simulated: true }],
    });

    // Declined on the reader: the till reads "failed" with the reason, and cancels the attempt.
    const saleKey = randomUUID();
    const firstId = randomUUID();
    const first = await call('/v1/sales/card-payments', {
      saleKey,
      paymentId: firstId,
      amount: 350,
      readerId: reader.id,
    });
    expect(first.json()).toMatchObject({
      status: 'requires_payment_method',
      reader: { id: reader.id, actionStatus: 'in_progress' },
    });
    const firstRef = first.json<{ providerRef: string }>().providerRef;
    expect((await tapCard(reader.id, '4000000000000002')).status).toBe(200);
    expect((await get(`/v1/sales/card-payments/${firstRef}`)).json()).toMatchObject({
      status: 'failed',
      failure: { code: 'card_declined', message: 'Your card was declined.' },
    });
    const wrongAttempt = await call(`/v1/sales/card-payments/${firstRef}/cancel`, {
      paymentId: randomUUID(),
    });
    expect(wrongAttempt.json()).toMatchObject({ code: 'payment_provider_not_found' });
    const canceled = await call(`/v1/sales/card-payments/${firstRef}/cancel`, {
      paymentId: firstId,
      readerId: reader.id,
    });
    expect(canceled.statusCode, canceled.body).toBe(200);
    expect(canceled.json()).toMatchObject({ status: 'canceled' });

    // Another attempt for the same sale on the same reader, now free; a card that succeeds pays it.
    const second = await call('/v1/sales/card-payments', {
      saleKey,
      paymentId: randomUUID(),
      amount: 350,
      readerId: reader.id,
    });
    expect(second.statusCode, second.body).toBe(201);
    const providerRef = second.json<{ providerRef: string }>().providerRef;
    expect((await tapCard(reader.id, '4242424242424242')).status).toBe(200);
    expect((await get(`/v1/sales/card-payments/${providerRef}`)).json()).toMatchObject({
      status: 'succeeded',
      amount: 350,
      currency: 'EUR',
    });
    const sold = await call(
      '/v1/sales',
      {
        lines: [{ sku: 'MUG', quantity: 2 }],
        tenders: [
          { method: 'card', amount: 350, providerRef },
          { method: 'cash', amount: 350, tendered: 500 },
        ],
      },
      saleKey,
    );
    expect(sold.statusCode, sold.body).toBe(201);
    expect(sold.json()).toMatchObject({ total: 700, change: 150 });

    // Another tenant's payment is not this tenant's to read; the simulation's test cards are off.
    const foreign = await cardPaymentOfAnotherTenant();
    expect((await get(`/v1/sales/card-payments/${foreign}`)).json()).toMatchObject({
      code: 'payment_provider_not_found',
    });
    const simulated = await call(`/v1/sales/card-readers/${reader.id}/test-card`, {
      testCard: '4242424242424242',
    });
    expect(simulated.statusCode).toBe(404);
    expect(simulated.json()).toMatchObject({ code: 'card_reader_simulation_off' });
  });

  async function cardPaymentOfAnotherTenant(): Promise<string> {
    const response = await fetch(`${fake.url}/v1/payment_intents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.secretKey}` },
      body: new URLSearchParams({ amount: '350', currency: 'eur', 'metadata[tenant]': 'another-tenant' }),
    });
    return ((await response.json()) as { id: string }).id;
  }

  it('refuses card tenders where no provider is configured', async () => {
    const response = await post(
      '/v1/sales',
      cashier,
      {
        lines: [{ sku: 'MUG', quantity: 1 }],
        tenders: [{ method: 'card', amount: 350, providerRef: 'pi_x' }],
      },
      randomUUID(),
    );
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'payment_method_unavailable' });
  });
});

describe('the simulated card reader (npm start, CARD_READER_SIMULATION)', () => {
  let fake: StripeFake;
  let simulation: PosApi;
  let signedIn: SignedIn;

  beforeAll(async () => {
    fake = await StripeFake.start();
    simulation = await testApp({
      databaseUrl: db.url,
      redis,
      mode: 'pooled',
      env: { ...fake.posApiEnv(), CARD_READER_SIMULATION: 'true' },
    });
    signedIn = await signIn(simulation, tenant, tenant.cashier.code, tenant.cashier.pin);
  });

  afterAll(async () => {
    await simulation?.close();
    await fake?.stop();
  });

  const request = (method: 'GET' | 'POST', url: string, payload?: object, key?: string) =>
    simulation.inject({
      method,
      url,
      headers: {
        host: tenant.host,
        ...bearer(signedIn.accessToken),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(payload ? { payload } : {}),
    });

  it('registers one simulated reader for the tenant, and its test cards pay or decline', async () => {
    const [first, again] = await Promise.all([
      request('GET', '/v1/sales/card-readers'),
      request('GET', '/v1/sales/card-readers'),
    ]);
    expect(first.statusCode, first.body).toBe(200);
    const listed = first.json<{ simulated: boolean; readers: { id: string; simulated: boolean }[] }>();
    expect(listed).toMatchObject({ available: true, simulated: true, readers: [{ simulated: true }] });
    expect(again.json()).toEqual(listed);
    const readerId = listed.readers[0]!.id;
    // Registered with Stripe's code for a simulated reader, under the tenant's metadata.
    const registrations = fake.requests.filter(
      (sent) => sent.method === 'POST' && sent.path === '/v1/terminal/readers' && sent.status === 200,
    );
    expect(registrations.length).toBeGreaterThan(0);
    for (const sent of registrations) {
      expect(sent.params).toEqual({
        registration_code: 'simulated-wpe',
        label: 'Simulated card reader',
        metadata: { tenant: tenant.slug },
      });
    }
    // Two tills asking at once still make one reader (the registration's idempotency key), and later
    // asks find it.
    expect(listed.readers).toHaveLength(1);
    expect((await request('GET', '/v1/sales/card-readers')).json()).toEqual(listed);

    const saleKey = randomUUID();
    const start = () =>
      request('POST', '/v1/sales/card-payments', { saleKey, paymentId: randomUUID(), amount: 350, readerId });
    const declined = (await start()).json<{ providerRef: string }>().providerRef;
    const tap = (testCard: string) =>
      request('POST', `/v1/sales/card-readers/${readerId}/test-card`, { testCard });
    expect((await tap('4000000000009995')).statusCode).toBe(204);
    expect((await request('GET', `/v1/sales/card-payments/${declined}`)).json()).toMatchObject({
      status: 'failed',
      failure: { message: 'Your card has insufficient funds.' },
    });
    // Only the provider's test cards, and only on this tenant's simulated reader.
    expect((await tap('4111111111111111')).statusCode).toBe(400);
    const foreign = fake.createReader({ metadata: { tenant: 'another-tenant' } });
    const elsewhere = await request('POST', `/v1/sales/card-readers/${foreign.id}/test-card`, {
      testCard: '4242424242424242',
    });
    expect(elsewhere.json()).toMatchObject({ code: 'payment_provider_not_found' });

    const paid = (await start()).json<{ providerRef: string }>().providerRef;
    expect((await tap('4242424242424242')).statusCode).toBe(204);
    const sold = await request(
      'POST',
      '/v1/sales',
      { lines: [{ sku: 'MUG', quantity: 1 }], tenders: [{ method: 'card', amount: 350, providerRef: paid }] },
      saleKey,
    );
    expect(sold.statusCode, sold.body).toBe(201);
    expect(sold.json()).toMatchObject({ payments: [{ method: 'card', amount: 350, providerRef: paid }] });
  });
});
