// The catalog's routes end to end against real PostgreSQL and Redis: CRUD round trips, ETag and
// If-Match (two editors, one wins), store prices overriding all-stores prices, permissions, delete
// rules, problem codes, and tenant isolation.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTenant,
  catalogWorld,
  createTaxes,
  expectStatus,
  type CatalogTenant,
  type CatalogWorld,
  type Taxes,
} from './test-fixtures.ts';

interface Product {
  id: string;
  version: number;
  name: string;
  externalId: string | null;
  categoryId: string | null;
  taxCategoryId: string;
  active: boolean;
  variants: {
    id: string;
    sku: string;
    name: string;
    barcode: string | null;
    version: number;
    prices: { id: string; currency: string; storeId: string | null; amount: number; version: number }[];
  }[];
}

let world: CatalogWorld;
let shop: CatalogTenant;
let taxes: Taxes;

beforeAll(async () => {
  world = await catalogWorld('catalog');
  shop = await addTenant(world, 'cat');
  taxes = await createTaxes(shop.manager);
});

afterAll(async () => {
  await world?.close();
});

const newProduct = (sku: string, extra: Record<string, unknown> = {}) => ({
  name: `Product ${sku}`,
  taxCategoryId: taxes.standardCategoryId,
  variants: [{ sku, prices: [{ amount: 250 }] }],
  ...extra,
});

async function createProduct(body: object): Promise<Product> {
  return expectStatus(await shop.manager.post<Product>('/v1/catalog/products', body), 201);
}

describe('tax rates and tax categories', () => {
  it('round-trips a tax rate: create, read with ETag, change with If-Match, delete', async () => {
    const created = await shop.owner.post<{ id: string; rate: string; version: number }>(
      '/v1/catalog/tax-rates',
      { code: 'CITY', name: 'City tax', rate: '2.500', inclusive: false },
    );
    expect(created.status, created.raw).toBe(201);
    expect(created.body).toMatchObject({
      code: 'CITY',
      rate: '2.5',
      inclusive: false,
      active: true,
      version: 1,
    });
    expect(created.etag).toBe('"1"');

    const read = await shop.cashier.get(`/v1/catalog/tax-rates/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.etag).toBe('"1"');

    const changed = await shop.manager.patch(
      `/v1/catalog/tax-rates/${created.body.id}`,
      { rate: '2.75', name: 'City tax 2027' },
      read.etag,
    );
    expect(changed.status, changed.raw).toBe(200);
    expect(changed.body).toMatchObject({ rate: '2.75', name: 'City tax 2027', version: 2 });
    expect(changed.etag).toBe('"2"');

    // The same rate written differently is no change: no new version.
    const same = await shop.manager.patch(
      `/v1/catalog/tax-rates/${created.body.id}`,
      { rate: '2.750' },
      '"2"',
    );
    expect(same.body).toMatchObject({ version: 2 });

    const list = expectStatus(
      await shop.cashier.get<{ items: { code: string }[]; next: null }>('/v1/catalog/tax-rates'),
      200,
    );
    expect(list.items.map((rate) => rate.code)).toEqual(['CITY', 'VAT19', 'VAT7']);
    expect(list.next).toBeNull();

    expect((await shop.manager.delete(`/v1/catalog/tax-rates/${created.body.id}`, '"2"')).status).toBe(204);
    const gone = await shop.cashier.get(`/v1/catalog/tax-rates/${created.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'tax_rate_not_found' });
  });

  it('refuses a duplicate code, unknown or repeated rates in a category, and deleting rates or categories in use', async () => {
    const duplicate = await shop.manager.post('/v1/catalog/tax-rates', {
      code: 'VAT19',
      name: 'again',
      rate: '19',
      inclusive: true,
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ code: 'tax_rate_code_taken' });

    const unknown = randomUUID();
    const badCategory = await shop.manager.post('/v1/catalog/tax-categories', {
      code: 'BAD',
      name: 'Bad',
      taxRateIds: [taxes.vatId, unknown],
    });
    expect(badCategory.status).toBe(422);
    expect(badCategory.body).toMatchObject({
      code: 'unknown_reference',
      errors: [{ path: '/taxRateIds/1', message: `there is no tax rate ${unknown}` }],
    });
    const twice = await shop.manager.post('/v1/catalog/tax-categories', {
      code: 'TWICE',
      name: 'Twice',
      taxRateIds: [taxes.vatId, taxes.vatId],
    });
    expect(twice.status).toBe(422);
    expect(twice.body).toMatchObject({ code: 'conflicting_input' });

    const rate = await shop.manager.get(`/v1/catalog/tax-rates/${taxes.vatId}`);
    const inUse = await shop.manager.delete(`/v1/catalog/tax-rates/${taxes.vatId}`, rate.etag);
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ code: 'tax_rate_in_use' });

    await createProduct(newProduct('TAXED-1'));
    const category = await shop.manager.get(`/v1/catalog/tax-categories/${taxes.standardCategoryId}`);
    const categoryInUse = await shop.manager.delete(
      `/v1/catalog/tax-categories/${taxes.standardCategoryId}`,
      category.etag,
    );
    expect(categoryInUse.status).toBe(409);
    expect(categoryInUse.body).toMatchObject({ code: 'tax_category_in_use' });
  });
});

