// The catalog in the portal, in-process through the real production build against a real pooled
// POS API: categories (add, rename, delete; a rename saved by someone else first shown as a merge),
// a product's category, variants (add, edit with If-Match merges, remove), and prices per store (a
// store's own price is what the API prices that store at; removing it falls back to the all-stores
// price). A manager of the account does all of it; another merchant sees none of it.
import { portalTokenSigner } from '@cloudpos/pos-api';
import { TEST_PORTAL_TOKEN_SECRET } from '@cloudpos/pos-api/test-support';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormClient } from './testing/browserless.ts';
import { readyTenant, signedInManager, verifiedMerchant } from './testing/merchants.ts';
import { startTestPortal, type TestPortal } from './testing/portal.ts';
import { tenantApi, type TenantCall } from './testing/selling.ts';

let portal: TestPortal;
let owner: FormClient;
let manager: FormClient;
let other: FormClient;
let api: TenantCall;
const slug = `cat-${randomBytes(3).toString('hex')}`;
const manage = (path = '') => `/tenants/${slug}/manage${path}`;
let productId: string;
let northId: string;

interface Variant {
  id: string;
  name: string;
  sku: string;
  barcode: string | null;
  version: number;
  prices: { id: string; storeId: string | null; amount: number; currency: string; version: number }[];
}

const html = async (response: Response) => ({
  status: response.status,
  text: (await response.text()).replaceAll('<!-- -->', ''),
});
const product = () =>
  api<{ categoryId: string | null; variants: Variant[] }>('GET', `/v1/catalog/products/${productId}`);
const variantBySku = async (sku: string) =>
  (await product()).variants.find((variant) => variant.sku === sku)!;
const priceAt = async (q: string, storeId?: string) =>
  (
    await api<{ items: { sku: string; unitPrice: number | null }[] }>(
      'GET',
      `/v1/catalog/search?${new URLSearchParams({ q, ...(storeId ? { storeId } : {}) }).toString()}`,
    )
  ).items.find((hit) => hit.sku === q)?.unitPrice;

beforeAll(async () => {
  portal = await startTestPortal('catalog', {}, {}, { posApi: true });
  owner = await verifiedMerchant(portal, 'olga@roast.example', 'Roast & Co');
  other = await verifiedMerchant(portal, 'ivo@elsewhere.example', 'Elsewhere');
  await readyTenant(portal, owner, slug, 'Roast & Co');
  manager = await signedInManager(portal, owner, 'max@roast.example');
  api = await tenantApi(portal, slug);
  const north = await api<{ id: string }>('POST', '/v1/stores', { code: 'NORTH', name: 'North Street' });
  northId = north.id;
  const rate = await api<{ id: string }>('POST', '/v1/catalog/tax-rates', {
    code: 'VAT19',
    name: 'VAT 19%',
    rate: '19',
    inclusive: true,
  });
  const tax = await api<{ id: string }>('POST', '/v1/catalog/tax-categories', {
    code: 'VAT19',
    name: 'Standard VAT',
    taxRateIds: [rate.id],
  });
  const created = await manager.post(manage('/products/new'), {
    name: 'Latte',
    sku: 'LATTE',
    price: '3,50',
    taxCategoryId: tax.id,
  });
  expect(created.status).toBe(302);
  productId = created.headers.get('location')!.split('/').at(-1)!.split('?')[0]!;
}, 180_000);
afterAll(async () => {
  await portal?.stop();
});

