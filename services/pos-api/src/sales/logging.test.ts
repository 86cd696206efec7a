// What the POS API logs about a sale: one JSON line per committed sale or return with its id, kind
// and receipt number (and a replay said as such), so a sale a till reports can be found in the logs.
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
});