describe('categories', () => {
  it('nests categories, refuses cycles, and deletes only leaves', async () => {
    const drinks = expectStatus(
      await shop.manager.post<{ id: string }>('/v1/catalog/categories', { name: 'Drinks' }),
      201,
    );
    const coffee = expectStatus(
      await shop.manager.post<{ id: string; parentId: string }>('/v1/catalog/categories', {
        name: 'Coffee',
        parentId: drinks.id,
        position: 2,
      }),
      201,
    );
    expect(coffee.parentId).toBe(drinks.id);

    const cycle = await shop.manager.patch(
      `/v1/catalog/categories/${drinks.id}`,
      { parentId: coffee.id },
      '"1"',
    );
    expect(cycle.status).toBe(409);
    expect(cycle.body).toMatchObject({ code: 'category_cycle' });
    const self = await shop.manager.patch(
      `/v1/catalog/categories/${drinks.id}`,
      { parentId: drinks.id },
      '"1"',
    );
    expect(self.body).toMatchObject({ code: 'category_cycle' });

    const withChildren = await shop.manager.delete(`/v1/catalog/categories/${drinks.id}`, '"1"');
    expect(withChildren.status).toBe(409);
    expect(withChildren.body).toMatchObject({ code: 'category_has_children' });

    // A product in a deleted category keeps existing without one.
    const product = await createProduct(newProduct('IN-COFFEE', { categoryId: coffee.id }));
    expect(product.categoryId).toBe(coffee.id);
    expect((await shop.manager.delete(`/v1/catalog/categories/${coffee.id}`, '"1"')).status).toBe(204);
    const after = expectStatus(await shop.manager.get<Product>(`/v1/catalog/products/${product.id}`), 200);
    expect(after.categoryId).toBeNull();
  });
});

