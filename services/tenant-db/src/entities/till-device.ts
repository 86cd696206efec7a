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
    /**
     * The register's code in receipt numbers (T1, T2, ...): given by the database from the schema's
     * register_code_seq, unique, never changed. (The default names the sequence by the tenant's
     * schema, so the schema generator is told not to compare it.)
     */
    code: p
      .string()
      .length(16)
      .unique()
      .defaultRaw(`('T'::text || nextval('register_code_seq'::regclass))`)
      .ignoreSchemaChanges('default'),
    store: p.manyToOne(Store).nullable(),
    secretHash: p.string().length(64).lazy(),
    registeredBy: p.manyToOne(StaffMember).nullable(),
    revokedAt: p.datetime().nullable(),
    lastSeenAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export type TillDevice = InferEntity<typeof TillDevice>;
