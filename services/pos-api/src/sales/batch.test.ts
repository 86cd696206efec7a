// POST /v1/sales/batch against real PostgreSQL and Redis: sales committed one by one in the order
// sent, each in its own transaction (a refused one rolls nothing else back), a key already committed
// answered with its stored sale, each sale's own manager approval, its limits (sales per call, body
// size, the request rate limit counting every sale), and two tenants that never meet. Plus the loop
// alone: it stops at the first sale the server cannot take now.
import type {} from '@cloudpos/harness/vitest/provided';
import { createLogger } from '@cloudpos/telemetry';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { problem } from '../errors.ts';
import { tenantKey } from '../limits/keys.ts';
import {
  bearer,
  createTenantSchema,
  PINS,
  sellingWorld,
  setUpTenant,
  signIn,
  uniqueSlug,
  type SellingWorld,
  type SignedIn,
  type TestTenant,
} from '../test-support.ts';
import { commitBatch, MAX_BATCH_SALES, type BatchSale } from './batch.ts';
import { seedTestCatalog } from './test-catalog.ts';

const RATE_LIMIT_MAX = 60;

let world: SellingWorld;
let cashier: SignedIn;
/** A second tenant on the same API, database and Redis. */
let other: { tenant: TestTenant; schema: string; cashier: SignedIn };

beforeAll(async () => {
  world = await sellingWorld(
    'batch',
    { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') },
    // A window longer than the file runs, and each request counted in Redis as it comes (no lease,
    // see platform.test.ts): counts below are exact.
    {
      env: {
        RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
        RATE_LIMIT_WINDOW_MS: '600000',
        RATE_LIMIT_LEASE: '1',
      },
    },
  );
  cashier = await signIn(world.app, world.tenant, world.tenant.cashier.code, world.tenant.cashier.pin);
  const admin = await MikroORM.init(tenantOrmConfig({ clientUrl: world.db.url, poolMax: 1 }));
  const slug = uniqueSlug('batch-other');
  const schema = await createTenantSchema(admin, slug);
  await admin.close();
  await seedTestCatalog(world.sql, schema);
  const tenant = await setUpTenant(world.app, slug);
  other = {
    tenant,
    schema,
    cashier: await signIn(world.app, tenant, tenant.cashier.code, tenant.cashier.pin),
  };
});

afterAll(async () => {
  await world?.close();
});

const post = (
  url: string,
  payload: object,
  {
    as = cashier,
    tenant = world.tenant,
    headers = {},
  }: { as?: SignedIn; tenant?: TestTenant; headers?: Record<string, string> } = {},
) =>
  world.app.inject({
    method: 'POST',
    url,
    headers: { host: tenant.host, ...bearer(as.accessToken), ...headers },
    payload,
  });

interface Answer {
  idempotencyKey: string;
  status: number;
  replayed: boolean;
  sale?: { id: string; receiptNumber: string; total: number };
  problem?: { code: string; status: number; action?: string; detail?: string };
}

const batch = async (items: BatchSale[], options: Parameters<typeof post>[2] = {}) => {
  const response = await post('/v1/sales/batch', { items }, options);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ results: Answer[] }>().results;
};

const count = async (schema: string, table: string, where = 'true') =>
  (await world.sql.query<{ n: number }>(`select count(*)::int as n from "${schema}".${table} where ${where}`))
    .rows[0]!.n;

// MUG 350, BREAD 200, PEN 333 (test-catalog.ts).
const mug = { lines: [{ sku: 'MUG', quantity: 1 }], tenders: [{ method: 'cash' as const, amount: 350 }] };
const bread = { lines: [{ sku: 'BREAD', quantity: 1 }], tenders: [{ method: 'cash' as const, amount: 200 }] };
const sale = (body: BatchSale['sale'], extra: Partial<BatchSale> = {}): BatchSale => ({
  idempotencyKey: randomUUID(),
  sale: body,
  ...extra,
});