describe('products and variants', () => {
  it('creates a product with its variants and prices in one call and reads it back', async () => {
    const created = await shop.manager.post<Product>('/v1/catalog/products', {
      name: 'Latte',
      description: 'With oat milk on request',
      taxCategoryId: taxes.foodCategoryId,
      externalId: 'latte',
      variants: [
        { name: 'Small', sku: 'LATTE-S', barcode: '4000000000011', prices: [{ amount: 320 }] },
        {
          name: 'Large',
          sku: 'LATTE-L',
          barcode: '4000000000028',
          prices: [{ amount: 420 }, { amount: 450, storeId: shop.storeId }, { amount: 500, currency: 'CHF' }],
        },
      ],
    });
    expect(created.status, created.raw).toBe(201);
    expect(created.etag).toBe('"1"');
    const product = created.body;
    expect(product).toMatchObject({ name: 'Latte', externalId: 'latte', active: true, version: 1 });
    expect(product.variants.map((variant) => [variant.sku, variant.name, variant.barcode])).toEqual([
      ['LATTE-L', 'Large', '4000000000028'],
      ['LATTE-S', 'Small', '4000000000011'],
    ]);
    const large = product.variants[0]!;
    expect(large.prices.map((price) => [price.currency, price.storeId, price.amount])).toEqual([
      ['CHF', null, 500],
      ['EUR', null, 420],
      ['EUR', shop.storeId, 450],
    ]);

    const read = await shop.cashier.get<Product>(`/v1/catalog/products/${product.id}`);
    expect(read.status).toBe(200);
    expect(read.etag).toBe('"1"');
    expect(read.body).toEqual(product);

    const variant = await shop.cashier.get(`/v1/catalog/variants/${large.id}`);
    expect(variant.etag).toBe('"1"');
    expect(variant.body).toEqual(large);
  });

  it('updates a product with If-Match, renames keep search working, and a no-op keeps the version', async () => {
    const product = await createProduct(newProduct('RENAME-1'));
    const renamed = await shop.manager.patch<Product>(
      `/v1/catalog/products/${product.id}`,
      { name: 'Flat White', description: 'Double shot' },
      '"1"',
    );
    expect(renamed.status, renamed.raw).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Flat White', version: 2 });
    expect(renamed.etag).toBe('"2"');

    const found = expectStatus(
      await shop.cashier.get<{ items: { sku: string }[] }>('/v1/catalog/search?q=flat%20whi'),
      200,
    );
    expect(found.items.map((item) => item.sku)).toEqual(['RENAME-1']);

    const again = await shop.manager.patch<Product>(
      `/v1/catalog/products/${product.id}`,
      { name: 'Flat White' },
      '"2"',
    );
    expect(again.body.version).toBe(2);
  });

  it('lets one of two editors win: the other gets 412 version_conflict, and no If-Match gets 428', async () => {
    const product = await createProduct(newProduct('RACE-1'));
    const etag = (await shop.manager.get(`/v1/catalog/products/${product.id}`)).etag!;

    const [first, second] = await Promise.all([
      shop.manager.patch(`/v1/catalog/products/${product.id}`, { name: 'Editor One' }, etag),
      shop.owner.patch(`/v1/catalog/products/${product.id}`, { name: 'Editor Two' }, etag),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 412]);
    const loser = first.status === 412 ? first : second;
    const winner = first.status === 200 ? first : second;
    expect(loser.body).toMatchObject({ code: 'version_conflict', currentVersion: 2 });
    expect(loser.body).toMatchObject({ status: 412, type: 'https://cloudpos.io/problems/version-conflict' });

    const now = expectStatus(await shop.manager.get<Product>(`/v1/catalog/products/${product.id}`), 200);
    expect(now.name).toBe((winner.body as { name: string }).name);
    expect(now.version).toBe(2);

    const missing = await shop.manager.patch(`/v1/catalog/products/${product.id}`, { name: 'No header' });
    expect(missing.status).toBe(428);
    expect(missing.body).toMatchObject({ code: 'precondition_required' });
    const weak = await shop.manager.patch(`/v1/catalog/products/${product.id}`, { name: 'Weak' }, 'W/"2"');
    expect(weak.status).toBe(412);
    const stale = await shop.manager.delete(`/v1/catalog/products/${product.id}`, etag);
    expect(stale.status).toBe(412);
    const star = await shop.manager.patch<Product>(
      `/v1/catalog/products/${product.id}`,
      { active: false },
      '*',
    );
    expect(star.body).toMatchObject({ active: false, version: 3 });
  });

  it('versions variants and prices on their own, with If-Match on each', async () => {
    const product = await createProduct(newProduct('VER-1'));
    const variant = product.variants[0]!;
    const price = variant.prices[0]!;

    const renamed = await shop.manager.patch(`/v1/catalog/variants/${variant.id}`, { name: 'Tall' }, '"1"');
    expect(renamed.status, renamed.raw).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Tall', version: 2 });
    const stale = await shop.manager.patch(`/v1/catalog/variants/${variant.id}`, { name: 'Grande' }, '"1"');
    expect(stale.status).toBe(412);

    const repriced = await shop.manager.patch(`/v1/catalog/prices/${price.id}`, { amount: 275 }, '"1"');
    expect(repriced.body).toMatchObject({ amount: 275, version: 2 });
    expect(repriced.etag).toBe('"2"');
    expect((await shop.manager.get(`/v1/catalog/prices/${price.id}`)).etag).toBe('"2"');
    // The product itself did not change.
    expect((await shop.manager.get(`/v1/catalog/products/${product.id}`)).etag).toBe('"1"');

    const duplicate = await shop.manager.post(`/v1/catalog/variants/${variant.id}/prices`, { amount: 1 });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ code: 'price_exists' });
  });

  it('refuses taken SKUs and barcodes, duplicates in one request, and unknown references', async () => {
    await createProduct(newProduct('TAKEN-1', { variants: [{ sku: 'TAKEN-1', barcode: '4000000009999' }] }));
    const sku = await shop.manager.post('/v1/catalog/products', newProduct('TAKEN-1'));
    expect(sku.status).toBe(409);
    expect(sku.body).toMatchObject({ code: 'sku_taken' });
    const barcode = await shop.manager.post(
      '/v1/catalog/products',
      newProduct('OTHER-1', { variants: [{ sku: 'OTHER-1', barcode: '4000000009999' }] }),
    );
    expect(barcode.status).toBe(409);
    // It names the SKU that has the barcode, so a manager knows which product to look at.
    expect(barcode.body).toMatchObject({
      code: 'barcode_taken',
      sku: 'TAKEN-1',
      detail: 'barcode 4000000009999 already belongs to SKU TAKEN-1',
    });

    const twice = await shop.manager.post(
      '/v1/catalog/products',
      newProduct('DUP-1', { variants: [{ sku: 'DUP-1' }, { sku: 'DUP-1' }] }),
    );
    expect(twice.status).toBe(422);
    expect(twice.body).toMatchObject({ code: 'conflicting_input', errors: [{ path: '/variants/1/sku' }] });

    const unknownStore = randomUUID();
    const references = await shop.manager.post('/v1/catalog/products', {
      ...newProduct('REF-1'),
      taxCategoryId: randomUUID(),
      variants: [{ sku: 'REF-1', prices: [{ amount: 1, storeId: unknownStore }] }],
    });
    expect(references.status).toBe(422);
    expect(references.body).toMatchObject({
      code: 'unknown_reference',
      errors: [{ path: '/taxCategoryId' }],
    });

    const invalid = await shop.manager.post('/v1/catalog/products', {
      name: '',
      taxCategoryId: 'nope',
      variants: [{ sku: 'has space', prices: [{ amount: -1 }] }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: 'validation_failed' });
    const paths = (invalid.body as { errors: { path: string }[] }).errors.map((error) => error.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/name', '/taxCategoryId', '/variants/0/sku', '/variants/0/prices/0/amount']),
    );
  });

  it('hard-deletes a never-sold product, refuses one that was sold, and keeps a last variant', async () => {
    const fresh = await createProduct(newProduct('DEL-1'));
    expect((await shop.manager.delete(`/v1/catalog/products/${fresh.id}`, '"1"')).status).toBe(204);
    expect((await shop.manager.get(`/v1/catalog/products/${fresh.id}`)).status).toBe(404);
    expect((await shop.manager.get(`/v1/catalog/variants/${fresh.variants[0]!.id}`)).status).toBe(404);

    const sold = await createProduct(
      newProduct('SOLD-1', { variants: [{ sku: 'SOLD-1' }, { sku: 'SOLD-2', name: 'Two' }] }),
    );
    const soldVariant = sold.variants.find((variant) => variant.sku === 'SOLD-1')!;
    await world.admin.em.getConnection().execute(
      `insert into "${shop.schema}".stock_movement (store_id, variant_id, quantity, reason, occurred_at)
       values (?, ?, -1, 'sale', now())`,
      [shop.storeId, soldVariant.id],
    );
    const refused = await shop.manager.delete(`/v1/catalog/products/${sold.id}`, '"1"');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'product_sold' });
    const variantRefused = await shop.manager.delete(`/v1/catalog/variants/${soldVariant.id}`, '"1"');
    expect(variantRefused.body).toMatchObject({ code: 'variant_sold' });

    const other = sold.variants.find((variant) => variant.sku === 'SOLD-2')!;
    expect((await shop.manager.delete(`/v1/catalog/variants/${other.id}`, '"1"')).status).toBe(204);
    const single = await createProduct(newProduct('LAST-1'));
    const last = await shop.manager.delete(`/v1/catalog/variants/${single.variants[0]!.id}`, '"1"');
    expect(last.status).toBe(409);
    expect(last.body).toMatchObject({ code: 'last_variant' });

    // Deactivating is the way for sold products: they leave search and checkout.
    const deactivated = await shop.manager.patch<Product>(
      `/v1/catalog/products/${sold.id}`,
      { active: false },
      '"1"',
    );
    expect(deactivated.body.active).toBe(false);
  });

  it('lists products by name a page at a time', async () => {
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Product[]; next: string | null } = expectStatus(
        await shop.cashier.get(`/v1/catalog/products?limit=3${cursor ? `&cursor=${cursor}` : ''}`),
        200,
      );
      listed.push(...page.items.map((product) => product.name));
      cursor = page.next;
    } while (cursor);
    expect(listed.length).toBeGreaterThan(3);
    expect(listed).toEqual([...listed].sort());
    expect(new Set(listed).size).toBe(listed.length);
    const bad = await shop.cashier.get('/v1/catalog/products?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid_cursor' });
  });
});

