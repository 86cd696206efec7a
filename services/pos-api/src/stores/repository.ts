// The stores of a tenant: the one owner of the `store` table (through the ORM). Every change is
// audited in its own transaction; a closed store keeps its history and sells no more.
import { Store } from '@cloudpos/tenant-db';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { ExpectedVersion } from '../catalog/index.ts';
import { problem } from '../errors.ts';
import { recordAudit } from '../staff/audit.ts';
import type { RequestContext } from '../tenancy/context.ts';

export interface StoreView {
  id: string;
  code: string;
  name: string;
  timezone: string;
  currency: string;
  closedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewStore {
  code: string;
  name: string;
  timezone?: string;
  currency?: string;
}

export interface StorePatch {
  name?: string;
  timezone?: string;
}

export function storeView(store: Store): StoreView {
  return {
    id: store.id,
    code: store.code,
    name: store.name,
    timezone: store.timezone,
    currency: store.currency,
    closedAt: store.closedAt?.toISOString() ?? null,
    version: store.version,
    createdAt: store.createdAt.toISOString(),
    updatedAt: store.updatedAt.toISOString(),
  };
}

/** An IANA zone the runtime knows (receipts and reports are dated in it). */
function assertTimeZone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw problem('validation_failed', `timezone: ${JSON.stringify(timezone)} is not an IANA time zone`, {
      extensions: {
        errors: [{ path: '/timezone', message: 'must be an IANA time zone such as Europe/Berlin' }],
      },
    });
  }
}

export async function listStores(ctx: RequestContext, includeClosed = false): Promise<StoreView[]> {
  const stores = await ctx.em.find(Store, includeClosed ? {} : { closedAt: null }, {
    orderBy: { code: 'asc' },
  });
  return stores.map(storeView);
}

export async function getStore(ctx: RequestContext, id: string): Promise<StoreView> {
  const store = await ctx.em.findOne(Store, { id });
  if (!store) throw problem('store_not_found', `no store ${id}`);
  return storeView(store);
}

export async function createStore(ctx: RequestContext, input: NewStore): Promise<StoreView> {
  const timezone = input.timezone ?? ctx.tenant.timezone;
  assertTimeZone(timezone);
  try {
    return await ctx.em.transactional(async (em) => {
      const store = em.create(Store, {
        id: randomUUID(),
        code: input.code,
        name: input.name,
        timezone,
        currency: input.currency ?? ctx.tenant.currency,
      });
      recordAudit(
        ctx,
        { action: 'store.create', outcome: 'succeeded', target: { type: 'store', id: store.id } },
        em,
      );
      await em.flush();
      return storeView(store);
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException)
      throw problem('store_code_taken', `another store has the code ${input.code}`);
    throw error;
  }
}

/** Changes name or time zone; the code stays (receipt numbers carry it). */
export async function updateStore(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
  patch: StorePatch,
): Promise<StoreView> {
  if (patch.timezone !== undefined) assertTimeZone(patch.timezone);
  return ctx.em.transactional(async (em) => {
    const store = await lockedStore(em, id, expected);
    Object.assign(store, patch, { updatedAt: new Date() });
    recordAudit(
      ctx,
      { action: 'store.update', outcome: 'succeeded', target: { type: 'store', id }, detail: { ...patch } },
      em,
    );
    await em.flush();
    return storeView(store);
  });
}

/** Closes a store: it keeps its sales and stock, and sells no more. The last open store stays. */
export async function closeStore(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
): Promise<StoreView> {
  return ctx.em.transactional(async (em) => {
    const store = await lockedStore(em, id, expected);
    if (store.closedAt) return storeView(store);
    // Lock every open store, so two closes at once cannot both pass the check.
    const open = await em.find(Store, { closedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (open.length <= 1) throw problem('last_open_store', `${store.code} is the tenant's only open store`);
    store.closedAt = new Date();
    store.updatedAt = store.closedAt;
    recordAudit(ctx, { action: 'store.close', outcome: 'succeeded', target: { type: 'store', id } }, em);
    await em.flush();
    return storeView(store);
  });
}

async function lockedStore(em: RequestContext['em'], id: string, expected: ExpectedVersion): Promise<Store> {
  const store = await em.findOne(Store, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!store) throw problem('store_not_found', `no store ${id}`);
  if (expected !== '*' && expected !== store.version) {
    // The catalog's optimistic-concurrency contract (ETag / If-Match), with its code.
    throw problem('version_conflict', `store ${store.code} is at version ${store.version}`, {
      extensions: { currentVersion: store.version },
    });
  }
  return store;
}
