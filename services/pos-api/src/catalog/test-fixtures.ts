// What the catalog's tests share on top of ../test-support.ts: an app with a set-up tenant, its
// staff signed in, and a small client for the catalog routes.
import { createTestDatabase, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { expect, inject } from 'vitest';
import type { PosApi } from '../app.ts';
import {
  bearer,
  createTenantSchema,
  setUpTenant,
  signIn,
  testApp,
  uniqueSlug,
  type SignedIn,
  type TestTenant,
} from '../test-support.ts';

export interface CatalogWorld {
  db: TestDatabase;
  redis: Redis;
  /** Superuser ORM for looking behind the API (outbox rows, schema). */
  admin: MikroORM;
  app: PosApi;
  /** Tenant schemas made by `addTenant`, by slug. */
  tenants: Map<string, { tenant: TestTenant; schema: string; storeId: string }>;
  close(): Promise<void>;
}

export async function catalogWorld(prefix: string): Promise<CatalogWorld> {
  const db = await createTestDatabase(inject('postgresUrl'), prefix);
  const redis = new Redis(inject('redisUrl'));
  const admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 2 }));
  // Catalog tests make many calls from one till; rate limits have their own tests.
  const app = await testApp({
    databaseUrl: db.url,
    redis,
    mode: 'pooled',
    env: { RATE_LIMIT_MAX: '100000' },
  });
  return {
    db,
    redis,
    admin,
    app,
    tenants: new Map(),
    async close() {
      await app.close();
      await admin.close();
      redis.disconnect();
      await db.drop();
    },
  };
}

export interface CatalogTenant {
  tenant: TestTenant;
  schema: string;
  /** The MAIN store every test tenant has. */
  storeId: string;
  owner: CatalogClient;
  manager: CatalogClient;
  cashier: CatalogClient;
}

/** A migrated tenant with its first owner, a manager and a cashier, each with a signed-in client. */
export async function addTenant(world: CatalogWorld, prefix: string): Promise<CatalogTenant> {
  const slug = uniqueSlug(prefix);
  const schema = await createTenantSchema(world.admin, slug);
  const tenant = await setUpTenant(world.app, slug);
  const [store] = await world.admin.em
    .getConnection()
    .execute<{ id: string }[]>(`select id from "${schema}".store where code = 'MAIN'`);
  const manager = await signIn(world.app, tenant, tenant.manager.code, tenant.manager.pin);
  const cashier = await signIn(world.app, tenant, tenant.cashier.code, tenant.cashier.pin);
  world.tenants.set(slug, { tenant, schema, storeId: store!.id });
  return {
    tenant,
    schema,
    storeId: store!.id,
    owner: catalogClient(world.app, tenant.host, tenant.owner),
    manager: catalogClient(world.app, tenant.host, manager),
    cashier: catalogClient(world.app, tenant.host, cashier),
  };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  etag: string | undefined;
  raw: string;
}

export interface CatalogClient {
  token: string;
  get<T = Record<string, unknown>>(url: string): Promise<Answer<T>>;
  post<T = Record<string, unknown>>(url: string, payload: object): Promise<Answer<T>>;
  patch<T = Record<string, unknown>>(url: string, payload: object, ifMatch?: string): Promise<Answer<T>>;
  delete(url: string, ifMatch?: string): Promise<Answer>;
}

export function catalogClient(app: PosApi, host: string, session: SignedIn): CatalogClient {
  const call = async <T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    ifMatch?: string,
  ) => {
    const response = await app.inject({
      method,
      url,
      headers: {
        host,
        ...bearer(session.accessToken),
        ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
      },
      ...(payload === undefined ? {} : { payload }),
    });
    const etag = response.headers.etag;
    return {
      status: response.statusCode,
      body: (response.body === '' ? null : response.json()) as T,
      etag: typeof etag === 'string' ? etag : undefined,
      raw: response.body,
    };
  };
  return {
    token: session.accessToken,
    get: (url) => call('GET', url),
    post: (url, payload) => call('POST', url, payload),
    patch: (url, payload, ifMatch) => call('PATCH', url, payload, ifMatch),
    delete: (url, ifMatch) => call('DELETE', url, undefined, ifMatch),
  };
}

/** Asserts the status (showing the body when it differs) and returns the body. */
export function expectStatus<T>(answer: Answer<T>, status: number): T {
  expect(answer.status, answer.raw).toBe(status);
  return answer.body;
}

export interface Taxes {
  vatId: string;
  reducedId: string;
  standardCategoryId: string;
  foodCategoryId: string;
}

/** VAT 19 % and 7 % (inclusive) with a STANDARD and a FOOD tax category. */
export async function createTaxes(client: CatalogClient): Promise<Taxes> {
  const vat = expectStatus(
    await client.post<{ id: string }>('/v1/catalog/tax-rates', {
      code: 'VAT19',
      name: 'MwSt 19%',
      rate: '19',
      inclusive: true,
    }),
    201,
  );
  const reduced = expectStatus(
    await client.post<{ id: string }>('/v1/catalog/tax-rates', {
      code: 'VAT7',
      name: 'MwSt 7%',
      rate: '7.000',
      inclusive: true,
    }),
    201,
  );
  const standard = expectStatus(
    await client.post<{ id: string }>('/v1/catalog/tax-categories', {
      code: 'STANDARD',
      name: 'Standard',
      taxRateIds: [vat.id],
    }),
    201,
  );
  const food = expectStatus(
    await client.post<{ id: string }>('/v1/catalog/tax-categories', {
      code: 'FOOD',
      name: 'Food',
      taxRateIds: [reduced.id],
    }),
    201,
  );
  return { vatId: vat.id, reducedId: reduced.id, standardCategoryId: standard.id, foodCategoryId: food.id };
}

/** Outbox rows of a tenant, oldest first. */
export async function outboxRows(
  world: CatalogWorld,
  schema: string,
  afterId = '0',
): Promise<{ id: string; subject: string; payload: Record<string, unknown>; traceparent: string | null }[]> {
  return world.admin.em
    .getConnection()
    .execute(
      `select id::text as id, subject, payload, traceparent from "${schema}".outbox_event where id > ? order by id`,
      [afterId],
    );
}

export async function lastOutboxId(world: CatalogWorld, schema: string): Promise<string> {
  const [row] = await world.admin.em
    .getConnection()
    .execute<{ id: string }[]>(`select coalesce(max(id), 0)::text as id from "${schema}".outbox_event`);
  return row!.id;
}
