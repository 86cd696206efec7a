// "The catalog changed" goes through the transactional outbox: one row per change, written in the
// change's transaction (rolled back with it), with the trace context of the request that made it.
import { startTelemetry, type Telemetry } from '@cloudpos/telemetry';
import { TaxRate } from '@cloudpos/tenant-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../tenancy/context.ts';
import { createTaxRate, updateTaxRate } from './service.ts';
import {
  addTenant,
  catalogWorld,
  createTaxes,
  expectStatus,
  lastOutboxId,
  outboxRows,
  type CatalogTenant,
  type CatalogWorld,
  type Taxes,
} from './test-fixtures.ts';

let telemetry: Telemetry;
let world: CatalogWorld;
let shop: CatalogTenant;
let taxes: Taxes;

beforeAll(async () => {
  // Before the app exists, so that its requests become spans that continue an incoming traceparent.
  telemetry = await startTelemetry({ serviceName: 'catalog-outbox-test' });
  world = await catalogWorld('outbox');
  shop = await addTenant(world, 'events');
  taxes = await createTaxes(shop.manager);
});

afterAll(async () => {
  await world?.close();
  await telemetry?.shutdown();
});

const context = (): RequestContext => ({
  tenant: { slug: shop.tenant.slug, schema: shop.schema, currency: 'EUR', timezone: 'UTC', readOnly: false },
  em: world.admin.em.fork({ schema: shop.schema }),
  traceId: 'test',
});

describe('catalog events in the outbox', () => {
  it('writes one row per change, with the ids and the version after the change', async () => {
    const before = await lastOutboxId(world, shop.schema);
    const product = expectStatus(
      await shop.manager.post<{ id: string; variants: { id: string; prices: { id: string }[] }[] }>(
        '/v1/catalog/products',
        {
          name: 'Espresso',
          taxCategoryId: taxes.foodCategoryId,
          variants: [{ sku: 'ESP', prices: [{ amount: 220 }] }],
        },
      ),
      201,
    );
    const variant = product.variants[0]!;
    expect((await outboxRows(world, shop.schema, before)).map((row) => [row.subject, row.payload])).toEqual([
      ['pos.events.catalog.product.changed', { id: product.id, version: 1 }],
      [
        'pos.events.catalog.variant.changed',
        { id: variant.id, version: 1, productId: product.id, sku: 'ESP' },
      ],
      [
        'pos.events.catalog.price.changed',
        { id: variant.prices[0]!.id, version: 1, variantId: variant.id, currency: 'EUR', storeId: null },
      ],
    ]);

    const afterCreate = await lastOutboxId(world, shop.schema);
    expectStatus(
      await shop.manager.patch(`/v1/catalog/products/${product.id}`, { name: 'Doppio' }, '"1"'),
      200,
    );
    expect((await shop.manager.delete(`/v1/catalog/prices/${variant.prices[0]!.id}`, '"1"')).status).toBe(
      204,
    );
    expect(
      (await outboxRows(world, shop.schema, afterCreate)).map((row) => [row.subject, row.payload]),
    ).toEqual([
      ['pos.events.catalog.product.changed', { id: product.id, version: 2 }],
      [
        'pos.events.catalog.price.deleted',
        { id: variant.prices[0]!.id, version: 1, variantId: variant.id, currency: 'EUR', storeId: null },
      ],
    ]);
  });

  it('writes no row when the change fails or its transaction rolls back', async () => {
    const before = await lastOutboxId(world, shop.schema);
    // Refused by the database (SKU taken) after the rows were built.
    const taken = await shop.manager.post('/v1/catalog/products', {
      name: 'Again',
      taxCategoryId: taxes.foodCategoryId,
      variants: [{ sku: 'ESP' }],
    });
    expect(taken.status).toBe(409);
    // Refused by the version check.
    const stale = await shop.manager.patch(`/v1/catalog/tax-rates/${taxes.vatId}`, { name: 'x' }, '"99"');
    expect(stale.status).toBe(412);

    // A caller's transaction that fails after the catalog wrote: the change and its event go together.
    const ctx = context();
    await expect(
      ctx.em.transactional(async (em) => {
        const inner = { ...ctx, em };
        await createTaxRate(inner, { code: 'ROLLBACK', name: 'Rolled back', rate: '1', inclusive: false });
        await updateTaxRate(inner, taxes.vatId, '*', { name: 'Renamed in a doomed transaction' });
        throw new Error('the caller fails');
      }),
    ).rejects.toThrow('the caller fails');
    expect(await context().em.count(TaxRate, { code: 'ROLLBACK' })).toBe(0);
    expect((await context().em.findOneOrFail(TaxRate, { id: taxes.vatId })).name).toBe('MwSt 19%');
    expect(await outboxRows(world, shop.schema, before)).toEqual([]);

    // The same calls committed: their rows are there.
    const committed = context();
    await committed.em.transactional(async (em) => {
      await createTaxRate({ ...committed, em }, { code: 'KEPT', name: 'Kept', rate: '1', inclusive: false });
    });
    expect((await outboxRows(world, shop.schema, before)).map((row) => row.subject)).toEqual([
      'pos.events.catalog.tax_rate.changed',
    ]);
  });

  it("carries the request's trace context, so the trace continues on the bus", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const before = await lastOutboxId(world, shop.schema);
    const response = await world.app.inject({
      method: 'POST',
      url: '/v1/catalog/tax-rates',
      headers: {
        host: shop.tenant.host,
        authorization: `Bearer ${shop.manager.token}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      payload: { code: 'TRACED', name: 'Traced', rate: '3', inclusive: false },
    });
    expect(response.statusCode, response.body).toBe(201);
    // The response names its trace (W3C traceresponse): the same trace id, the API's own span.
    expect(response.headers.traceresponse).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(response.headers.traceresponse).not.toContain('00f067aa0ba902b7');
    const [row] = await outboxRows(world, shop.schema, before);
    expect(row?.subject).toBe('pos.events.catalog.tax_rate.changed');
    expect(row?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });
});
