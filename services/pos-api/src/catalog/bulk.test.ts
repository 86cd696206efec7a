// Bulk upsert by SKU against real PostgreSQL: products grouped by external id, updates of only what
// changed (a second identical import writes nothing), all-or-nothing batches (one bad item, or a
// conflict found by the database, leaves no trace), the 1,000-item limit, and errors that name the
// item and the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTenant,
  catalogWorld,
  createTaxes,
  expectStatus,
  lastOutboxId,
  outboxRows,
  type CatalogTenant,
  type CatalogWorld,
} from './test-fixtures.ts';

interface BulkResult {
  created: { products: number; variants: number; prices: number };
  updated: { products: number; variants: number; prices: number };
  items: { index: number; sku: string; variantId: string; productId: string; status: string }[];
}

let world: CatalogWorld;
let shop: CatalogTenant;

beforeAll(async () => {
  world = await catalogWorld('bulk');
  shop = await addTenant(world, 'bulk');
  await createTaxes(shop.manager);
});

afterAll(async () => {
  await world?.close();
});

const bulk = (items: object[]) => shop.manager.post<BulkResult>('/v1/catalog/bulk', { items });

async function counts(): Promise<{ products: number; variants: number; prices: number }> {
  const [row] = await world.admin.em
    .getConnection()
    .execute<{ products: number; variants: number; prices: number }[]>(
      `select (select count(*)::int from "${shop.schema}".product) as products,
            (select count(*)::int from "${shop.schema}".variant) as variants,
            (select count(*)::int from "${shop.schema}".price) as prices`,
    );
  return row!;
}

const teaItems = () => [
  {
    sku: 'TEA-GREEN-S',
    name: 'Small',
    barcode: '4100000000017',
    product: { externalId: 'green-tea', name: 'Green Tea', taxCategoryCode: 'FOOD' },
    prices: [{ amount: 250 }, { amount: 270, storeId: shop.storeId }],
  },
  {
    sku: 'TEA-GREEN-L',
    name: 'Large',
    product: { externalId: 'green-tea', name: 'Green Tea', taxCategoryCode: 'FOOD' },
    prices: [{ amount: 350 }],
  },
  { sku: 'SCONE', product: { name: 'Scone', taxCategoryCode: 'FOOD' }, prices: [{ amount: 300 }] },
];

