// Search and pricing: the fold that both sides of a word match share, each kind of search (exact
// barcode, exact SKU, SKU prefix, name words without case and accents) with stable pages, prices of
// the till's store, the checkout contract `priceVariants`, and all of it through a tenant's own
// database role (no extensions, nothing in `public`).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { PosApi } from '../app.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { bearer, createTenantRole, signIn, testApp } from '../test-support.ts';
import { foldForSearch, prefixTsQuery, searchCatalog, skuPrefixPattern, variantSearchKey } from './search.ts';
import { priceVariants } from './service.ts';
import {
  addTenant,
  catalogClient,
  catalogWorld,
  createTaxes,
  expectStatus,
  type CatalogTenant,
  type CatalogWorld,
  type Taxes,
} from './test-fixtures.ts';

describe('folding names and queries', () => {
  it.each([
    ['Crème Brûlée, 0.5 L', 'creme brulee 0 5 l'],
    ['ÉCLAIR au Chocolat', 'eclair au chocolat'],
    ['Straße', 'strasse'],
    ['Ølbrød Łódź', 'olbrod lodz'],
    ['Жареный картофель', 'жареныи картофель'],
    ['Coca-Cola™ Zero (0,33 l)', 'coca cola zero 0 33 l'],
    ["L'eau d'Évian — 1½ L", 'l eau d evian 1½ l'],
    ['日本茶 Matcha', '日本茶 matcha'],
    ['  \t ', ''],
  ])('folds %j to %j', (text, folded) => {
    expect(foldForSearch(text)).toBe(folded);
  });

  it('makes every query word a required prefix, and escapes SKU patterns', () => {
    expect(prefixTsQuery('Lat  LAR lat')).toBe("'lat':* & 'lar':*");
    expect(prefixTsQuery("O'Neil & Co!")).toBe("'o':* & 'neil':* & 'co':*");
    expect(prefixTsQuery('!!! ---')).toBeNull();
    expect(skuPrefixPattern('AB_1%\\x')).toBe('ab\\_1\\%\\\\x%');
    expect(variantSearchKey('Latte', '')).toBe('latte');
    expect(variantSearchKey('Latte', 'Large')).toBe('latte large');
  });
});

let world: CatalogWorld;
let shop: CatalogTenant;
let taxes: Taxes;
let ids: Record<string, { productId: string; variantIds: Record<string, string> }>;

interface Hit {
  sku: string;
  name: string;
  match: string;
  unitPrice: number | null;
  active: boolean;
}
interface Page {
  items: Hit[];
  next: string | null;
  currency: string;
  storeId: string | null;
}

beforeAll(async () => {
  world = await catalogWorld('search');
  shop = await addTenant(world, 'find');
  taxes = await createTaxes(shop.manager);
  ids = {};
  const create = async (name: string, variants: object[], extra: object = {}) => {
    const product = expectStatus(
      await shop.manager.post<{ id: string; variants: { id: string; sku: string }[] }>(
        '/v1/catalog/products',
        {
          name,
          taxCategoryId: taxes.foodCategoryId,
          variants,
          ...extra,
        },
      ),
      201,
    );
    ids[name] = {
      productId: product.id,
      variantIds: Object.fromEntries(product.variants.map((variant) => [variant.sku, variant.id])),
    };
  };
  await create('Crème Brûlée', [{ sku: 'DES-CB-01', barcode: '4001111111111', prices: [{ amount: 450 }] }]);
  await create('Creme fraiche', [{ sku: 'DAI-CF-01', prices: [{ amount: 199 }] }]);
  await create('Latte', [
    { name: 'Small', sku: 'LAT-S', barcode: '4002222222222', prices: [{ amount: 320 }] },
    {
      name: 'Large',
      sku: 'LAT-L',
      prices: [{ amount: 420 }, { amount: 460, storeId: shop.storeId }],
    },
  ]);
  await create('Lattice Pie', [{ sku: 'PIE-LAT', prices: [{ amount: 380 }] }]);
  await create('Latte Retired', [{ sku: 'LAT-OLD' }], { active: false });
  // Twenty-five of a kind, through the bulk route, for pages.
  const bulk = await shop.manager.post('/v1/catalog/bulk', {
    items: Array.from({ length: 25 }, (_, index) => ({
      sku: `BULK-${String(index).padStart(2, '0')}`,
      product: { name: `Bulk Item ${String(25 - index).padStart(2, '0')}`, taxCategoryCode: 'FOOD' },
      prices: [{ amount: 100 + index }],
    })),
  });
  expectStatus(bulk, 200);
});