describe('POST /v1/sales/batch', () => {
  it('commits each sale on its own: good, refused, replayed and approved sales answered in order', async () => {
    // Committed earlier on its own (the till's answer was lost): the batch answers its stored sale.
    const earlier = sale(mug);
    const single = await post('/v1/sales', earlier.sale, {
      headers: { 'idempotency-key': earlier.idempotencyKey },
    });
    expect(single.statusCode, single.body).toBe(201);
    const approval = await post('/v1/approvals', {
      action: 'discount.overLimit',
      staffCode: world.tenant.manager.code,
      pin: PINS.manager,
    });
    expect(approval.statusCode, approval.body).toBe(201);
    const approvalId = approval.json<{ approvalId: string }>().approvalId;
    const wholeSaleOff = {
      lines: [{ sku: 'PEN', quantity: 1, discount: { fixed: 333 } }],
      tenders: [{ method: 'cash' as const, amount: 0 }],
    };
    const reusedKey = sale(bread);

    const salesBefore = await count(world.schema, 'sale');
    const items = [
      sale(mug),
      sale({ lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }], tenders: [{ method: 'cash', amount: 100 }] }),
      earlier,
      sale(wholeSaleOff),
      sale(wholeSaleOff, { approvalIds: [approvalId] }),
      reusedKey,
      { ...reusedKey, sale: mug },
      sale(bread, { approvalIds: [approvalId] }),
    ];
    const results = await batch(items);
    expect(
      results.map(({ idempotencyKey, status, replayed, problem }) => [
        idempotencyKey,
        status,
        replayed,
        problem?.code,
      ]),
    ).toEqual([
      [items[0]!.idempotencyKey, 201, false, undefined],
      [items[1]!.idempotencyKey, 422, false, 'item_not_found'],
      [earlier.idempotencyKey, 201, true, undefined],
      [items[3]!.idempotencyKey, 403, false, 'approval_required'],
      [items[4]!.idempotencyKey, 201, false, undefined],
      [reusedKey.idempotencyKey, 201, false, undefined],
      [reusedKey.idempotencyKey, 422, false, 'idempotency_key_reused'],
      // An approval offered with a sale that needs none is not used (it was used by the fifth).
      [items[7]!.idempotencyKey, 201, false, undefined],
    ]);
    expect(results[2]!.sale).toEqual(single.json());
    expect(results[3]!.problem).toMatchObject({ action: 'discount.overLimit', status: 403 });
    expect(results[0]!.sale?.total).toBe(350);
    expect(results[0]!.sale?.receiptNumber).toMatch(/^MAIN-T1-/);

    // Four new sales, each once, and each a sale as POST /v1/sales stores it.
    expect(await count(world.schema, 'sale')).toBe(salesBefore + 4);
    for (const result of results.filter((answer) => answer.status === 201 && !answer.replayed)) {
      const stored = await world.app.inject({
        url: `/v1/sales/${result.sale!.id}`,
        headers: { host: world.tenant.host, ...bearer(cashier.accessToken) },
      });
      expect(stored.json()).toMatchObject({ id: result.sale!.id, total: result.sale!.total });
    }
    // The approval was used by the one sale it came with; the refusal without one is in the audit log.
    const audit = await world.sql.query<{ outcome: string; approval_id: string | null }>(
      `select outcome, approval_id from "${world.schema}".audit_entry where action = 'discount.overLimit' order by id`,
    );
    expect(audit.rows.map((row) => [row.outcome, row.approval_id]).sort()).toEqual([
      ['approved', approvalId],
      ['denied', null],
    ]);

    // The whole batch again (a till whose answer was lost): the same answers, nothing new.
    const again = await batch(items);
    expect(again.map((answer) => [answer.status, answer.replayed])).toEqual([
      [201, true],
      [422, false],
      [201, true],
      [403, false],
      [201, true],
      [201, true],
      [422, false],
      [201, true],
    ]);
    expect(again[0]!.sale).toEqual(results[0]!.sale);
    expect(await count(world.schema, 'sale')).toBe(salesBefore + 4);
  });

  it(`refuses more than ${MAX_BATCH_SALES} sales, a body over 1 MiB, an empty batch, and a request without a till`, async () => {
    const tooMany = await post('/v1/sales/batch', {
      items: Array.from({ length: MAX_BATCH_SALES + 1 }, () => sale(mug)),
    });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json()).toMatchObject({ code: 'batch_too_large' });

    const huge = await post('/v1/sales/batch', {
      items: [sale({ ...mug, note: 'x'.repeat(500) })],
      padding: 'x'.repeat(1024 * 1024),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ code: 'body_too_large' });

    const empty = await post('/v1/sales/batch', { items: [] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ code: 'validation_failed' });

    const badItem = await post('/v1/sales/batch', {
      items: [sale(mug), { idempotencyKey: 'not a key!', sale: mug }],
    });
    expect(badItem.statusCode).toBe(400);
    expect(badItem.json()).toMatchObject({ code: 'validation_failed' });

    const anonymous = await world.app.inject({
      method: 'POST',
      url: '/v1/sales/batch',
      headers: { host: world.tenant.host },
      payload: { items: [sale(mug)] },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('keeps tenants apart: the same key is two sales, a token works on its own tenant only', async () => {
    const key = randomUUID();
    const [mine] = await batch([{ idempotencyKey: key, sale: mug }]);
    const [theirs] = await batch([{ idempotencyKey: key, sale: bread }], {
      as: other.cashier,
      tenant: other.tenant,
    });
    expect([mine!.status, mine!.replayed, theirs!.status, theirs!.replayed]).toEqual([
      201,
      false,
      201,
      false,
    ]);
    expect(await count(other.schema, 'sale', `id = '${mine!.sale!.id}'`)).toBe(0);
    expect(await count(world.schema, 'sale', `id = '${theirs!.sale!.id}'`)).toBe(0);

    const crossed = await post('/v1/sales/batch', { items: [sale(mug)] }, { as: other.cashier });
    expect(crossed.statusCode).toBe(403);
    expect(crossed.json()).toMatchObject({ code: 'tenant_mismatch' });
  });

  it('counts every sale against the till’s request limit, and one tenant’s limit leaves the other selling', async () => {
    const counter = tenantKey(other.tenant.slug, 'requests', other.tenant.deviceId);
    const used = Number((await world.redis.get(counter)) ?? 0);
    const full = Array.from({ length: MAX_BATCH_SALES }, () => sale(bread));
    const first = await batch(full, { as: other.cashier, tenant: other.tenant });
    expect(first.every((answer) => answer.status === 201)).toBe(true);
    expect(Number(await world.redis.get(counter))).toBe(used + MAX_BATCH_SALES);

    // What is left of the limit: the request and that many more sales; the next one is refused and
    // ends the answers (the rest were not tried).
    const left = RATE_LIMIT_MAX - used - MAX_BATCH_SALES;
    expect(left).toBeGreaterThan(1);
    const second = await batch(
      Array.from({ length: left + 3 }, () => sale(bread)),
      { as: other.cashier, tenant: other.tenant },
    );
    expect(second.map((answer) => answer.status)).toEqual([...Array<number>(left).fill(201), 429]);
    expect(second.at(-1)!.problem).toMatchObject({ code: 'rate_limited' });
    const salesOfOther = await count(other.schema, 'sale');

    const third = await post(
      '/v1/sales/batch',
      { items: [sale(bread)] },
      {
        as: other.cashier,
        tenant: other.tenant,
      },
    );
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ code: 'rate_limited' });
    expect(await count(other.schema, 'sale')).toBe(salesOfOther);

    // The first tenant's till sells on.
    const [mine] = await batch([sale(mug)]);
    expect(mine!.status).toBe(201);
  });
});