describe('prices per store', () => {
  it('resolves a store price over the all-stores price, and falls back when it is removed', async () => {
    const product = await createProduct({
      name: 'Croissant',
      taxCategoryId: taxes.foodCategoryId,
      variants: [{ sku: 'CROISSANT', barcode: '4000000000035', prices: [{ amount: 180 }] }],
    });
    const variant = product.variants[0]!;
    const allStores = await shop.cashier.get(`/v1/catalog/barcodes/4000000000035?storeId=${shop.storeId}`);
    expect(allStores.body).toMatchObject({ unitPrice: 180, priceSource: 'all_stores', currency: 'EUR' });

    const storePrice = expectStatus(
      await shop.manager.post<{ id: string }>(`/v1/catalog/variants/${variant.id}/prices`, {
        storeId: shop.storeId,
        amount: 210,
      }),
      201,
    );
    const inStore = await shop.cashier.get(`/v1/catalog/barcodes/4000000000035?storeId=${shop.storeId}`);
    expect(inStore.body).toMatchObject({
      sku: 'CROISSANT',
      name: 'Croissant',
      unitPrice: 210,
      priceSource: 'store',
      taxRates: [{ id: taxes.reducedId, code: 'VAT7', rate: '7', inclusive: true }],
    });
    // Without a store (this till has none), the all-stores price.
    const noStore = await shop.cashier.get('/v1/catalog/barcodes/4000000000035');
    expect(noStore.body).toMatchObject({ unitPrice: 180, priceSource: 'all_stores' });

    expect((await shop.manager.delete(`/v1/catalog/prices/${storePrice.id}`, '"1"')).status).toBe(204);
    const fallback = await shop.cashier.get(`/v1/catalog/barcodes/4000000000035?storeId=${shop.storeId}`);
    expect(fallback.body).toMatchObject({ unitPrice: 180, priceSource: 'all_stores' });

    const unknownStore = await shop.cashier.get(`/v1/catalog/barcodes/4000000000035?storeId=${randomUUID()}`);
    expect(unknownStore.status).toBe(404);
    expect(unknownStore.body).toMatchObject({ code: 'store_not_found' });
    const unknownCode = await shop.cashier.get('/v1/catalog/barcodes/0000000000000');
    expect(unknownCode.status).toBe(404);
    expect(unknownCode.body).toMatchObject({ code: 'barcode_not_found' });
  });
});

