import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A physical or online store of a tenant. Wildcard schema: it lives in every tenant's schema. */
export const Store = defineEntity({
  name: 'Store',
  tableName: 'store',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    code: p.string().length(32).unique(),
    name: p.string().length(200),
    timezone: p.string().length(64),
    currency: p.string().length(3),
    /** Closed stores keep their history but sell no more; null while open. */
    closedAt: p.datetime().nullable(),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export type Store = InferEntity<typeof Store>;
