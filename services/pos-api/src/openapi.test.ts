// The served OpenAPI document against the API's behaviour: every route fastify serves is documented;
// security says which routes need a token; a documented required header, left out, answers the code
// the document names; every documented list answers `{ items, next }`; and every problem code the
// API answered during this file (plain calls and a seeded sweep of the fuzz cases) is documented,
// in the catalogue and for the operation and status that answered it.
import { StripeFake } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exampleOf, fuzzRequest } from './fuzz/cases.ts';
import { operationsOf, type JsonSchema, type OpenApiDocument, type Operation } from './fuzz/openapi.ts';
import { seededRandom } from './fuzz/random.ts';
import { PROBLEM_CODES } from './errors.ts';
import { MISSING_HEADER_EXTENSION } from './openapi.ts';
import { bearer, sellingWorld, type SellingWorld } from './test-support.ts';

interface DocumentedOperation {
  parameters?: { name: string; in: string; required?: boolean }[];
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    { content?: Record<string, { schema?: JsonSchema & { title?: string } }> } | undefined
  >;
  [MISSING_HEADER_EXTENSION]?: Record<string, string>;
}

type Document = OpenApiDocument & {
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, DocumentedOperation>>;
  components: { schemas: Record<string, JsonSchema> };
};

/** A problem the API answered: for which route (fastify's URL, undefined when none matched). */
interface Answered {
  method: string;
  route: string | undefined;
  status: number;
  code: string;
}

/** Fuzz cases per operation in the code sweep; OPENAPI_SWEEP=60 looks harder (a few seconds more). */
const SWEEP_PER_OPERATION = Number(process.env.OPENAPI_SWEEP ?? 6);

let world: SellingWorld;
let stripe: StripeFake;
let document: Document;
let ids: string[];
const answered: Answered[] = [];

/** `/v1/sales/:id` as the document spells it. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

beforeAll(async () => {
  stripe = await StripeFake.start();
  const { host, port, protocol } = stripe.clientConfig;
  world = await sellingWorld(
    'openapi',
    { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') },
    {
      // Limits have their own tests; here they would only turn the sweep's requests into 429s.
      env: {
        RATE_LIMIT_MAX: '1000000',
        SIGN_IN_LIMIT_PER_DEVICE: '1000000',
        SIGN_IN_LIMIT_PER_TENANT: '1000000',
        // Card payments and the provider's webhook exist only with a provider: document them too.
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: 'whsec_openapi',
        STRIPE_API_HOST: host,
        STRIPE_API_PORT: String(port),
        STRIPE_API_PROTOCOL: protocol,
      },
      // Every problem the API sends, with the route that sent it.
      beforeBoot: (app) =>
        app.addHook('onSend', async (request, reply, payload) => {
          if (!String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json'))
            return payload;
          const { code } = JSON.parse(String(payload)) as { code: string };
          answered.push({
            method: request.method,
            route: request.routeOptions.url,
            status: reply.statusCode,
            code,
          });
          return payload;
        }),
    },
  );
  document = (await world.app.inject({ url: '/docs/json' })).json<Document>();
  // Things that exist, so that requests made from the document find some of them.
  const sale = await call('POST', '/v1/sales', {
    payload: { lines: [{ sku: 'MUG', quantity: 1 }], tenders: [{ method: 'cash', amount: 350 }] },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(sale.statusCode, sale.body).toBe(201);
  // The owner's own till is left out: revoking it would end this file's sign-in.
  ids = [sale.json<{ id: string }>().id, world.tenant.manager.id, world.tenant.cashier.id];
}, 60_000);

afterAll(async () => {
  await world?.close();
  await stripe?.stop();
});

function call(
  method: string,
  url: string,
  options: { payload?: unknown; headers?: Record<string, string>; signedIn?: boolean } = {},
) {
  return world.app.inject({
    method: method as 'GET',
    url,
    headers: {
      host: world.tenant.host,
      ...(options.signedIn === false ? {} : bearer(world.tenant.owner.accessToken)),
      ...options.headers,
    },
    ...(options.payload === undefined ? {} : { payload: options.payload as object }),
  });
}

/** A request the operation's schemas accept (the fuzz cases' plausible values, nothing hostile). */
function plausibleRequest(operation: Operation, seed: number) {
  const random = seededRandom(seed);
  const url =
    operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const parameter = operation.parameters.find((p) => p.in === 'path' && p.name === name)!;
      return encodeURIComponent(String(exampleOf(parameter.schema, random, ids)));
    }) +
    operation.parameters
      .filter((p) => p.in === 'query' && p.required)
      .map(
        (p, i) =>
          `${i === 0 ? '?' : '&'}${p.name}=${encodeURIComponent(String(exampleOf(p.schema, random, ids)))}`,
      )
      .join('');
  const headers: Record<string, string> = {};
  for (const p of operation.parameters.filter((p) => p.in === 'header' && p.required)) {
    headers[p.name] = p.name === 'if-match' ? '*' : String(exampleOf(p.schema, random, ids));
  }
  return { url, headers, ...(operation.body ? { payload: exampleOf(operation.body, random, ids) } : {}) };
}

