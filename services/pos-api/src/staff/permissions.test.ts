import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  canApprove,
  canManageRole,
  decide,
  isAction,
  type Action,
  type Decision,
} from './permissions.ts';

// The whole matrix, written out: a change to a role's rights must change this table.
const EXPECTED: [Action, owner: Decision, manager: Decision, cashier: Decision][] = [
  ['discount.overLimit', 'allow', 'allow', 'needs-approval'],
  ['price.override', 'allow', 'allow', 'needs-approval'],
  ['sale.refund', 'allow', 'allow', 'needs-approval'],
  ['sale.void', 'allow', 'allow', 'needs-approval'],
  ['drawer.open', 'allow', 'allow', 'needs-approval'],
  ['till.goOffline', 'allow', 'allow', 'needs-approval'],
  ['catalog.write', 'allow', 'allow', 'deny'],
  ['staff.manage', 'allow', 'allow', 'deny'],
  ['device.register', 'allow', 'allow', 'deny'],
  ['audit.read', 'allow', 'allow', 'deny'],
  ['store.manage', 'allow', 'deny', 'deny'],
  ['settings.manage', 'allow', 'deny', 'deny'],
  ['reports.read', 'allow', 'allow', 'deny'],
  ['receipt.email', 'allow', 'allow', 'allow'],
];

describe('permission matrix', () => {
  it('covers every action exactly once', () => {
    expect(EXPECTED.map(([action]) => action).sort()).toEqual([...ACTIONS].sort());
  });

  it.each(EXPECTED)('%s: owner %s, manager %s, cashier %s', (action, owner, manager, cashier) => {
    expect(decide('owner', action)).toBe(owner);
    expect(decide('manager', action)).toBe(manager);
    expect(decide('cashier', action)).toBe(cashier);
  });

  it('knows its actions', () => {
    expect(isAction('sale.refund')).toBe(true);
    expect(isAction('sale.delete')).toBe(false);
  });
});

describe('who manages whom', () => {
  it.each([
    ['owner', 'owner', true],
    ['owner', 'manager', true],
    ['owner', 'cashier', true],
    ['manager', 'owner', false],
    ['manager', 'manager', false],
    ['manager', 'cashier', true],
    ['cashier', 'owner', false],
    ['cashier', 'manager', false],
    ['cashier', 'cashier', false],
  ] as const)('%s may manage a %s: %s', (actor, role, expected) => {
    expect(canManageRole(actor, role)).toBe(expected);
  });
});

describe('who approves what', () => {
  it.each([
    ['manager', 'sale.refund', true],
    ['owner', 'drawer.open', true],
    ['cashier', 'sale.refund', false],
    // Approval exists only for what a cashier may do with one; it never grants a denied action.
    ['manager', 'staff.manage', false],
    ['owner', 'catalog.write', false],
  ] as const)('a %s approves %s: %s', (role, action, expected) => {
    expect(canApprove(role, action)).toBe(expected);
  });
});