afterAll(async () => {
  await world?.close();
});

const search = async (query: string, client = shop.cashier) =>
  expectStatus(await client.get<Page>(`/v1/catalog/search?${query}`), 200);

describe('searching the catalog', () => {
  it('finds a variant by its exact barcode first', async () => {
    const page = await search('q=4001111111111');
    expect(page.items[0]).toMatchObject({
      sku: 'DES-CB-01',
      name: 'Crème Brûlée',
      match: 'barcode',
      unitPrice: 450,
    });
  });

  it('finds an exact SKU first, whatever its case, then SKU prefixes and names', async () => {
    const page = await search('q=lat-s');
    expect(page.items.map((item) => [item.sku, item.match])).toEqual([['LAT-S', 'sku']]);

    const prefix = await search('q=LAT-');
    expect(prefix.items.map((item) => [item.sku, item.match])).toEqual([
      ['LAT-L', 'sku_prefix'],
      ['LAT-S', 'sku_prefix'],
      ['PIE-LAT', 'name'],
    ]);
  });

  it('matches name words as prefixes, without case or accents, all words required', async () => {
    expect((await search('q=creme')).items.map((item) => item.name)).toEqual([
      'Crème Brûlée',
      'Creme fraiche',
    ]);
    expect((await search(`q=${encodeURIComponent('CRÈME bru')}`)).items.map((item) => item.name)).toEqual([
      'Crème Brûlée',
    ]);
    expect((await search('q=lat%20lar')).items.map((item) => item.name)).toEqual(['Latte Large']);
    expect((await search('q=latt')).items.map((item) => item.name)).toEqual([
      'Latte Large',
      'Latte Small',
      'Lattice Pie',
    ]);
    expect((await search('q=nothing-like-this')).items).toEqual([]);
  });

  it('leaves inactive products and variants out unless asked, as soon as they are deactivated', async () => {
    expect((await search('q=retired')).items).toEqual([]);
    expect((await search('q=retired&includeInactive=true')).items).toMatchObject([
      { sku: 'LAT-OLD', active: false, unitPrice: null },
    ]);

    const pie = ids['Lattice Pie']!;
    const off = await shop.manager.patch(`/v1/catalog/products/${pie.productId}`, { active: false }, '"1"');
    expect(off.status, off.raw).toBe(200);
    expect((await search('q=lattice')).items).toEqual([]);
    expect((await search('q=pie-lat')).items).toEqual([]);
    await shop.manager.patch(`/v1/catalog/products/${pie.productId}`, { active: true }, '"2"');
    expect((await search('q=lattice')).items).toMatchObject([{ sku: 'PIE-LAT', active: true }]);

    const small = ids['Latte']!.variantIds['LAT-S']!;
    await shop.manager.patch(`/v1/catalog/variants/${small}`, { active: false }, '"1"');
    expect((await search('q=latte')).items.map((item) => item.sku)).toEqual(['LAT-L']);
    await shop.manager.patch(`/v1/catalog/variants/${small}`, { active: true }, '"2"');
    expect((await search('q=latte')).items.map((item) => item.sku)).toEqual(['LAT-L', 'LAT-S']);
  });

  it('pages in a stable order without repeating or skipping', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await search(`q=bulk%20item&limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((item) => item.name));
      cursor = page.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(25);

    const bad = await shop.cashier.get('/v1/catalog/search?q=bulk&cursor=bm9wZQ');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid_cursor' });
  });

  it('gives the same pages whether the index walk or the word index answers', async () => {
    const ctx = (): RequestContext => ({
      tenant: {
        slug: shop.tenant.slug,
        schema: shop.schema,
        currency: 'EUR',
        timezone: 'UTC',
        readOnly: false,
      },
      em: world.admin.em.fork({ schema: shop.schema }),
      traceId: 'test',
    });
    const allPages = async (q: string, scanLimit?: number) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await searchCatalog(
          ctx(),
          { q, limit: 4, ...(cursor ? { cursor } : {}) },
          scanLimit === undefined ? {} : { scanLimit },
        );
        seen.push(...page.items.map((item) => `${item.sku}:${item.match}`));
        cursor = page.next ?? undefined;
      } while (cursor);
      return seen;
    };
    for (const q of [
      'bulk item',
      'bulk 1',
      'lat',
      'latte',
      'creme',
      'LAT-',
      'BULK-1',
      '4001111111111',
      'nothing',
    ]) {
      const expected = await allPages(q);
      for (const scanLimit of [1, 3, 7, 40])
        expect(await allPages(q, scanLimit), `${q} / ${scanLimit}`).toEqual(expected);
    }
    expect(await allPages('bulk item')).toHaveLength(25);
  });

  it("prices results for the signed-in till's store, or the store asked for", async () => {
    expect((await search('q=lat-l')).items[0]).toMatchObject({ unitPrice: 420 });
    expect((await search(`q=lat-l&storeId=${shop.storeId}`)).items[0]).toMatchObject({ unitPrice: 460 });

    // A till registered in the MAIN store: its cashier sees the store's prices without asking.
    const device = expectStatus(
      await shop.owner.post<{ id: string; secret: string }>('/v1/devices', {
        name: 'Till 2',
        storeId: shop.storeId,
      }),
      201,
    );
    const session = await signIn(
      world.app,
      { ...shop.tenant, deviceId: device.id, deviceSecret: device.secret },
      shop.tenant.cashier.code,
      shop.tenant.cashier.pin,
    );
    const tillCashier = catalogClient(world.app, shop.tenant.host, session);
    const page = await search('q=lat-l', tillCashier);
    expect(Object.keys(page).sort()).toEqual(['items', 'next']);
    expect(page.items[0]).toMatchObject({ unitPrice: 460, currency: 'EUR', storeId: shop.storeId });
    const scanned = expectStatus(await tillCashier.get('/v1/catalog/barcodes/4002222222222'), 200);
    expect(scanned).toMatchObject({
      sku: 'LAT-S',
      name: 'Latte Small',
      unitPrice: 320,
      priceSource: 'all_stores',
    });
  });
});

describe("PostgreSQL's parser and the fold agree", () => {
  // The tsvector is PostgreSQL's parse of the folded name; the query is the folded query's words as
  // prefixes. Words the parser would read as something else (numbers, hosts, versions) must still match.
  it.each([
    'v2.0 Cable 1e5 0x1F',
    'info@shop.de https://shop.de/tee',
    '3D-Drucker 4K/UHD 1½ L',
    'Yoğurt naïve café ΕΛΛΗΝΙΚΟΣ καφές',
    '日本茶Matcha 100% Bio',
    '-5 +7 1,000.50 €',
  ])('finds %j by every prefix of each of its words', async (name) => {
    const key = foldForSearch(name);
    const queries = key
      .split(' ')
      .flatMap((word) => Array.from({ length: word.length }, (_, end) => word.slice(0, end + 1)));
    const rows = await world.admin.em.getConnection().execute<{ query: string; ok: boolean }[]>(
      `select q.query, to_tsvector('simple', ?) @@ to_tsquery('simple', q.tsquery) as ok
         from jsonb_to_recordset(?::jsonb) as q(query text, tsquery text)`,
      [key, JSON.stringify(queries.map((query) => ({ query, tsquery: prefixTsQuery(query) })))],
    );
    expect(rows.filter((row) => !row.ok).map((row) => row.query)).toEqual([]);
  });
});

describe('priceVariants, the contract for checkout', () => {
  const context = (): RequestContext => ({
    tenant: {
      slug: shop.tenant.slug,
      schema: shop.schema,
      currency: 'EUR',
      timezone: 'Europe/Berlin',
      readOnly: false,
    },
    em: world.admin.em.fork({ schema: shop.schema }),
    traceId: 'test',
  });

  it('resolves ids, SKUs or barcodes in one query, in the order asked, with tax rates and the store price', async () => {
    const ctx = context();
    // One statement on the request's data path (db/sql.ts runs raw SQL through the EM's Kysely).
    const execute = vi.spyOn(ctx.em, 'getKysely');
    const latte = ids['Latte']!.variantIds;
    const priced = await priceVariants(ctx, {
      storeId: shop.storeId,
      variantIds: [
        latte['LAT-L']!,
        latte['LAT-S']!,
        latte['LAT-L']!,
        '00000000-0000-4000-8000-000000000000',
        'x',
      ],
    });
    expect(execute).toHaveBeenCalledTimes(1);
    expect(priced).toMatchObject({ storeId: shop.storeId, currency: 'EUR' });
    expect(priced.items).toEqual([
      {
        variantId: latte['LAT-L'],
        productId: ids['Latte']!.productId,
        sku: 'LAT-L',
        barcode: null,
        name: 'Latte Large',
        active: true,
        trackStock: true,
        currency: 'EUR',
        unitPrice: 460,
        priceSource: 'store',
        taxCategoryId: taxes.foodCategoryId,
        taxRates: [{ id: taxes.reducedId, code: 'VAT7', name: 'MwSt 7%', rate: '7', inclusive: true }],
      },
      expect.objectContaining({ sku: 'LAT-S', unitPrice: 320, priceSource: 'all_stores' }),
    ]);
    expect(priced.notFound).toEqual(['00000000-0000-4000-8000-000000000000', 'x']);

    const bySku = await priceVariants(context(), { storeId: null, skus: ['LAT-L', 'LAT-OLD', 'NOPE'] });
    expect(bySku.items.map((item) => [item.sku, item.unitPrice, item.active])).toEqual([
      ['LAT-L', 420, true],
      ['LAT-OLD', null, false],
    ]);
    expect(bySku.notFound).toEqual(['NOPE']);

    const byBarcode = await priceVariants(context(), { barcodes: ['4001111111111'], currency: 'CHF' });
    expect(byBarcode.items).toMatchObject([{ sku: 'DES-CB-01', currency: 'CHF', unitPrice: null }]);
  });

  it('resolves a mix of SKUs, barcodes and ids in one query, each variant once, in the order of the keys', async () => {
    const latte = await priceVariants(context(), { storeId: null, skus: ['LAT-L'] });
    const latteId = latte.items[0]!.variantId;
    const mixed = await priceVariants(context(), {
      storeId: null,
      variantIds: [latteId.toUpperCase()],
      skus: ['LAT-S', 'LAT-L', 'NOPE'],
      barcodes: ['4001111111111', '0000000000000'],
    });
    expect(mixed.items.map((item) => item.sku)).toEqual(['LAT-L', 'LAT-S', 'DES-CB-01']);
    expect(mixed.notFound).toEqual(['NOPE', '0000000000000']);
  });
});

describe("through the tenant's own database role", () => {
  let role: Awaited<ReturnType<typeof createTenantRole>>;
  let dedicated: PosApi;
  let redis: Redis;

  beforeAll(async () => {
    role = await createTenantRole(world.db.url, shop.schema);
    redis = new Redis(inject('redisUrl'));
    dedicated = await testApp({ databaseUrl: role.url, redis, mode: 'dedicated', slug: shop.tenant.slug });
  });

  afterAll(async () => {
    await dedicated?.close();
    redis?.disconnect();
    await role?.drop();
  });

  it('searches, scans and bulk-upserts with only its own schema (no extensions, nothing in public)', async () => {
    const session = await signIn(
      dedicated,
      shop.tenant,
      shop.tenant.manager.code,
      shop.tenant.manager.pin,
      {},
    );
    const get = (url: string) =>
      dedicated.inject({ method: 'GET', url, headers: bearer(session.accessToken) });
    const found = await get(`/v1/catalog/search?q=${encodeURIComponent('creme bru')}`);
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json<Page>().items.map((item) => item.sku)).toEqual(['DES-CB-01']);
    const scanned = await get('/v1/catalog/barcodes/4001111111111');
    expect(scanned.statusCode, scanned.body).toBe(200);

    const bulk = await dedicated.inject({
      method: 'POST',
      url: '/v1/catalog/bulk',
      headers: bearer(session.accessToken),
      payload: { items: [{ sku: 'ROLE-1', product: { name: 'Role Tea', taxCategoryCode: 'FOOD' } }] },
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect((await get('/v1/catalog/search?q=role%20tea')).json<Page>().items).toHaveLength(1);
  });
});
