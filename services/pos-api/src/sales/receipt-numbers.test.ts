// Receipt numbers per register, through the HTTP API against real PostgreSQL and Redis: each till
// has its own gapless sequence (MAIN-T1-000001, MAIN-T2-000001), may number its sales itself (a
// till selling offline prints its final number), a skipped number is flagged as a gap until its
// sale arrives, a number used twice is refused, and registers of one store commit in parallel.
import type {} from '@cloudpos/harness/vitest/provided';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import {
  anotherTill,
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
let tillOne: SignedIn;
let tillTwo: SignedIn;
let tillTwoId: string;

beforeAll(async () => {
  world = await sellingWorld('receipts', {
    postgresUrl: inject('postgresUrl'),
    redisUrl: inject('redisUrl'),
  });
  ({ sql, app, tenant, schema } = world);
  tillOne = await signIn(app, tenant, tenant.cashier.code, tenant.cashier.pin);
  const second = await anotherTill(app, tenant, 'Till 2');
  expect(second.device.code).toBe('T2');
  tillTwoId = second.device.id;
  tillTwo = second.signedIn;
});

afterAll(async () => {
  await world?.close();
});

const sell = (till: SignedIn, extra: object = {}, key: string = randomUUID()) =>
  app.inject({
    method: 'POST',
    url: '/v1/sales',
    headers: { host: tenant.host, ...bearer(till.accessToken), 'idempotency-key': key },
    payload: { lines: [{ sku: 'PEN', quantity: 1 }], tenders: [{ method: 'cash', amount: 333 }], ...extra },
  });

const gaps = async () =>
  (
    await app.inject({
      method: 'GET',
      url: '/v1/sales/receipt-gaps',
      headers: { host: tenant.host, ...bearer(tillOne.accessToken) },
    })
  ).json<{ items: { registerCode: string; number: number }[] }>().items;

describe('receipt numbers per register', () => {
  it('give each till its own gapless sequence', async () => {
    const labels = [];
    for (const till of [tillOne, tillTwo, tillOne, tillTwo, tillTwo]) {
      const response = await sell(till);
      expect(response.statusCode, response.body).toBe(201);
      labels.push(response.json<{ receiptNumber: string }>().receiptNumber);
    }
    expect(labels).toEqual([
      'MAIN-T1-000001',
      'MAIN-T2-000001',
      'MAIN-T1-000002',
      'MAIN-T2-000002',
      'MAIN-T2-000003',
    ]);
  });

  it('take the till’s own number, flag what it skipped, fill the gap later, and refuse a number twice', async () => {
    // Till 1 is at 2. Offline it sold 3, 4 and 5; 5 arrives first.
    const five = await sell(tillOne, { receiptNumber: 5 });
    expect(five.statusCode, five.body).toBe(201);
    expect(five.json()).toMatchObject({ receiptNumber: 'MAIN-T1-000005' });
    expect(await gaps()).toEqual([
      expect.objectContaining({ registerCode: 'T1', number: 3 }),
      expect.objectContaining({ registerCode: 'T1', number: 4 }),
    ]);
    const threeKey = randomUUID();
    const three = await sell(tillOne, { receiptNumber: 3 }, threeKey);
    expect(three.statusCode, three.body).toBe(201);
    expect((await gaps()).map((gap) => gap.number)).toEqual([4]);

    // The same sale retried replays; another sale with a used number is refused.
    const replay = await sell(tillOne, { receiptNumber: 3 }, threeKey);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const twice = await sell(tillOne, { receiptNumber: 3 });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'receipt_number_taken' });
    const alsoTaken = await sell(tillOne, { receiptNumber: 5 });
    expect(alsoTaken.json()).toMatchObject({ code: 'receipt_number_taken' });

    // Without a number the server continues after the highest one.
    const next = await sell(tillOne);
    expect(next.json()).toMatchObject({ receiptNumber: 'MAIN-T1-000006' });
    const farAhead = await sell(tillOne, { receiptNumber: 6 + 1002 });
    expect(farAhead.statusCode).toBe(422);
    expect(farAhead.json()).toMatchObject({ code: 'receipt_number_invalid' });
    // A refused sale takes no number and makes no gap.
    expect((await gaps()).map((gap) => gap.number)).toEqual([4]);
    expect((await sell(tillOne)).json()).toMatchObject({ receiptNumber: 'MAIN-T1-000007' });
  });

  it('let registers of one store commit in parallel: a register waiting on its counter holds up no other', async () => {
    const holder = await sql.connect();
    try {
      await holder.query('begin');
      // As if a sale of till 1 were committing right now.
      await holder.query(
        `select last from "${schema}".register_counter where device_id = (select id from "${schema}".till_device where code = 'T1') for update`,
      );
      const timeout = new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 5000));
      const onTwo = await Promise.race([sell(tillTwo), timeout]);
      expect(onTwo).not.toBe('blocked');
      expect(onTwo === 'blocked' ? 0 : onTwo.statusCode).toBe(201);
    } finally {
      await holder.query('rollback');
      holder.release();
    }
    const { rows } = await sql.query<{ n: number }>(
      `select count(*)::int as n from "${schema}".sale where device_id = $1`,
      [tillTwoId],
    );
    expect(rows[0]!.n).toBe(4);
  });

  it('find a sale by its printed number', async () => {
    const found = await app.inject({
      method: 'GET',
      url: '/v1/sales/by-receipt/MAIN-T2-000002',
      headers: { host: tenant.host, ...bearer(tillOne.accessToken) },
    });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json()).toMatchObject({ receiptNumber: 'MAIN-T2-000002' });
  });
});