/** The routes fastify serves, from its router (HEAD and the CORS preflight are fastify's own). */
function servedRoutes(): Set<string> {
  const routes = new Set<string>();
  const prefixes: string[] = [];
  for (const line of world.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    prefixes.length = depth;
    const path = (prefixes[depth - 1] ?? '') + match[2]!;
    prefixes[depth] = path;
    for (const method of match[3]!.split(', ')) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      // Swagger UI's own pages and the document itself; the Prometheus scrape, which is for the
      // cluster and not part of the API (app.test.ts keeps it out of the document); the till's
      // static files, which are a web app and not API operations (till/plugin.test.ts serves them).
      if (path.startsWith('/docs') || path === '/metrics' || path.startsWith('/till')) continue;
      routes.add(key(method, openApiPath(path)));
    }
  }
  return routes;
}

const documentedOperations = () =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );

/** The codes an operation documents, by status. */
function documentedCodes(operation: DocumentedOperation): Map<number, string[]> {
  const codes = new Map<number, string[]>();
  for (const [status, response] of Object.entries(operation.responses)) {
    const schema = response?.content?.['application/problem+json']?.schema;
    if (schema) codes.set(Number(status), (schema.properties?.code?.enum ?? []) as string[]);
  }
  return codes;
}

describe('the served OpenAPI document', () => {
  it('documents every route fastify serves, and only those', () => {
    const routes = servedRoutes();
    expect(routes.size).toBeGreaterThanOrEqual(50);
    expect(routes).toContain('POST /v1/payments/stripe/webhook');
    const documented = new Set(documentedOperations().map(({ method, path }) => key(method, path)));
    expect([...routes].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((operation) => !routes.has(operation))).toEqual([]);
  });

  it('lists every problem code of errors.ts in the shared Problem schema, and uses it for every error', () => {
    const catalogue = document.components.schemas.Problem?.properties?.code?.enum as string[];
    expect([...catalogue].sort()).toEqual(Object.keys(PROBLEM_CODES).sort());
    for (const { method, path, operation } of documentedOperations()) {
      const codes = documentedCodes(operation);
      expect(codes.size, `${method} ${path} documents no error`).toBeGreaterThan(0);
      for (const [status, statusCodes] of codes) {
        expect(status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(statusCodes.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        expect(catalogue, `${method} ${path} ${status}`).toEqual(expect.arrayContaining(statusCodes));
      }
    }
  });

  it('says which operations need a token: they answer 401 unauthenticated without one, public ones do not', async () => {
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    for (const operation of operationsOf(document)) {
      const documented = document.paths[operation.path]![operation.method.toLowerCase()]!;
      expect(documented.security, `${operation.method} ${operation.path}`).toBeDefined();
      const request = plausibleRequest(operation, 1);
      const response = await call(operation.method, request.url, { ...request, signedIn: false });
      const unauthenticated =
        response.statusCode === 401 && response.json<{ code: string }>().code === 'unauthenticated';
      expect(
        unauthenticated,
        `${operation.method} ${operation.path} → ${response.statusCode} ${response.body}`,
      ).toBe(operation.signedIn);
    }
  });

  it('answers a missing required header with the code the document names for it', async () => {
    let checked = 0;
    const requiredHeaders = operationsOf(document).flatMap((operation) =>
      operation.parameters
        .filter((p) => p.in === 'header' && p.required)
        .map((p) => `${operation.method} ${operation.path} ${p.name}`),
    );
    // The writes that happen once per key document it (they refuse to run without one).
    expect(requiredHeaders).toEqual(
      expect.arrayContaining([
        'POST /v1/sales idempotency-key',
        'POST /v1/sales/{id}/returns idempotency-key',
        'PATCH /v1/catalog/products/{id} if-match',
        'POST /v1/stores/{id}/close if-match',
      ]),
    );
    for (const operation of operationsOf(document)) {
      const documented = document.paths[operation.path]![operation.method.toLowerCase()]!;
      const required = operation.parameters.filter((p) => p.in === 'header' && p.required);
      for (const header of required) {
        const code = documented[MISSING_HEADER_EXTENSION]?.[header.name];
        expect(
          code,
          `${operation.method} ${operation.path}: no code for a missing ${header.name}`,
        ).toBeDefined();
        const request = plausibleRequest(operation, 2);
        const { [header.name]: _left, ...headers } = request.headers;
        const response = await call(operation.method, request.url, { ...request, headers });
        const name = `${operation.method} ${operation.path} without ${header.name}`;
        expect(response.statusCode, `${name}: ${response.body}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, name).toBeLessThan(500);
        expect(response.json<{ code: string }>().code, name).toBe(code);
        expect(documentedCodes(documented).get(response.statusCode), name).toContain(code);
        checked += 1;
      }
    }
    // Commits and returns (Idempotency-Key), catalog and store changes (If-Match).
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('says which bodies may be left out: a required one missing is a 4xx, an optional one is not needed', async () => {
    const optional: string[] = [];
    for (const { method, path, operation } of documentedOperations()) {
      const body = (operation as { requestBody?: { required?: boolean } }).requestBody;
      if (!body || method === 'get') continue;
      const [signature] = operationsOf({ ...document, paths: { [path]: { [method]: operation } } });
      const { payload: _left, ...request } = plausibleRequest(signature!, 3);
      const response = await call(signature!.method, request.url, request);
      const name = `${method.toUpperCase()} ${path} without a body → ${response.statusCode} ${response.body}`;
      if (body.required === false) {
        optional.push(`${method.toUpperCase()} ${path}`);
        expect(response.statusCode, name).toBeLessThan(300);
      } else {
        expect(response.statusCode, name).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, name).toBeLessThan(500);
      }
    }
    expect(optional).toEqual(['POST /v1/devices/pairing-codes']);
  });

  it('answers every list with exactly { items, next }', async () => {
    const lists = operationsOf(document).filter((operation) => {
      const schema =
        document.paths[operation.path]![operation.method.toLowerCase()]!.responses['200']?.content?.[
          'application/json'
        ]?.schema;
      // A bare array is a list without the envelope: the document may not have one.
      expect(schema?.type, `${operation.method} ${operation.path} answers a bare array`).not.toBe('array');
      return operation.method === 'GET' && schema?.properties?.items?.type === 'array';
    });
    expect(lists.map((operation) => operation.path)).toEqual(
      expect.arrayContaining([
        '/v1/staff',
        '/v1/devices',
        '/v1/audit',
        '/v1/stores',
        '/v1/catalog/tax-rates',
      ]),
    );
    for (const operation of lists) {
      const schema =
        document.paths[operation.path]!.get!.responses['200']!.content!['application/json']!.schema!;
      expect(Object.keys(schema.properties!).sort(), operation.path).toEqual(['items', 'next']);
      expect(schema.properties!.next!.anyOf?.map((member) => member.type).sort(), operation.path).toEqual([
        'null',
        'string',
      ]);
      const response = await call('GET', plausibleRequest(operation, 3).url);
      expect(response.statusCode, `${operation.path}: ${response.body}`).toBe(200);
      const body = response.json<Record<string, unknown>>();
      expect(Object.keys(body).sort(), operation.path).toEqual(['items', 'next']);
      expect(Array.isArray(body.items), operation.path).toBe(true);
      expect(body.next === null || typeof body.next === 'string', operation.path).toBe(true);
    }
  });

  it('documents every problem code the API answered, for the operation and status that answered it', async () => {
    // On top of the calls above: the fuzz cases, a few per operation, signed in or not.
    const random = seededRandom(20_261_205);
    const operations = operationsOf(document);
    for (let i = 0; i < operations.length * SWEEP_PER_OPERATION; i += 1) {
      const operation = operations[i % operations.length]!;
      const request = fuzzRequest(operation, random, ids);
      await call(request.method, request.url, {
        headers: request.headers,
        signedIn: random.chance(0.75),
        ...(request.payload === undefined ? {} : { payload: request.payload }),
      });
    }
    await call('GET', '/v1/no-such-route');

    const catalogue = new Set(document.components.schemas.Problem!.properties!.code!.enum as string[]);
    const undocumented = new Set<string>();
    for (const { method, route, status, code } of answered) {
      if (!catalogue.has(code)) undocumented.add(`${code} is not in the Problem schema`);
      if (route === undefined) continue;
      const operation = document.paths[openApiPath(route)]?.[method.toLowerCase()];
      if (!operation) continue; // HEAD: documented as its GET
      if (!documentedCodes(operation).get(status)?.includes(code))
        undocumented.add(`${method} ${openApiPath(route)} answered ${status} ${code}`);
    }
    expect(answered.length).toBeGreaterThan(300);
    expect([...undocumented].sort()).toEqual([]);
  }, 60_000);
});
