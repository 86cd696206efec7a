// The till's own ESC/POS receipt is the server's, byte for byte: a sale priced by the till (line and
// order discounts, two VAT rates, a voucher and cash with change) is committed to a real POS API on
// PostgreSQL, and the bytes the till renders offline from what it stored are compared with the
// bytes GET /v1/sales/:id/receipt?format=escpos answers for the committed sale.
import type {} from '@cloudpos/harness/vitest/provided';
import { bearer, sellingWorld, signIn, type SellingWorld } from '@cloudpos/pos-api/test-support';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TillSettings } from './catalog-sync.ts';
import { checkoutLines, priceCart, type CartLine } from './cart.ts';
import type { CatalogItem, CheckoutBody, LocalSale, Register, TaxRate } from './db.ts';
import { localEscPos, receiptFigures, RECEIPT_WIDTH, type ReceiptPlace } from './escpos.ts';
import { receiptLabel } from './format.ts';

let world: SellingWorld;
let token: string;

const VAT19 = '00000000-0000-4000-8000-000000000019';
const VAT7 = '00000000-0000-4000-8000-000000000007';
// The test catalog (pos-api's seedTestCatalog) as the till's catalog sync keeps it.
const taxRates = new Map<string, TaxRate>([
  [VAT19, { id: VAT19, code: 'VAT19', name: 'MwSt 19%', rate: '19', inclusive: true }],
  [VAT7, { id: VAT7, code: 'VAT7', name: 'MwSt 7%', rate: '7', inclusive: true }],
]);
const item = (sku: string, name: string, unitPrice: number, rate: string): CatalogItem => ({
  variantId: randomUUID(),
  sku,
  barcode: null,
  name,
  categoryId: null,
  unitPrice,
  taxRateIds: [rate],
  searchText: name.toLowerCase(),
});
const MUG = item('MUG', 'Mug', 350, VAT19);
const BREAD = item('BREAD', 'Bread', 200, VAT7);

const RECEIPT = { header: ['Open daily 7–19'], footer: ['Danke für Ihren Einkauf!'] };
const PROFILE = { displayName: 'Café Ecke', locale: 'de-DE' };

beforeAll(async () => {
  // No tenant cache: the profile written below is what the next request reads.
  world = await sellingWorld(
    'till-escpos',
    { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') },
    { env: { TENANT_CACHE_TTL_MS: '0' } },
  );
  await world.sql.query(`insert into "${world.schema}".setting (key, value) values ('tenant.profile', $1)`, [
    JSON.stringify({ ...PROFILE, currency: 'EUR', timezone: 'Europe/Berlin' }),
  ]);
  const changed = await world.app.inject({
    method: 'PUT',
    url: '/v1/settings/receipt',
    headers: { host: world.tenant.host, ...bearer(world.tenant.owner.accessToken) },
    payload: RECEIPT,
  });
  expect(changed.statusCode, changed.body).toBe(200);
  // A manager: the discounts together are over the cashier's limit.
  token = (await signIn(world.app, world.tenant, world.tenant.manager.code, world.tenant.manager.pin))
    .accessToken;
});

afterAll(async () => {
  await world?.close();
});

async function serverSettings(): Promise<
  TillSettings & { profile: { displayName: string; locale: string } }
> {
  const response = await world.app.inject({
    method: 'GET',
    url: '/v1/settings',
    headers: { host: world.tenant.host, ...bearer(token) },
  });
  return response.json();
}

describe('the till’s ESC/POS receipt', () => {
  it('is the server’s, byte for byte, for a sale the till priced and stored', async () => {
    const cart: CartLine[] = [
      { item: MUG, quantity: 2, discountPercent: '10' },
      { item: BREAD, quantity: 1 },
    ];
    const priced = priceCart(cart, taxRates, 'EUR', { percent: '5' })!;
    const voucher = 300;
    const body: CheckoutBody = {
      lines: checkoutLines(cart),
      discount: { percent: '5' },
      tenders: [
        { method: 'external', amount: voucher, label: 'Voucher' },
        { method: 'cash', amount: priced.totals.total - voucher, tendered: 1000 },
      ],
      receiptNumber: 1,
      clientCreatedAt: new Date().toISOString(),
    };
    const committed = await world.app.inject({
      method: 'POST',
      url: '/v1/sales',
      headers: { host: world.tenant.host, ...bearer(token), 'idempotency-key': randomUUID() },
      payload: body,
    });
    expect(committed.statusCode, committed.body).toBe(201);
    const { id } = committed.json<{ id: string }>();
    const sale = (
      await world.app.inject({
        method: 'GET',
        url: `/v1/sales/${id}`,
        headers: { host: world.tenant.host, ...bearer(token) },
      })
    ).json<{ id: string; receiptNumber: string; completedAt: string; total: number }>();
    expect(sale.total).toBe(priced.totals.total);
    const server = await world.app.inject({
      method: 'GET',
      url: `/v1/sales/${sale.id}/receipt?format=escpos&width=${RECEIPT_WIDTH}`,
      headers: { host: world.tenant.host, ...bearer(token) },
    });
    expect(server.statusCode).toBe(200);

    const register: Register = {
      deviceId: world.tenant.deviceId,
      deviceSecret: world.tenant.deviceSecret,
      name: 'Till 1',
      code: 'T1',
      storeId: randomUUID(),
      storeCode: 'MAIN',
      storeName: 'Main',
      tenant: { slug: world.tenant.slug, currency: 'EUR', timezone: 'Europe/Berlin' },
      pairedAt: new Date().toISOString(),
    };
    const settings = await serverSettings();
    expect(settings.profile).toEqual(PROFILE);
    const figures = receiptFigures(priced, [MUG, BREAD], taxRates);
    const local: LocalSale = {
      key: randomUUID(),
      receiptNumber: 1,
      receiptLabel: receiptLabel('MAIN', 'T1', 1),
      staffId: world.tenant.manager.id,
      body,
      display: { lines: [], total: priced.totals.total, change: 1000 - (priced.totals.total - voucher) },
      status: 'queued',
      // The server prints the time it completed the sale; offline the till prints its own.
      createdAt: sale.completedAt,
    };
    const place: ReceiptPlace = { register, settings, cashier: 'manager 2000' };
    const bytes = Buffer.from(localEscPos(local, figures, place));
    expect(local.receiptLabel).toBe(sale.receiptNumber);
    // Compared as text first, so that a difference reads as the receipt's words.
    expect(bytes.toString('latin1')).toBe(server.rawPayload.toString('latin1'));
    expect(bytes.equals(server.rawPayload)).toBe(true);
    // And it is a receipt: the number (also as Code 128), the voucher, the footer's plain words.
    for (const words of ['MAIN-T1-000001', 'Voucher', 'Einkauf!']) expect(bytes.includes(words)).toBe(true);
  });
});