describe('permissions', () => {
  it('lets a cashier read but not write, and a manager write', async () => {
    const product = await createProduct(newProduct('PERM-1'));
    expect((await shop.cashier.get(`/v1/catalog/products/${product.id}`)).status).toBe(200);
    expect((await shop.cashier.get('/v1/catalog/tax-categories')).status).toBe(200);

    const writes = [
      await shop.cashier.post('/v1/catalog/products', newProduct('PERM-2')),
      await shop.cashier.patch(`/v1/catalog/products/${product.id}`, { name: 'Nope' }, '"1"'),
      await shop.cashier.delete(`/v1/catalog/products/${product.id}`, '"1"'),
      await shop.cashier.post('/v1/catalog/tax-rates', { code: 'X', name: 'X', rate: '1', inclusive: false }),
      await shop.cashier.post('/v1/catalog/bulk', { items: [] }),
      await shop.cashier.patch(
        `/v1/catalog/prices/${product.variants[0]!.prices[0]!.id}`,
        { amount: 1 },
        '"1"',
      ),
    ];
    for (const answer of writes) {
      expect(answer.status, answer.raw).toBe(403);
      expect(answer.body).toMatchObject({ code: 'forbidden' });
    }
    expect(
      expectStatus(await shop.manager.get<Product>(`/v1/catalog/products/${product.id}`), 200).name,
    ).toBe('Product PERM-1');

    const anonymous = await world.app.inject({
      method: 'GET',
      url: '/v1/catalog/tax-rates',
      headers: { host: shop.tenant.host },
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  it('describes every catalog route with its parameters, bodies and problem responses', async () => {
    const response = await world.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string }[]; responses: object }>
      >;
    }>();
    const catalogPaths = Object.keys(document.paths).filter((path) => path.startsWith('/v1/catalog/'));
    expect(catalogPaths).toEqual(
      expect.arrayContaining([
        '/v1/catalog/search',
        '/v1/catalog/barcodes/{code}',
        '/v1/catalog/bulk',
        '/v1/catalog/products/{id}',
        '/v1/catalog/prices/{id}',
      ]),
    );
    const patch = document.paths['/v1/catalog/products/{id}']!.patch!;
    expect(patch.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'if-match', in: 'header' })]),
    );
    expect(Object.keys(patch.responses)).toEqual(expect.arrayContaining(['200', '404', '412', '428']));
    expect(Object.keys(document.paths['/v1/catalog/bulk']!.post!.responses)).toEqual(
      expect.arrayContaining(['200', '413', '422']),
    );
  });
});

