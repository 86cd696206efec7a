import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const STAFF_ROLES = ['owner', 'manager', 'cashier'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * A person who signs in on the tenant's tills with a PIN. Never deleted (the audit log names them):
 * deactivated instead. The PIN is stored as an scrypt hash of HMAC(pepper, PIN) with its own salt,
 * parameters and pepper version (`scrypt-hmac$v1$N$r$p$salt$hash`; older rows: `scrypt$N$r$p$salt$hash`);
 * the POS API writes it with bind parameters only, never through this entity. Failed attempts lock the
 * member out for a growing period.
 */
export const StaffMember = defineEntity({
  name: 'StaffMember',
  tableName: 'staff_member',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    /** The short code typed on the till's sign-in screen (digits or letters, unique per tenant). */
    code: p.string().length(16).unique(),
    displayName: p.string().length(100),
    role: p.enum(STAFF_ROLES),
    pinHash: p.string().length(200).lazy(),
    failedPinAttempts: p.integer().default(0),
    /** How many times in a row the member was locked out; each lockout lasts twice as long. */
    lockouts: p.integer().default(0),
    lockedUntil: p.datetime().nullable(),
    active: p.boolean().default(true),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export type StaffMember = InferEntity<typeof StaffMember>;
