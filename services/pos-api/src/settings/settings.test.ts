// The tenant's settings through the HTTP API against real PostgreSQL and Redis: every signed-in till
// reads them (with defaults in the tenant's currency), only owners change a group, each change is
// audited with what it was, bad values are refused field by field, and checkout prices with them.
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
import { defaultSettings, effectiveSettings } from './repository.ts';

let world: SellingWorld;
let sql: pg.Pool;
let app: PosApi;
let tenant: TestTenant;
let schema: string;
let manager: SignedIn;
let cashier: SignedIn;

beforeAll(async () => {
  world = await sellingWorld('settings', {
    postgresUrl: inject('postgresUrl'),
    redisUrl: inject('redisUrl'),
  });
  ({ sql, app, tenant, schema } = world);
  manager = await signIn(app, tenant, tenant.manager.code, tenant.manager.pin);
  cashier = await signIn(app, tenant, tenant.cashier.code, tenant.cashier.pin);
});

afterAll(async () => {
  await world?.close();
});

const send = (method: 'GET' | 'PUT' | 'POST', url: string, who: SignedIn, payload?: object) =>
  app.inject({
    method,
    url,
    headers: { host: tenant.host, ...bearer(who.accessToken) },
    ...(payload ? { payload } : {}),
  });

interface Preview {
  total: number;
  requiredApprovals: { action: string }[];
  cash?: { payable: number };
}

const OFFLINE = {
  maxOfflineHours: 4,
  maxSaleAmount: 2_000,
  maxQueuedAmount: 10_000,
  maxQueuedSales: 20,
  tenders: ['cash'],
};

