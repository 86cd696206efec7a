import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { StaffMember } from './staff-member.ts';
import { Store } from './store.ts';

/**
 * A till registered by an owner or manager. Its secret is shown once at registration and kept only
 * as a SHA-256 hash (it is 256 random bits, so a slow hash adds nothing). PIN sign-in needs it.
 */
export const TillDevice = defineEntity({
  name: 'TillDevice',
  tableName: 'till_device',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(100),
    store: p.manyToOne(Store).nullable(),
    secretHash: p.string().length(64).lazy(),
    registeredBy: p.manyToOne(StaffMember).nullable(),
    revokedAt: p.datetime().nullable(),
    lastSeenAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export type TillDevice = InferEntity<typeof TillDevice>;
