// `npm run bench -- catalog`: barcode lookup and search latency with 100,000 products in a tenant's
// catalog, against a PostgreSQL (and Redis, for the HTTP figures) of its own. Prints one
// machine-readable line per figure on stdout (progress goes to stderr):
//
//   bulk-upsert-1000: p50=…ms p99=…ms n=100          seeding, 1,000 items per call
//   round-trip-select-1: …                            `select 1` through the same pool: the floor
//   barcode-lookup-100k: p50=…ms p99=…ms n=…          lookupBarcode(ctx, code, { storeId })
//   search-100k: p50=…ms p99=…ms n=…                  searchCatalog, the mix of kinds below
//   search-100k-<kind>: …                             barcode, sku, sku-prefix, name-1word, name-2words, name-broad
//   barcode-lookup-100k-http / search-100k-http: …    the same through the API (app.inject): auth, tenancy, JSON
//
// Sequential calls from one client after a warm-up: latency, not throughput. Run by test/src/bench/
// run.ts as a child process (by path, never imported), so the harness does not depend on the API.
// BENCH_PRODUCTS changes the catalog size (default 100,000).
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { startBenchTenant } from '../bench-support.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { bulkUpsert, type BulkItem } from './bulk.ts';
import { searchCatalog } from './search.ts';
import { lookupBarcode } from './service.ts';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const LABEL = PRODUCTS % 1000 === 0 ? `${PRODUCTS / 1000}k` : String(PRODUCTS);
const BATCH = 1000;
const SAMPLES = 2000;
const WARM_UP = 300;
const SLUG = 'bench';

const progress = (line: string) => process.stderr.write(`catalog bench: ${line}\n`);

// Deterministic names: the same catalog on every run.
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(20261124);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const BRANDS = [
  'Alpenhof',
  'Bergquell',
  'Café Royal',
  'Dolce Vita',
  'Éclat',
  'Fjordland',
  'Gourmet Club',
  'Hofgut',
  'Isola Verde',
  'Jardin',
  'Kaffeerösterei',
  'Landliebe',
  'Müller',
  'Nordsee',
  'Ökofarm',
  'Provence',
  'Queensland',
  'Rømø',
  'Sonnenhof',
  'Tropical',
  'Urwald',
  'Vollkorn & Co',
  'Waldbauer',
  'Xocolat',
  'Yama',
  'Zürcher',
  'Brasserie Lutèce',
  'Česká Pekárna',
  'Łódzkie',
  'São Jorge',
] as const;
const ADJECTIVES = [
  'Bio',
  'Classic',
  'Crème',
  'Dunkel',
  'Extra',
  'Feine',
  'Frische',
  'Gesalzene',
  'Helle',
  'Italienische',
  'Knusprige',
  'Leichte',
  'Milde',
  'Natur',
  'Original',
  'Pikante',
  'Premium',
  'Rustikale',
  'Scharfe',
  'Süße',
  'Vegane',
  'Würzige',
  'Zarte',
  'Geröstete',
  'Hausgemachte',
  'Luftige',
  'Saftige',
  'Cremige',
] as const;
const NOUNS = [
  'Apfelsaft',
  'Baguette',
  'Brezel',
  'Brûlée',
  'Butter',
  'Cappuccino',
  'Chips',
  'Croissant',
  'Espresso',
  'Feta',
  'Gnocchi',
  'Granola',
  'Hafermilch',
  'Honig',
  'Joghurt',
  'Käse',
  'Kekse',
  'Latte',
  'Limonade',
  'Macarons',
  'Müsli',
  'Nudeln',
  'Oliven',
  'Pesto',
  'Pizza',
  'Quark',
  'Ravioli',
  'Salami',
  'Schokolade',
  'Senf',
  'Tee',
  'Tomaten',
  'Vollmilch',
  'Waffeln',
  'Wasser',
  'Zwieback',
  'Éclair',
  'Smoothie',
  'Tortilla',
] as const;
const SIZES = ['100 g', '250 g', '500 g', '1 kg', '0,33 l', '0,5 l', '1 l', '6er', '12er', ''] as const;

interface Seeded {
  barcodes: string[];
  skus: string[];
  names: string[];
}

function catalogItems(start: number, count: number, storeId: string): BulkItem[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = start + offset;
    const name = [pick(BRANDS), pick(ADJECTIVES), pick(NOUNS), pick(SIZES)].filter(Boolean).join(' ');
    const amount = 50 + Math.floor(random() * 5000);
    return {
      sku: `SKU-${String(index).padStart(7, '0')}`,
      barcode: `40${String(index).padStart(11, '0')}`,
      product: { name, taxCategoryCode: index % 3 === 0 ? 'STANDARD' : 'FOOD' },
      // Every fifth product has a price of its own in the store.
      prices: [{ amount }, ...(index % 5 === 0 ? [{ amount: amount + 20, storeId }] : [])],
    };
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function figure(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (value: number) => `${value.toFixed(2)}ms`;
  return `${label}: p50=${ms(percentile(sorted, 50))} p99=${ms(percentile(sorted, 99))} max=${ms(sorted.at(-1)!)} n=${samples.length}`;
}

async function measure(count: number, run: (index: number) => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < Math.min(WARM_UP, count); index++) await run(index);
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await run(index);
    samples.push(performance.now() - started);
  }
  return samples;
}

type Query = { kind: string; q: string };

