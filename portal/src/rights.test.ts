import { describe, expect, it } from 'vitest';
import { ACCOUNT_RIGHTS, can, type AccountRight } from '../app/rights.ts';

describe('account rights', () => {
  it.each<[AccountRight, boolean, boolean]>([
    ['billing.manage', true, false],
    ['members.invite_owner', true, false],
    ['members.invite_manager', true, true],
    ['members.manage', true, false],
    ['stores.manage', true, true],
    ['stores.open_close', true, false],
    ['settings.manage', true, false],
  ])('%s: owner %s, manager %s', (right, owner, manager) => {
    expect(can('owner', right)).toBe(owner);
    expect(can('manager', right)).toBe(manager);
  });

  it('lists every right in the table above', () => {
    expect(Object.keys(ACCOUNT_RIGHTS).sort()).toEqual([
      'billing.manage',
      'members.invite_manager',
      'members.invite_owner',
      'members.manage',
      'settings.manage',
      'stores.manage',
      'stores.open_close',
    ]);
  });
});