describe('tenant isolation', () => {
  it("does not show tenant A's catalog to tenant B, by id, search, barcode or list", async () => {
    const other = await addTenant(world, 'other');
    const product = await createProduct({
      name: 'Secret Blend',
      taxCategoryId: taxes.standardCategoryId,
      variants: [{ sku: 'SECRET-1', barcode: '4000000000042', prices: [{ amount: 999 }] }],
    });

    expect((await other.manager.get(`/v1/catalog/products/${product.id}`)).status).toBe(404);
    expect((await other.manager.get(`/v1/catalog/variants/${product.variants[0]!.id}`)).status).toBe(404);
    expect((await other.manager.get('/v1/catalog/barcodes/4000000000042')).status).toBe(404);
    const search = expectStatus(
      await other.manager.get<{ items: unknown[] }>('/v1/catalog/search?q=secret'),
      200,
    );
    expect(search.items).toEqual([]);
    expect(
      expectStatus(await other.manager.get<{ items: unknown[] }>('/v1/catalog/products'), 200).items,
    ).toEqual([]);
    expect(expectStatus(await other.manager.get('/v1/catalog/tax-rates'), 200)).toEqual({
      items: [],
      next: null,
    });
    // Nor change it: the row is not there for B.
    const patch = await other.manager.patch(`/v1/catalog/products/${product.id}`, { name: 'Mine' }, '*');
    expect(patch.status).toBe(404);

    // B may use the same SKU: uniqueness is per tenant.
    const otherTaxes = await createTaxes(other.manager);
    const mine = await other.manager.post('/v1/catalog/products', {
      name: 'Not a secret',
      taxCategoryId: otherTaxes.standardCategoryId,
      variants: [{ sku: 'SECRET-1', barcode: '4000000000042' }],
    });
    expect(mine.status, mine.raw).toBe(201);

    // A token of tenant A on tenant B's host is refused by the tenancy layer.
    const crossed = await world.app.inject({
      method: 'GET',
      url: `/v1/catalog/products/${product.id}`,
      headers: { host: other.tenant.host, authorization: `Bearer ${shop.manager.token}` },
    });
    expect(crossed.statusCode).toBe(403);
  });
});
