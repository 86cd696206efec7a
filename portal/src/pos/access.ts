// Which tenant's POS API a portal user may reach, and as whom: only a provisioned tenant of the
// user's own account (another account's slug is "not found", never "forbidden"), with the user's
// account role as the portal token's role.
import type pg from 'pg';
import type { PortalUser } from '../accounts.ts';
import { PortalError } from '../errors.ts';
import type { PosApi } from './client.ts';

export interface ManagedTenant {
  slug: string;
  displayName: string;
  currency: string;
  /** BCP 47: the Tenant's spec.locale, as its receipts use it (the CRD's default en-US when unset). */
  locale: string;
  /** IANA: the Tenant's spec.timezone, where its business days start (the CRD's default UTC when unset). */
  timezone: string;
  /** The signed-in user's role in the account, and so in the tenant's API. */
  role: PortalUser['role'];
  /** Where the tenant's till runs (`/till/` on the tenant's host): new registers open it to pair. */
  tillUrl: string;
}

export interface StoreAccess {
  tenant: ManagedTenant;
  api: PosApi;
}

export async function storeAccess(
  db: pg.Pool,
  clientFor:
    ((tenant: { slug: string; portalUserId: string; role: PortalUser['role'] }) => PosApi) | undefined,
  user: PortalUser,
  slug: string,
  tenantUrl: (slug: string) => string,
): Promise<StoreAccess> {
  const { rows } = await db.query<{
    slug: string;
    display_name: string;
    currency: string;
    locale: string | null;
    timezone: string | null;
    state: string;
  }>(
    `select slug, display_name, currency, manifest -> 'spec' ->> 'locale' as locale,
            manifest -> 'spec' ->> 'timezone' as timezone, state
     from platform.tenant where slug = $1 and account_id = $2`,
    [slug, user.accountId],
  );
  const row = rows[0];
  if (!row) throw new PortalError('not_found', 'No such store in your account.');
  if (row.state !== 'provisioned')
    throw new PortalError(
      'not_ready',
      'This store is still being set up. Store management opens once it is ready.',
    );
  if (!clientFor)
    throw new PortalError(
      'not_ready',
      'Store management is not configured on this portal (PORTAL_TOKEN_SECRET).',
    );
  return {
    tenant: {
      slug: row.slug,
      displayName: row.display_name,
      currency: row.currency,
      locale: row.locale ?? 'en-US',
      timezone: row.timezone ?? 'UTC',
      role: user.role,
      tillUrl: new URL('/till/', tenantUrl(row.slug)).toString(),
    },
    api: clientFor({ slug: row.slug, portalUserId: user.id, role: user.role }),
  };
}
