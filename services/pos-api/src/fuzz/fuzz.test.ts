// Hostile input over every operation of the served OpenAPI document, against the real engines:
// nothing a client sends may answer 5xx, and every error is application/problem+json with a
// catalogued `code`. Bounded and seeded: FUZZ_SEED replays a run, FUZZ_REQUESTS changes its size.
import { createTestDatabase, StripeFake, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import { PROBLEM_CODES } from '../errors.ts';
import {
  bearer,
  createTenantSchema,
  setUpTenant,
  testApp,
  uniqueSlug,
  type TestTenant,
} from '../test-support.ts';
import { fuzzRequest, type FuzzRequest } from './cases.ts';
import { operationsOf, type OpenApiDocument, type Operation } from './openapi.ts';
import { seededRandom } from './random.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_105);
/** About 60 per operation: 10 to 20 s on a 2-core machine shared with other work. */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3_000);
const KNOWN_CODES = new Set(Object.keys(PROBLEM_CODES));

let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
let fake: StripeFake;
let app: PosApi;
let tenant: TestTenant;
const ids: string[] = [];
/** The server-side error of the request in flight (they run one at a time), so a 500 says what broke. */
let lastError: string | undefined;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'fuzz');
  redis = new Redis(inject('redisUrl'));
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  const slug = uniqueSlug('fuzz');
  await createTenantSchema(admin, slug);
  fake = await StripeFake.start();
  const { host, port, protocol } = fake.clientConfig;
  app = await testApp({
    databaseUrl: db.url,
    redis,
    mode: 'pooled',
    env: {
      // Limits have their own tests; here they would only turn hostile requests into 429s.
      RATE_LIMIT_MAX: '1000000',
      SIGN_IN_LIMIT_PER_DEVICE: '1000000',
      SIGN_IN_LIMIT_PER_TENANT: '1000000',
      // Card routes and the webhook exist only with a payment provider.
      STRIPE_SECRET_KEY: fake.secretKey,
      STRIPE_WEBHOOK_SECRET: 'whsec_fuzz',
      STRIPE_API_HOST: host,
      STRIPE_API_PORT: String(port),
      STRIPE_API_PROTOCOL: protocol,
    },
  });
  app.addHook('onError', async (_request, _reply, error) => {
    lastError = `${error.name}: ${error.message}`.slice(0, 200);
  });
  tenant = await setUpTenant(app, slug);
  ids.push(...(await seedCatalogAndSale()));
}, 60_000);

afterAll(async () => {
  await app?.close();
  await fake?.stop();
  await admin?.close();
  redis?.disconnect();
  await db?.drop();
});

/** A product and a sale of it through the API, so hostile requests can name things that exist. */
async function seedCatalogAndSale(): Promise<string[]> {
  const post = async (url: string, payload: object, headers: Record<string, string> = {}) => {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { host: tenant.host, ...bearer(tenant.owner.accessToken), ...headers },
      payload,
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json<{ id: string }>();
  };
  const rate = await post('/v1/catalog/tax-rates', {
    code: 'VAT19',
    name: 'VAT 19',
    rate: '19',
    inclusive: true,
  });
  const taxCategory = await post('/v1/catalog/tax-categories', {
    code: 'STD',
    name: 'Standard',
    taxRateIds: [rate.id],
  });
  const category = await post('/v1/catalog/categories', { name: 'Mugs' });
  const product = await post('/v1/catalog/products', {
    name: 'Mug',
    taxCategoryId: taxCategory.id,
    categoryId: category.id,
    variants: [{ sku: 'MUG', barcode: '4006381333931', prices: [{ amount: 350 }] }],
  });
  const variants = (product as unknown as { variants: { id: string; prices: { id: string }[] }[] }).variants;
  const sale = await post(
    '/v1/sales',
    { lines: [{ sku: 'MUG', quantity: 1 }], tenders: [{ method: 'cash', amount: 350 }] },
    { 'idempotency-key': 'fuzz-seed-sale-1' },
  );
  // The owner's own till is left out: revoking it would end the fuzz run's sign-in.
  return [
    rate.id,
    taxCategory.id,
    category.id,
    product.id,
    variants[0]!.id,
    variants[0]!.prices[0]!.id,
    sale.id,
    tenant.manager.id,
    tenant.cashier.id,
  ];
}

interface Finding {
  operation: string;
  problem: string;
  example: string;
  count: number;
}

/** What is wrong with the answer to a hostile request, if anything. */
function judge(status: number, contentType: string, body: string): string | undefined {
  if (status >= 500) return `${status}${lastError ? ` (${lastError})` : ''}`;
  if (status < 400) return undefined;
  if (!contentType.startsWith('application/problem+json')) return `${status} answered as ${contentType}`;
  let problem: { code?: unknown; status?: unknown };
  try {
    problem = JSON.parse(body) as typeof problem;
  } catch {
    return `${status} with a body that is not JSON`;
  }
  if (typeof problem.code !== 'string' || !KNOWN_CODES.has(problem.code)) {
    return `${status} with an uncatalogued code ${JSON.stringify(problem.code)}`;
  }
  if (problem.status !== status) return `${status} with status ${JSON.stringify(problem.status)} in the body`;
  return undefined;
}

