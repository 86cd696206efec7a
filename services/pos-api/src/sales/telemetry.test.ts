// What a sale leaves in the POS API's telemetry: one JSON log line per committed sale or return with
// its id, kind and receipt number (a replay said as such), so a sale a till reports can be found in
// the logs; and the tenant's sales, amounts and offline replays on /metrics.
import type {} from '@cloudpos/harness/vitest/provided';
import { createLogger } from '@cloudpos/telemetry';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, sellingWorld, signIn, type SellingWorld } from '../test-support.ts';

let world: SellingWorld;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  world = await sellingWorld(
    'sale-logs',
    { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') },
    { logger: createLogger({ name: 'pos-api', level: 'info', destination }) },
  );
});

afterAll(async () => {
  await world?.close();
});

describe('the log of a sale', () => {
  it('names the sale, its kind and receipt number once committed, and says when a retry was answered again', async () => {
    const cashier = await signIn(
      world.app,
      world.tenant,
      world.tenant.cashier.code,
      world.tenant.cashier.pin,
    );
    const key = randomUUID();
    const sell = () =>
      world.app.inject({
        method: 'POST',
        url: '/v1/sales',
        headers: { host: world.tenant.host, ...bearer(cashier.accessToken), 'idempotency-key': key },
        payload: { lines: [{ sku: 'PEN', quantity: 1 }], tenders: [{ method: 'cash', amount: 333 }] },
      });
    const sold = await sell();
    expect(sold.statusCode, sold.body).toBe(201);
    await sell();
    const { id, receiptNumber } = sold.json<{ id: string; receiptNumber: string }>();
    const logged = lines.filter((line) => line.sale_id === id);
    expect(logged).toEqual([
      expect.objectContaining({
        msg: 'sale committed',
        sale_kind: 'sale',
        receipt_number: receiptNumber,
        replayed: false,
      }),
      expect.objectContaining({ msg: 'sale answered again (same Idempotency-Key)', replayed: true }),
    ]);
    // Nothing secret rides along: the access token never reaches a line.
    expect(JSON.stringify(lines)).not.toContain(cashier.accessToken);
  });

  it('counts the tenant’s sales, their amounts and those replayed from a till’s offline queue on /metrics', async () => {
    const cashier = await signIn(
      world.app,
      world.tenant,
      world.tenant.cashier.code,
      world.tenant.cashier.pin,
    );
    const made = new Date(Date.now() - 10 * 60_000).toISOString();
    const offline = await world.app.inject({
      method: 'POST',
      url: '/v1/sales',
      headers: { host: world.tenant.host, ...bearer(cashier.accessToken), 'idempotency-key': randomUUID() },
      payload: {
        lines: [{ sku: 'MUG', quantity: 1 }],
        tenders: [{ method: 'cash', amount: 350 }],
        clientCreatedAt: made,
      },
    });
    expect(offline.statusCode, offline.body).toBe(201);
    const scraped = (await world.app.inject({ url: '/metrics' })).body;
    const tenant = world.tenant.slug;
    // The first test's sale (once, though answered twice) and this one.
    expect(scraped).toContain(`cloudpos_sales_total{tenant="${tenant}",kind="sale"} 2`);
    expect(scraped).toContain(
      `cloudpos_sales_amount_minor_total{tenant="${tenant}",kind="sale",currency="EUR"} 683`,
    );
    expect(scraped).toContain(`cloudpos_sales_offline_replayed_total{tenant="${tenant}"} 1`);
  });
});
