import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { StaffMember } from './staff-member.ts';
import { TillDevice } from './till-device.ts';

/**
 * A manager's PIN approval of one action on one till: single use, bound to the action, the amount
 * (when the action has one) and the device, and valid for a short time.
 */
export const ManagerApproval = defineEntity({
  name: 'ManagerApproval',
  tableName: 'manager_approval',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    action: p.string().length(64),
    /** Minor units of the tenant's currency; null for actions without an amount. */
    amount: p.bigint('number').nullable(),
    approver: p.manyToOne(StaffMember),
    /** The staff member who asked (signed in on the device), if any. */
    requestedBy: p.manyToOne(StaffMember).nullable(),
    device: p.manyToOne(TillDevice),
    expiresAt: p.datetime(),
    consumedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export type ManagerApproval = InferEntity<typeof ManagerApproval>;