describe('bulk upsert by SKU', () => {
  it('creates products (grouped by external id), variants and prices, with one event per row', async () => {
    const before = await lastOutboxId(world, shop.schema);
    const result = expectStatus(await bulk(teaItems()), 200);
    expect(result.created).toEqual({ products: 2, variants: 3, prices: 4 });
    expect(result.updated).toEqual({ products: 0, variants: 0, prices: 0 });
    expect(result.items.map((item) => [item.index, item.sku, item.status])).toEqual([
      [0, 'TEA-GREEN-S', 'created'],
      [1, 'TEA-GREEN-L', 'created'],
      [2, 'SCONE', 'created'],
    ]);
    expect(result.items[0]!.productId).toBe(result.items[1]!.productId);

    const product = expectStatus(
      await shop.manager.get<{ externalId: string; variants: { sku: string; name: string }[] }>(
        `/v1/catalog/products/${result.items[0]!.productId}`,
      ),
      200,
    );
    expect(product.externalId).toBe('green-tea');
    expect(product.variants.map((variant) => variant.name)).toEqual(['Large', 'Small']);

    const scanned = await shop.cashier.get(`/v1/catalog/barcodes/4100000000017?storeId=${shop.storeId}`);
    expect(scanned.body).toMatchObject({ name: 'Green Tea Small', unitPrice: 270, priceSource: 'store' });

    const events = await outboxRows(world, shop.schema, before);
    const subjects = events.map((event) => event.subject);
    expect(subjects.filter((subject) => subject === 'pos.events.catalog.product.changed')).toHaveLength(2);
    expect(subjects.filter((subject) => subject === 'pos.events.catalog.variant.changed')).toHaveLength(3);
    expect(subjects.filter((subject) => subject === 'pos.events.catalog.price.changed')).toHaveLength(4);
    expect(events.find((event) => event.payload.sku === 'SCONE')?.payload).toMatchObject({
      id: result.items[2]!.variantId,
      version: 1,
      productId: result.items[2]!.productId,
    });
  });

  it('writes nothing when the same batch comes again, and only what changed otherwise', async () => {
    const before = await lastOutboxId(world, shop.schema);
    const again = expectStatus(await bulk(teaItems()), 200);
    expect(again.items.map((item) => item.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(again.created).toEqual({ products: 0, variants: 0, prices: 0 });
    expect(again.updated).toEqual({ products: 0, variants: 0, prices: 0 });
    expect(await outboxRows(world, shop.schema, before)).toEqual([]);

    // A new price for the scone, a renamed tea: its Large variant (not in this batch) is found by the new name.
    const changed = expectStatus(
      await bulk([
        {
          sku: 'TEA-GREEN-S',
          product: { externalId: 'green-tea', name: 'Sencha', taxCategoryCode: 'FOOD' },
        },
        { sku: 'SCONE', product: { name: 'Scone', taxCategoryCode: 'FOOD' }, prices: [{ amount: 320 }] },
      ]),
      200,
    );
    expect(changed.updated).toEqual({ products: 1, variants: 0, prices: 1 });
    expect(changed.items.map((item) => item.status)).toEqual(['updated', 'updated']);
    const found = expectStatus(
      await shop.cashier.get<{ items: { name: string }[] }>('/v1/catalog/search?q=sencha'),
      200,
    );
    expect(found.items.map((item) => item.name)).toEqual(['Sencha Large', 'Sencha Small']);
    const product = expectStatus(
      await shop.manager.get<{ version: number; variants: { version: number; barcode: string | null }[] }>(
        `/v1/catalog/products/${changed.items[0]!.productId}`,
      ),
      200,
    );
    expect(product.version).toBe(2);
    // Fields an item leaves out stay as they were; the variants' own versions did not move.
    expect(product.variants.map((variant) => [variant.version, variant.barcode])).toEqual([
      [1, null],
      [1, '4100000000017'],
    ]);
    const subjects = (await outboxRows(world, shop.schema, before)).map((event) => event.subject);
    expect(subjects.sort()).toEqual([
      'pos.events.catalog.price.changed',
      'pos.events.catalog.product.changed',
    ]);
  });

  it('takes a deactivated product out of search with all its variants, and back', async () => {
    const item = (active: boolean) => ({
      sku: 'TEA-GREEN-S',
      product: { externalId: 'green-tea', name: 'Sencha', taxCategoryCode: 'FOOD', active },
    });
    const found = async () =>
      expectStatus(await shop.cashier.get<{ items: { sku: string }[] }>('/v1/catalog/search?q=sencha'), 200)
        .items;
    expect(expectStatus(await bulk([item(false)]), 200).updated.products).toBe(1);
    expect(await found()).toEqual([]);
    expectStatus(await bulk([item(true)]), 200);
    expect((await found()).map((hit) => hit.sku)).toEqual(['TEA-GREEN-L', 'TEA-GREEN-S']);
  });

  it('writes nothing at all when one item is bad, and names the item and the field', async () => {
    const before = { rows: await counts(), outbox: await lastOutboxId(world, shop.schema) };
    const answer = await bulk([
      { sku: 'OK-1', product: { name: 'Fine', taxCategoryCode: 'FOOD' }, prices: [{ amount: 100 }] },
      { sku: 'OK-2', product: { name: 'Fine too', taxCategoryCode: 'FOOD' } },
      { sku: 'BAD-1', product: { name: 'Broken', taxCategoryCode: 'NO-SUCH-CODE' } },
      { sku: 'BAD-2', product: { name: 'No tax category' } },
    ]);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      code: 'bulk_invalid',
      errors: [
        { path: '/items/2/product/taxCategoryCode', message: 'there is no tax category NO-SUCH-CODE' },
        { path: '/items/3/product/taxCategoryCode' },
      ],
    });
    expect(await counts()).toEqual(before.rows);
    expect(await outboxRows(world, shop.schema, before.outbox)).toEqual([]);
  });

  it('rolls the whole batch back when the database finds a conflict midway', async () => {
    const before = { rows: await counts(), outbox: await lastOutboxId(world, shop.schema) };
    // The barcode belongs to TEA-GREEN-S, which is not in this batch: found only by the unique index,
    // after the first item's product and variant were inserted.
    const answer = await bulk([
      { sku: 'NEW-1', product: { name: 'New One', taxCategoryCode: 'FOOD' }, prices: [{ amount: 100 }] },
      { sku: 'NEW-2', barcode: '4100000000017', product: { name: 'New Two', taxCategoryCode: 'FOOD' } },
    ]);
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ code: 'barcode_taken', errors: [{ path: '/items/1/barcode' }] });
    expect(await counts()).toEqual(before.rows);
    expect(await outboxRows(world, shop.schema, before.outbox)).toEqual([]);
    expect((await shop.cashier.get<{ items: unknown[] }>('/v1/catalog/search?q=new-1')).body.items).toEqual(
      [],
    );
  });

  it('refuses items that contradict each other or the catalog', async () => {
    const duplicates = await bulk([
      { sku: 'DUP', product: { name: 'A', taxCategoryCode: 'FOOD' } },
      { sku: 'DUP', product: { name: 'B', taxCategoryCode: 'FOOD' } },
    ]);
    expect(duplicates.status).toBe(422);
    expect(duplicates.body).toMatchObject({ code: 'bulk_invalid', errors: [{ path: '/items/1/sku' }] });

    const disagree = await bulk([
      { sku: 'X-1', product: { externalId: 'x', name: 'X', taxCategoryCode: 'FOOD' } },
      { sku: 'X-2', product: { externalId: 'x', name: 'Not X', taxCategoryCode: 'FOOD' } },
    ]);
    expect(disagree.body).toMatchObject({ code: 'bulk_invalid', errors: [{ path: '/items/1/product' }] });

    const moved = await bulk([{ sku: 'SCONE', product: { externalId: 'green-tea', name: 'Sencha' } }]);
    expect(moved.body).toMatchObject({
      code: 'bulk_invalid',
      errors: [{ path: '/items/0/product/externalId' }],
    });
  });

  it('validates every item with the schema and names the item and the field', async () => {
    const answer = await bulk([
      { sku: 'FINE', product: { name: 'Fine', taxCategoryCode: 'FOOD' } },
      { sku: 'FINE-2', product: { name: 'Fine', taxCategoryCode: 'FOOD' }, prices: [{ amount: 1.5 }] },
      { sku: 'has space', product: { name: '' } },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'validation_failed' });
    const paths = (answer.body as unknown as { errors: { path: string }[] }).errors.map(
      (error) => error.path,
    );
    expect(paths).toEqual(
      expect.arrayContaining(['/items/1/prices/0/amount', '/items/2/sku', '/items/2/product/name']),
    );
  });

  it('takes 1,000 items in one call and refuses 1,001 with 413 batch_too_large', async () => {
    const items = (count: number, prefix: string) =>
      Array.from({ length: count }, (_, index) => ({
        sku: `${prefix}-${index}`,
        barcode: `${prefix === 'MAX' ? 5 : 6}${String(index).padStart(12, '0')}`,
        product: { name: `Imported ${prefix} ${index}`, taxCategoryCode: 'FOOD' },
        prices: [{ amount: 100 + index }],
      }));
    const tooMany = await bulk(items(1001, 'OVER'));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body).toMatchObject({ code: 'batch_too_large' });

    const started = performance.now();
    const full = expectStatus(await bulk(items(1000, 'MAX')), 200);
    const elapsed = performance.now() - started;
    expect(full.created).toEqual({ products: 1000, variants: 1000, prices: 1000 });
    // Set-based: a handful of statements, not thousands of round trips.
    expect(elapsed).toBeLessThan(10_000);
    const again = expectStatus(await bulk(items(1000, 'MAX')), 200);
    expect(again.items.every((item) => item.status === 'unchanged')).toBe(true);
  });
});