describe('categories', () => {
  it('adds, renames and deletes categories, and assigns one to a product', async () => {
    const empty = await html(await manager.post(manage('/categories'), { intent: 'create', name: ' ' }));
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Enter the category’s name.');
    for (const name of ['Hot drinks', 'Pastries', 'Merch']) {
      const added = await html(await manager.post(manage('/categories'), { intent: 'create', name }));
      expect(added.text).toContain(`Category ${name} added.`);
    }
    const categories = await api<{
      items: { id: string; name: string; position: number; version: number }[];
    }>('GET', '/v1/catalog/categories');
    // In the order they were added: the tills' tabs follow it.
    expect(categories.items.toSorted((a, b) => a.position - b.position).map((c) => c.name)).toEqual([
      'Hot drinks',
      'Pastries',
      'Merch',
    ]);
    const byName = (name: string) => categories.items.find((category) => category.name === name)!;

    const renamed = await html(
      await manager.post(manage('/categories'), {
        intent: 'rename',
        id: byName('Pastries').id,
        version: String(byName('Pastries').version),
        name: 'Bakery',
      }),
    );
    expect(renamed.text).toContain('Renamed to Bakery.');

    const hot = byName('Hot drinks');
    const page = await html(await manager.get(manage(`/products/${productId}`)));
    expect(page.text).toContain(`<option value="${hot.id}">Hot drinks</option>`);
    const version = /name="version" value="(\d+)"/.exec(page.text)![1]!;
    const assigned = await html(
      await manager.post(manage(`/products/${productId}`), {
        version,
        name: 'Latte',
        description: '',
        active: 'true',
        categoryId: hot.id,
      }),
    );
    expect(assigned.text).toContain('Saved.');
    expect((await product()).categoryId).toBe(hot.id);
    expect(assigned.text).toMatch(new RegExp(`<option value="${hot.id}" selected="">Hot drinks</option>`));

    // Deleting a category leaves its products without one.
    const merch = byName('Merch');
    const stale = await html(
      await manager.post(manage('/categories'), {
        intent: 'delete',
        id: hot.id,
        version: String(hot.version + 5),
      }),
    );
    expect(stale.status).toBe(412);
    expect(stale.text).toContain('Someone else changed this category meanwhile.');
    const deleted = await html(
      await manager.post(manage('/categories'), {
        intent: 'delete',
        id: merch.id,
        version: String(merch.version),
      }),
    );
    expect(deleted.text).toContain('Category deleted.');
    expect(deleted.text).not.toContain('>Merch<');
  });

  it('shows a rename someone else saved first beside mine, and saves mine when asked', async () => {
    const { items } = await api<{ items: { id: string; name: string; version: number }[] }>(
      'GET',
      '/v1/catalog/categories',
    );
    const bakery = items.find((category) => category.name === 'Bakery')!;
    await api(
      'PATCH',
      `/v1/catalog/categories/${bakery.id}`,
      { name: 'Cakes' },
      {
        authorization: (await tokenHeader()).authorization,
        'if-match': `"${bakery.version}"`,
      },
    );
    const mine = await html(
      await manager.post(manage('/categories'), {
        intent: 'rename',
        id: bakery.id,
        version: String(bakery.version),
        name: 'Pastry',
      }),
    );
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('Someone else changed this category while you were editing it.');
    expect(mine.text).toMatch(/<td>Pastry<\/td><td>Cakes<\/td>/);
    const current = new RegExp(
      `name="id" value="${bakery.id}"/><input type="hidden" name="version" value="(\\d+)"`,
    ).exec(mine.text)?.[1];
    expect(Number(current)).toBe(bakery.version + 1);
    const saved = await html(
      await manager.post(manage('/categories'), {
        intent: 'rename',
        id: bakery.id,
        version: current!,
        name: 'Pastry',
      }),
    );
    expect(saved.text).toContain('Renamed to Pastry.');
  });
});

/** Another owner's portal token, for a change saved "by someone else" with an If-Match header. */
async function tokenHeader() {
  const token = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
    tenant: slug,
    portalUserId: '00000000-0000-4000-8000-000000000009',
    role: 'owner',
  });
  return { authorization: `Bearer ${token}` };
}

