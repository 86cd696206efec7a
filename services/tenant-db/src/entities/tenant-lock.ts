import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Named locks of a tenant's own work (the outbox relay, catalog bulk upserts), taken as row locks
 * (`select ... for update`). They live in the tenant's schema, so only the tenant's own role and the
 * platform can take them: advisory locks are global to the database and keyed by guessable names,
 * which let one tenant's credentials stall another's work (ADR 0009).
 */
export const TenantLock = defineEntity({
  name: 'TenantLock',
  tableName: 'tenant_lock',
  schema: '*',
  properties: {
    name: p.string().length(100).primary(),
  },
});

export type TenantLock = InferEntity<typeof TenantLock>;

/** The locks every tenant schema has (rows inserted by the migration that made the table). */
export const TENANT_LOCKS = {
  outboxRelay: 'outbox.relay',
  catalogBulk: 'catalog.bulk',
} as const;

export type TenantLockName = (typeof TENANT_LOCKS)[keyof typeof TENANT_LOCKS];
