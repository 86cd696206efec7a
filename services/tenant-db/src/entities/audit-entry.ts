import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * One sensitive action: who, what, on what, how much, approved by whom, on which till, when, in
 * which trace. Plain ids rather than foreign keys: the log outlives what it names.
 */
export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_entry',
  schema: '*',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    at: p.datetime().defaultRaw('now()').index(),
    action: p.string().length(64),
    /** allowed, approved, denied, succeeded, failed. */
    outcome: p.string().length(16),
    actorStaffId: p.uuid().nullable(),
    actorRole: p.string().length(16).nullable(),
    /** A merchant portal user acting through the portal (ADR 0015); then there is no staff member. */
    actorPortalUserId: p.uuid().nullable(),
    deviceId: p.uuid().nullable(),
    targetType: p.string().length(32).nullable(),
    targetId: p.string().length(64).nullable(),
    amount: p.bigint('number').nullable(),
    approverStaffId: p.uuid().nullable(),
    approvalId: p.uuid().nullable(),
    traceId: p.string().length(32).nullable(),
    detail: p.json<Record<string, unknown>>().nullable(),
  },
});

export type AuditEntry = InferEntity<typeof AuditEntry>;
