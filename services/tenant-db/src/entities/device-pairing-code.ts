import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { StaffMember } from './staff-member.ts';
import { Store } from './store.ts';
import { TillDevice } from './till-device.ts';

/**
 * A one-time code an owner or manager makes so that a new register can pair itself without typing
 * a device id and secret. Only the SHA-256 of the normalized code is kept; it is valid for a few
 * minutes and used up by the one pairing it allows (which records the device it created).
 */
export const DevicePairingCode = defineEntity({
  name: 'DevicePairingCode',
  tableName: 'device_pairing_code',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    codeHash: p.string().length(64).unique(),
    /** The store the paired register sells in; null: the tenant's only open store at pairing. */
    store: p.manyToOne(Store).nullable(),
    /** The staff member who made the code; null when a portal user did (the audit log names them). */
    createdBy: p.manyToOne(StaffMember).nullable(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    /** The register this code paired. */
    device: p.manyToOne(TillDevice).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export type DevicePairingCode = InferEntity<typeof DevicePairingCode>;