describe('commitBatch', () => {
  const log = createLogger({ name: 'test', level: 'silent' });
  const items = ['a', 'b', 'c', 'd'].map((key) => ({ idempotencyKey: `key-${key}`, sale: mug }));

  it('goes on after a refused sale and stops at the first the server cannot take now', async () => {
    const tried: string[] = [];
    const answers = await commitBatch(
      items,
      items.length,
      async ({ idempotencyKey }) => {
        tried.push(idempotencyKey);
        if (idempotencyKey === 'key-a') throw problem('item_not_found', 'no such item');
        if (idempotencyKey === 'key-c') throw new Error('the connection broke in an unexpected way');
        return { statusCode: 201, body: { id: idempotencyKey }, replayed: false };
      },
      log,
    );
    expect(tried).toEqual(['key-a', 'key-b', 'key-c']);
    expect(answers.map((answer) => [answer.status, answer.problem?.code])).toEqual([
      [422, 'item_not_found'],
      [201, undefined],
      [500, 'internal_error'],
    ]);
    expect(answers[0]!.problem).toMatchObject({
      type: 'https://cloudpos.io/problems/item-not-found',
      detail: 'no such item',
    });
  });

  it('answers rate_limited for the first sale past the budget and tries none after it', async () => {
    const tried: string[] = [];
    const answers = await commitBatch(
      items,
      2,
      async ({ idempotencyKey }) => {
        tried.push(idempotencyKey);
        return { statusCode: 201, body: {}, replayed: false };
      },
      log,
    );
    expect(tried).toEqual(['key-a', 'key-b']);
    expect(answers.map((answer) => [answer.idempotencyKey, answer.status])).toEqual([
      ['key-a', 201],
      ['key-b', 201],
      ['key-c', 429],
    ]);
  });
});
