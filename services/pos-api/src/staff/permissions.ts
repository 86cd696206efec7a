// The permission matrix: what each role may do, pure and table-tested. `needs-approval` means the
// action goes ahead only with a manager's PIN approval for exactly that action (X-Approval-Id).
import type { StaffRole } from '@cloudpos/tenant-db';

export const ACTIONS = [
  'discount.overLimit',
  'price.override',
  'sale.refund',
  'sale.void',
  'drawer.open',
  'till.goOffline',
  'catalog.write',
  'staff.manage',
  'device.register',
  'audit.read',
  'store.manage',
  'settings.manage',
  'reports.read',
  'receipt.email',
] as const;

export type Action = (typeof ACTIONS)[number];
export type Decision = 'allow' | 'deny' | 'needs-approval';

const A = 'allow';
const D = 'deny';
const N = 'needs-approval';

/** Rows: actions; columns: owner, manager, cashier. */
const MATRIX: Record<Action, readonly [owner: Decision, manager: Decision, cashier: Decision]> = {
  'discount.overLimit': [A, A, N],
  'price.override': [A, A, N],
  'sale.refund': [A, A, N],
  'sale.void': [A, A, N],
  'drawer.open': [A, A, N],
  'till.goOffline': [A, A, N],
  'catalog.write': [A, A, D],
  'staff.manage': [A, A, D],
  'device.register': [A, A, D],
  'audit.read': [A, A, D],
  // Opening and closing stores changes what the business is: owners only.
  'store.manage': [A, D, D],
  // Rounding, discount limits and offline limits change how money is taken: owners only.
  'settings.manage': [A, D, D],
  // The business's takings (the day's sales figures): not a cashier's to browse.
  'reports.read': [A, A, D],
  // Every cashier may e-mail a customer their receipt; the route limits how often (per till, per
  // tenant, per sale), and the audit log keeps who sent which sale where (the address shortened).
  'receipt.email': [A, A, A],
};

const COLUMN: Record<StaffRole, 0 | 1 | 2> = { owner: 0, manager: 1, cashier: 2 };

export function decide(role: StaffRole, action: Action): Decision {
  return MATRIX[action][COLUMN[role]];
}

export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

/**
 * Whether `actor` may create a staff member with `role`, or change one who has it (or give it to
 * them). Owners manage everyone; managers manage cashiers only; nobody can raise anyone above what
 * they could create.
 */
export function canManageRole(actor: StaffRole, role: StaffRole): boolean {
  if (actor === 'owner') return true;
  if (actor === 'manager') return role === 'cashier';
  return false;
}

/** Whether a staff member with `role` can approve `action` for someone else (with their PIN). */
export function canApprove(role: StaffRole, action: Action): boolean {
  return decide(role, action) === 'allow' && MATRIX[action].includes(N);
}
