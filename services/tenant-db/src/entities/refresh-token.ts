import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { StaffMember } from './staff-member.ts';
import { TillDevice } from './till-device.ts';

/**
 * One refresh token of a sign-in (a family). Each refresh uses the token up and issues the next one
 * of the same family; presenting a used token again means it was copied, and the whole family is
 * revoked. Only the SHA-256 of the token is stored.
 */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    familyId: p.uuid().index(),
    tokenHash: p.string().length(64).unique(),
    staff: p.manyToOne(StaffMember),
    device: p.manyToOne(TillDevice),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export type RefreshToken = InferEntity<typeof RefreshToken>;