describe('settings', () => {
  it('are read by every signed-in till, with defaults in the tenant’s currency', async () => {
    const read = await send('GET', '/v1/settings', cashier);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual({
      pricing: { mode: 'half-even', level: 'line', cashIncrement: 1 },
      sales: { discountLimitPercent: '10' },
      offline: {
        maxOfflineHours: 24,
        maxSaleAmount: 50_000,
        maxQueuedAmount: 500_000,
        maxQueuedSales: 1_000,
        tenders: ['cash', 'external'],
      },
      receipt: { header: [], footer: [] },
      // No profile row in this test's schema: the slug and en-US, as receipts print them.
      profile: { displayName: tenant.slug, locale: 'en-US' },
    });
  });

  it('are changed a group at a time by owners only, audited with what they were', async () => {
    const byManager = await send('PUT', '/v1/settings/offline', manager, OFFLINE);
    expect(byManager.statusCode).toBe(403);
    expect(byManager.json()).toMatchObject({ code: 'forbidden' });

    const changed = await send('PUT', '/v1/settings/offline', tenant.owner, OFFLINE);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ offline: OFFLINE, sales: { discountLimitPercent: '10' } });
    expect((await send('GET', '/v1/settings', cashier)).json()).toMatchObject({ offline: OFFLINE });

    const { rows } = await sql.query<{ outcome: string; detail: { before: unknown; after: unknown } }>(
      `select outcome, detail from "${schema}".audit_entry
        where action in ('settings.update', 'settings.manage') and target_id = 'offline' order by id`,
    );
    expect(rows.map((row) => row.outcome)).toEqual(['denied', 'succeeded']);
    expect(rows[1]!.detail).toEqual({ before: null, after: OFFLINE });
  });

  it('refuses a value out of range, a card tender offline and an unknown field, naming each', async () => {
    for (const [body, path] of [
      [{ ...OFFLINE, maxOfflineHours: 500 }, '/maxOfflineHours'],
      [{ ...OFFLINE, tenders: ['cash', 'card'] }, '/tenders/1'],
      [{ ...OFFLINE, maxSaleAmount: 19.5 }, '/maxSaleAmount'],
      [{ ...OFFLINE, surprise: true }, ''],
    ] as const) {
      const refused = await send('PUT', '/v1/settings/offline', tenant.owner, body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'validation_failed' });
      expect(JSON.stringify(refused.json<{ errors: unknown }>().errors)).toContain(path);
    }
    const pricing = await send('PUT', '/v1/settings/pricing', tenant.owner, { mode: 'round-up' });
    expect(pricing.statusCode).toBe(400);
    expect((await send('GET', '/v1/settings', cashier)).json()).toMatchObject({ offline: OFFLINE });
  });

  it('give the tenant’s receipt profile from its profile row, read-only', async () => {
    await sql.query(
      `insert into "${schema}".setting (key, value) values ('tenant.profile', $1)
       on conflict (key) do update set value = excluded.value`,
      [JSON.stringify({ displayName: 'Corner Café', locale: 'de-DE', currency: 'EUR' })],
    );
    try {
      const read = await send('GET', '/v1/settings', cashier);
      expect(read.json()).toMatchObject({ profile: { displayName: 'Corner Café', locale: 'de-DE' } });
      const written = await send('PUT', '/v1/settings/profile', tenant.owner, { displayName: 'Evil' });
      expect(written.statusCode).toBe(404);
    } finally {
      await sql.query(`delete from "${schema}".setting where key = 'tenant.profile'`);
    }
  });

  it('print the receipt header and footer on every rendering of a receipt', async () => {
    const receipt = { header: ['Open daily 7–19', 'Wi-Fi: guest'], footer: ['Thank you, come again!'] };
    const byManager = await send('PUT', '/v1/settings/receipt', manager, receipt);
    expect(byManager.statusCode).toBe(403);
    const changed = await send('PUT', '/v1/settings/receipt', tenant.owner, receipt);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ receipt, offline: OFFLINE });

    const sold = await app.inject({
      method: 'POST',
      url: '/v1/sales',
      headers: { host: tenant.host, ...bearer(cashier.accessToken), 'idempotency-key': randomUUID() },
      payload: { lines: [{ sku: 'MUG', quantity: 1 }], tenders: [{ method: 'cash', amount: 350 }] },
    });
    expect(sold.statusCode, sold.body).toBe(201);
    const rendered = (format: string) =>
      app.inject({
        url: `/v1/sales/${sold.json<{ id: string }>().id}/receipt?format=${format}`,
        headers: { host: tenant.host, ...bearer(cashier.accessToken) },
      });
    const text = (await rendered('text')).body;
    const lines = text.split('\n').map((line) => line.trim());
    // The header stands under the store's name, before the receipt number; the footer ends it.
    expect(lines.indexOf('Open daily 7–19')).toBeGreaterThan(0);
    expect(lines.indexOf('Wi-Fi: guest')).toBe(lines.indexOf('Open daily 7–19') + 1);
    expect(lines.indexOf('Wi-Fi: guest')).toBeLessThan(lines.findIndex((line) => line.startsWith('Receipt')));
    expect(lines.filter(Boolean).at(-1)).toBe('Thank you, come again!');
    const html = (await rendered('html')).body;
    expect(html).toMatch(/<header>[^]*<p>Open daily 7–19<\/p>\n<p>Wi-Fi: guest<\/p>\n<\/header>/u);
    expect(html).toMatch(/<footer>\n<p>Thank you, come again!<\/p>\n<\/footer>/u);
    const escpos = (await rendered('escpos')).rawPayload.toString('latin1');
    expect(escpos).toContain('Wi-Fi: guest');
    expect(escpos).toContain('Thank you, come again!');

    const { rows } = await sql.query<{ detail: { before: unknown; after: unknown } }>(
      `select detail from "${schema}".audit_entry
        where action = 'settings.update' and target_id = 'receipt' order by id`,
    );
    expect(rows).toEqual([{ detail: { before: null, after: receipt } }]);
  });

  it('refuse receipt text that is too long, too many lines or not plain text', async () => {
    for (const [body, path] of [
      [{ header: ['x'.repeat(65)], footer: [] }, '/header/0'],
      [{ header: [], footer: Array.from({ length: 9 }, () => 'line') }, '/footer'],
      [{ header: ['\u001bp\u0000'], footer: [] }, '/header/0'],
      [{ header: [], footer: ['ok', 'tab\there'] }, '/footer/1'],
      [{ header: [] }, ''],
    ] as const) {
      const refused = await send('PUT', '/v1/settings/receipt', tenant.owner, body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'validation_failed' });
      expect(JSON.stringify(refused.json<{ errors: unknown }>().errors)).toContain(path);
    }
    expect((await send('GET', '/v1/settings', cashier)).json()).toMatchObject({
      receipt: { footer: ['Thank you, come again!'] },
    });
  });

  it('price sales: a higher discount limit needs no approval, cash rounds to the increment', async () => {
    const discounted = { lines: [{ sku: 'PEN', quantity: 3, discount: { percent: '30' } }] };
    const before = await send('POST', '/v1/sales/calculate', cashier, discounted);
    expect(before.json<Preview>().requiredApprovals).toMatchObject([{ action: 'discount.overLimit' }]);

    expect(
      (await send('PUT', '/v1/settings/sales', tenant.owner, { discountLimitPercent: '40' })).statusCode,
    ).toBe(200);
    expect(
      (
        await send('PUT', '/v1/settings/pricing', tenant.owner, {
          mode: 'half-up',
          level: 'line',
          cashIncrement: 5,
        })
      ).statusCode,
    ).toBe(200);
    const after = (await send('POST', '/v1/sales/calculate', cashier, discounted)).json<Preview>();
    expect(after.requiredApprovals).toEqual([]);
    expect(after.cash!.payable % 5).toBe(0);
    expect(Math.abs(after.cash!.payable - after.total)).toBeLessThanOrEqual(2);
  });
});

describe('effective settings (pure)', () => {
  it('reads a stored group field by field over the defaults, keeping only valid fields', () => {
    const settings = effectiveSettings(
      { offline: { maxQueuedSales: 5, maxSaleAmount: -1, retired: true }, pricing: 'nonsense' },
      'JPY',
    );
    expect(settings.offline).toEqual({ ...defaultSettings('JPY').offline, maxQueuedSales: 5 });
    expect(settings.offline.maxSaleAmount).toBe(500);
    expect(settings.pricing).toEqual(defaultSettings('JPY').pricing);
  });
});