describe('variants and prices per store', () => {
  it('adds a variant with its barcode and price, and refuses a SKU that is taken', async () => {
    const path = manage(`/products/${productId}`);
    const bad = await html(
      await manager.post(path, {
        intent: 'add-variant',
        name: 'Large',
        sku: 'LATTE L',
        barcode: '',
        price: '4.2.0',
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a SKU without spaces');
    expect(bad.text).toContain('Enter a price such as 3.50.');
    const added = await html(
      await manager.post(path, {
        intent: 'add-variant',
        name: 'Large',
        sku: 'LATTE-L',
        barcode: '4000000000017',
        price: '4,20',
      }),
    );
    expect(added.text).toContain('Variant Large (LATTE-L) added.');
    expect(added.text).toContain('€4.20');
    const large = await variantBySku('LATTE-L');
    expect(large).toMatchObject({ name: 'Large', barcode: '4000000000017' });
    expect(large.prices).toMatchObject([{ storeId: null, amount: 420, currency: 'EUR' }]);
    const taken = await html(
      await manager.post(path, {
        intent: 'add-variant',
        name: 'Again',
        sku: 'LATTE',
        barcode: '',
        price: '1',
      }),
    );
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('Another product has this SKU.');
  });

  it('edits a variant, showing a change saved first beside mine', async () => {
    const large = await variantBySku('LATTE-L');
    const path = manage(`/products/${productId}/variants/${large.id}`);
    const page = await html(await manager.get(path));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Latte: Large</h1>');
    await api(
      'PATCH',
      `/v1/catalog/variants/${large.id}`,
      { name: 'Tall' },
      {
        ...(await tokenHeader()),
        'if-match': `"${large.version}"`,
      },
    );
    const mine = await html(
      await manager.post(path, {
        intent: 'variant',
        version: String(large.version),
        name: 'Grande',
        sku: 'LATTE-L',
        barcode: '4000000000017',
      }),
    );
    expect(mine.text).toContain('Someone else changed this variant while you were editing it.');
    expect(mine.text).toMatch(/<td>Grande<\/td><td>Tall<\/td>/);
    // Only the fields that differ are compared.
    expect(mine.text).not.toMatch(/<th scope="row">SKU<\/th>/);
    const saved = await html(
      await manager.post(path, {
        intent: 'variant',
        version: String(large.version + 1),
        name: 'Grande',
        sku: 'LATTE-L',
        barcode: '',
      }),
    );
    expect(saved.text).toContain('Variant saved.');
    expect(await variantBySku('LATTE-L')).toMatchObject({ name: 'Grande', barcode: null });
  });

  it('sets a store’s own price, which the API prices that store at, and falls back when it is removed', async () => {
    const large = await variantBySku('LATTE-L');
    const path = manage(`/products/${productId}/variants/${large.id}`);
    const typo = await html(
      await manager.post(path, { intent: 'set-price', storeId: northId, amount: '3,999' }),
    );
    expect(typo.status).toBe(400);
    const set = await html(
      await manager.post(path, { intent: 'set-price', storeId: northId, amount: '3,90' }),
    );
    expect(set.text).toContain('Price saved.');
    expect(set.text).toMatch(/North Street<\/strong> <span class="muted">€3\.90, its own price/);
    expect(await priceAt('LATTE-L', northId)).toBe(390);
    expect(await priceAt('LATTE-L')).toBe(420);
    // A second page that still offered "Set store price" is told the store has one now.
    const twice = await html(
      await manager.post(path, { intent: 'set-price', storeId: northId, amount: '3,95' }),
    );
    expect(twice.status).toBe(409);
    expect(twice.text).toContain('That price was set by someone else meanwhile');
    expect(await priceAt('LATTE-L', northId)).toBe(390);
    // The products page, with prices for North Street, shows what the API prices it at there.
    const list = await html(await manager.get(`${manage('/products')}?q=LATTE-L&store=${northId}`));
    expect(list.text).toMatch(/LATTE-L.*€3\.90/s);
    expect((await html(await manager.get(`${manage('/products')}?q=LATTE-L`))).text).toMatch(
      /LATTE-L.*€4\.20/s,
    );

    // A price changed by someone else first: both amounts, then mine on purpose.
    const own = (await variantBySku('LATTE-L')).prices.find((price) => price.storeId === northId)!;
    await api(
      'PATCH',
      `/v1/catalog/prices/${own.id}`,
      { amount: 375 },
      {
        ...(await tokenHeader()),
        'if-match': `"${own.version}"`,
      },
    );
    const mine = await html(
      await manager.post(path, {
        intent: 'change-price',
        id: own.id,
        version: String(own.version),
        amount: '3.80',
      }),
    );
    expect(mine.text).toContain('Someone else changed this price while you were editing it.');
    expect(mine.text).toMatch(/<td>€3\.80<\/td><td>€3\.75<\/td>/);
    expect(mine.text).toContain('Save my price');
    const saved = await html(
      await manager.post(path, {
        intent: 'change-price',
        id: own.id,
        version: String(own.version + 1),
        amount: '3.80',
      }),
    );
    expect(saved.text).toContain('Price saved.');
    expect(await priceAt('LATTE-L', northId)).toBe(380);

    // Removing the store's price: North Street sells at the all-stores price again.
    const removed = await html(
      await manager.post(path, { intent: 'delete-price', id: own.id, version: String(own.version + 2) }),
    );
    expect(removed.text).toContain('The store now uses the price for all stores.');
    expect(removed.text).toMatch(
      /North Street<\/strong> <span class="muted">€4\.20, the price for all stores/,
    );
    expect(await priceAt('LATTE-L', northId)).toBe(420);
  });

  it('removes a variant that was never sold, but never a product’s last one', async () => {
    const large = await variantBySku('LATTE-L');
    const removed = await manager.post(manage(`/products/${productId}/variants/${large.id}`), {
      intent: 'delete-variant',
      version: String(large.version),
    });
    expect(removed.status).toBe(302);
    expect(removed.headers.get('location')).toBe(manage(`/products/${productId}?variantRemoved=1`));
    expect((await product()).variants.map((variant) => variant.sku)).toEqual(['LATTE']);
    const last = await variantBySku('LATTE');
    const refused = await html(
      await manager.post(manage(`/products/${productId}/variants/${last.id}`), {
        intent: 'delete-variant',
        version: String(last.version),
      }),
    );
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('A product keeps at least one variant');
  });

  it('finds no variant under another product, a malformed id, or another merchant', async () => {
    const last = await variantBySku('LATTE');
    expect((await manager.get(manage(`/products/${productId}/variants/nope`))).status).toBe(404);
    expect(
      (await manager.get(manage(`/products/00000000-0000-4000-8000-000000000001/variants/${last.id}`)))
        .status,
    ).toBe(404);
    expect((await other.get(manage(`/products/${productId}/variants/${last.id}`))).status).toBe(404);
    expect((await other.get(manage('/categories'))).status).toBe(404);
    expect((await other.post(manage('/categories'), { intent: 'create', name: 'Mine' })).status).toBe(404);
  });
});