it('answers hostile requests to every documented operation without a 5xx, as catalogued problems', async () => {
  console.log(
    `fuzz: seed ${SEED}, ${REQUESTS} requests (FUZZ_SEED=${SEED} FUZZ_REQUESTS=${REQUESTS} replays)`,
  );
  const document = (await app.inject({ url: '/docs/json' })).json<OpenApiDocument>();
  // An event stream the owner may open answers for minutes, not with one body that inject could
  // wait for: its refusals are tested in events/events.test.ts.
  const operations = operationsOf(document).filter((operation) => !operation.streams);
  expect(operations.length).toBeGreaterThanOrEqual(50);
  const random = seededRandom(SEED);
  const findings = new Map<string, Finding>();
  const statuses = new Map<number, number>();
  const started = performance.now();

  for (let i = 0; i < REQUESTS; i += 1) {
    const operation: Operation = operations[i % operations.length]!;
    const signedIn = random.chance(0.75);
    const request: FuzzRequest = fuzzRequest(operation, random, ids);
    lastError = undefined;
    const response = await app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: {
        host: tenant.host,
        ...(signedIn ? bearer(tenant.owner.accessToken) : {}),
        ...request.headers,
      },
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    });
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const contentType = String(response.headers['content-type'] ?? '');
    const problem = judge(response.statusCode, contentType, response.body);
    if (!problem) continue;
    const name = `${operation.method} ${operation.path}`;
    const key = `${name} → ${problem}`;
    const finding = findings.get(key);
    if (finding) finding.count += 1;
    else
      findings.set(key, {
        operation: name,
        problem,
        example: `${request.description}${signedIn ? ' (signed in)' : ''}`,
        count: 1,
      });
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`);
  console.log(
    `fuzz: ${REQUESTS} requests over ${operations.length} operations in ${seconds} s; ${byStatus.join(', ')}`,
  );
  const report = [...findings.values()].sort((a, b) => a.operation.localeCompare(b.operation));
  const failed = report.reduce((sum, f) => sum + f.count, 0);
  const serverErrors = [...statuses].reduce((sum, [status, n]) => sum + (status >= 500 ? n : 0), 0);
  console.log(`fuzz: ${failed} bad answers (${serverErrors} of them 5xx) in ${report.length} kinds`);
  for (const f of report) console.log(`fuzz: ${f.count}× ${f.operation} → ${f.problem}; e.g. ${f.example}`);
  expect(report).toEqual([]);
}, 180_000);

// The requests the first fuzz runs found answering 500 (NUL reaching PostgreSQL, "-Infinity" coerced
// past `minimum`/`maximum` and inlined into SQL as a column name, lone surrogates reaching jsonb and
// encodeURIComponent), each now a 400 validation_failed that names the field.
it.each([
  ['GET', '/v1/audit?limit=-Infinity', undefined, '/limit'],
  ['GET', '/v1/catalog/products?limit=-1e999', undefined, '/limit'],
  ['GET', '/v1/catalog/search?q=Infinity&limit=Infinity', undefined, '/limit'],
  ['GET', '/v1/catalog/search?q=ab%00cd', undefined, '/q'],
  ['GET', '/v1/catalog/barcodes/ab%00cd', undefined, '/code'],
  ['POST', '/v1/devices', '{"name":"Till\\u0000"}', '/name'],
  ['POST', '/v1/catalog/categories', '{"name":"\\ud800"}', '/name'],
  ['POST', '/v1/sales/calculate', '{"lines":[{"sku":"MUG","quantity":"1e999"}]}', '/lines/0/quantity'],
  [
    'POST',
    '/v1/sales/calculate',
    '{"lines":[{"sku":"MUG","quantity":1,"unitPrice":1e999}]}',
    '/lines/0/unitPrice',
  ],
  [
    'POST',
    '/v1/catalog/bulk',
    '{"items":[{"sku":"A\\udc00","product":{"name":"x","taxCategoryCode":"STD"}}]}',
    '/items/0/sku',
  ],
  [
    'POST',
    '/v1/sales/card-payments',
    '{"saleKey":"fuzz-sale-key-1","paymentId":"00000000-0000-4000-8000-000000000001","amount":100,"readerId":"tmr_\\ud800"}',
    '/readerId',
  ],
])('%s %s answers 400 validation_failed naming the field', async (method, url, payload, path) => {
  const response = await app.inject({
    method: method as 'GET',
    url,
    headers: {
      host: tenant.host,
      ...bearer(tenant.owner.accessToken),
      ...(payload ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload ? { payload } : {}),
  });
  expect(response.statusCode, response.body).toBe(400);
  expect(response.headers['content-type']).toContain('application/problem+json');
  const body = response.json<{ code: string; errors: { path: string }[] }>();
  expect(body.code).toBe('validation_failed');
  expect(body.errors.map((error) => error.path)).toContain(path);
});