function searchQueries(seeded: Seeded): Query[] {
  const words = (name: string) => name.split(' ').filter((word) => /\p{L}{3,}/u.test(word));
  const prefix = (word: string, min: number, max: number) =>
    word.slice(0, Math.min(word.length, min + Math.floor(random() * (max - min + 1))));
  const queries: Query[] = [];
  for (let index = 0; index < SAMPLES; index++) {
    const n = Math.floor(random() * seeded.skus.length);
    const name = seeded.names[n]!;
    switch (index % 6) {
      case 0:
        queries.push({ kind: 'barcode', q: seeded.barcodes[n]! });
        break;
      case 1:
        queries.push({ kind: 'sku', q: seeded.skus[n]!.toLowerCase() });
        break;
      case 2:
        // SKU-00421 → ~100 SKUs.
        queries.push({ kind: 'sku-prefix', q: seeded.skus[n]!.slice(0, 9) });
        break;
      case 3:
        queries.push({ kind: 'name-1word', q: prefix(pick(words(name)), 3, 6) });
        break;
      case 4: {
        const [first, second] = [pick(words(name)), pick(words(name))];
        queries.push({ kind: 'name-2words', q: `${prefix(first, 3, 6)} ${prefix(second, 3, 6)}` });
        break;
      }
      default:
        // What a cashier types first: one or two letters, thousands of matches.
        queries.push({ kind: 'name-broad', q: prefix(pick(words(name)), 1, 2) });
    }
  }
  return queries;
}

export async function catalogBenchmark(): Promise<string[]> {
  const tenant = await startBenchTenant('catalog', SLUG);
  const { schema, storeId, app } = tenant;
  // The service functions are measured on an ORM of their own (the API's is inside the app).
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: tenant.databaseUrl, poolMax: 4 }));
  try {
    const connection = orm.em.getConnection();
    const ctx = (): RequestContext => ({
      tenant: { slug: SLUG, schema, currency: 'EUR', timezone: 'Europe/Berlin', readOnly: false },
      em: orm.em.fork({ schema }),
      traceId: 'bench',
    });
    await connection.execute(
      `insert into "${schema}".tax_rate (id, code, name, rate, inclusive) values
         ('00000000-0000-4000-8000-000000000019', 'VAT19', 'MwSt 19%', 19, true),
         ('00000000-0000-4000-8000-000000000007', 'VAT7', 'MwSt 7%', 7, true);
       insert into "${schema}".tax_category (id, code, name, tax_rate_ids) values
         (gen_random_uuid(), 'STANDARD', 'Standard', '["00000000-0000-4000-8000-000000000019"]'),
         (gen_random_uuid(), 'FOOD', 'Food', '["00000000-0000-4000-8000-000000000007"]')`,
    );

    progress(`seeding ${PRODUCTS} products through bulkUpsert, ${BATCH} per call`);
    const seeded: Seeded = { barcodes: [], skus: [], names: [] };
    const bulkSamples: number[] = [];
    for (let start = 0; start < PRODUCTS; start += BATCH) {
      const items = catalogItems(start, Math.min(BATCH, PRODUCTS - start), storeId);
      const started = performance.now();
      await bulkUpsert(ctx(), items);
      bulkSamples.push(performance.now() - started);
      for (const item of items) {
        seeded.barcodes.push(item.barcode!);
        seeded.skus.push(item.sku);
        seeded.names.push(item.product.name);
      }
      if ((start / BATCH) % 20 === 19) progress(`${start + BATCH} products`);
    }
    // What autovacuum's analyze does on its own after such a load; done now so plans are settled.
    await connection.execute(`vacuum analyze "${schema}".product, "${schema}".variant, "${schema}".price`);

    const lines = [figure(`bulk-upsert-${BATCH}`, bulkSamples)];
    // The floor under every figure: one round trip through the same ORM connection pool.
    lines.push(figure('round-trip-select-1', await measure(SAMPLES, () => ctx().em.execute('select 1'))));
    progress('measuring barcode lookups');
    const barcodes = Array.from({ length: SAMPLES + WARM_UP }, () => pick(seeded.barcodes));
    lines.push(
      figure(
        `barcode-lookup-${LABEL}`,
        await measure(SAMPLES, (index) => lookupBarcode(ctx(), barcodes[index]!, { storeId })),
      ),
    );

    progress('measuring searches');
    const queries = searchQueries(seeded);
    const all = await measure(queries.length, async (index) => {
      const query = queries[index]!;
      const page = await searchCatalog(ctx(), { q: query.q, limit: 20, storeId });
      if (page.items.length === 0 && query.kind !== 'name-broad') {
        throw new Error(`search for ${query.kind} ${JSON.stringify(query.q)} found nothing`);
      }
    });
    lines.push(figure(`search-${LABEL}`, all));
    const kinds = [...new Set(queries.map((query) => query.kind))];
    for (const kind of kinds) {
      lines.push(
        figure(
          `search-${LABEL}-${kind}`,
          all.filter((_, index) => queries[index]!.kind === kind),
        ),
      );
    }

    progress('measuring through the API');
    const headers = { host: `${SLUG}.localhost`, authorization: `Bearer ${tenant.ownerToken}` };
    const get = async (url: string) => {
      const response = await app.inject({ method: 'GET', url, headers });
      if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${response.body}`);
    };
    lines.push(
      figure(
        `barcode-lookup-${LABEL}-http`,
        await measure(SAMPLES, (index) => get(`/v1/catalog/barcodes/${barcodes[index]}?storeId=${storeId}`)),
      ),
    );
    lines.push(
      figure(
        `search-${LABEL}-http`,
        await measure(SAMPLES, (index) =>
          get(`/v1/catalog/search?q=${encodeURIComponent(queries[index]!.q)}&storeId=${storeId}`),
        ),
      ),
    );
    return lines;
  } finally {
    await orm.close();
    await tenant.close();
  }
}

if (import.meta.main) {
  try {
    for (const line of await catalogBenchmark()) process.stdout.write(`${line}\n`);
  } catch (error) {
    process.exitCode = 1;
    process.stderr.write(
      `catalog bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
}
