// What each role of a merchant account may do in the portal: pure, shared by the server (which
// decides) and the pages (which only hide what would be refused). In a tenant's POS API the same
// role gets the same column of the API's permission matrix (ADR 0015): owners open and close
// stores and manage every staff member; managers run the catalog, tills and cashiers.
export const ACCOUNT_ROLES = ['owner', 'manager'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const ACCOUNT_RIGHTS = {
  /** Choose and pay for plans, order tenants, see the first owner's setup code. */
  'billing.manage': ['owner'],
  /** Invite owners to the merchant account (and revoke those invitations). */
  'members.invite_owner': ['owner'],
  /** Invite managers to the merchant account (and revoke those invitations). */
  'members.invite_manager': ['owner', 'manager'],
  /** Change members' roles and remove members (never the last owner). */
  'members.manage': ['owner'],
  /** Stores, registers, catalog, staff, audit and sales of the account's tenants (rights per the API). */
  'stores.manage': ['owner', 'manager'],
  /** Open, rename and close stores (the API's store.manage). */
  'stores.open_close': ['owner'],
  /** Change the tenant's settings: rounding, discount limit, offline limits, receipt text (settings.manage). */
  'settings.manage': ['owner'],
} as const satisfies Record<string, readonly AccountRole[]>;

export type AccountRight = keyof typeof ACCOUNT_RIGHTS;

export function can(role: AccountRole, right: AccountRight): boolean {
  return (ACCOUNT_RIGHTS[right] as readonly AccountRole[]).includes(role);
}
