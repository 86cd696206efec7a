// The platform operators' side of the portal: their own logins (platform.admin_user, made with
// `npm run platform-admin`, never from a merchant account) and sessions (another cookie, another
// table: a merchant's session id is nothing here), and the overview of every tenant.
import { Secret, TOTP } from 'otpauth';
import { createCookie, type Cookie } from 'react-router';
import type pg from 'pg';
import { audit } from './audit.ts';
import { PortalError } from './errors.ts';
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts';
import { clearLimit, hitLimit } from './rate-limit.ts';
import { sessionStore } from './sessions.ts';
import type { ObservedTenant, TenantClusterEvent, TenantProvisioner } from './tenants/provisioner.ts';

const ADMIN_SESSION_HOURS = 8;

export interface PlatformAdmin {
  id: string;
  email: string;
}

export interface AdminSessions {
  create(adminId: string): Promise<string>;
  adminOf(request: Request): Promise<PlatformAdmin | undefined>;
  destroy(request: Request): Promise<string>;
}

/**
 * SameSite strict: no cross-site navigation carries it. Its path is `/`, not `/admin`: React Router
 * fetches the data of /admin from `/admin.data`, which a cookie for `/admin` does not reach. Only the
 * operators' pages read it.
 */
export function adminCookie(secrets: string[], secure: boolean): Cookie {
  return createCookie('cloudpos_admin', {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    secrets,
    maxAge: ADMIN_SESSION_HOURS * 3600,
  });
}

export function adminSessions(db: pg.Pool, cookie: Cookie): AdminSessions {
  const store = sessionStore(
    db,
    cookie,
    { name: 'admin_session', owner: 'admin_id', hours: ADMIN_SESSION_HOURS },
    async (id) =>
      (await db.query<PlatformAdmin>('select id, email from platform.admin_user where id = $1', [id]))
        .rows[0],
  );
  return { create: store.create, adminOf: store.ownerOf, destroy: store.destroy };
}

const TOTP_ISSUER = 'CloudPOS platform';
const totpOf = (email: string, secret: string) =>
  new TOTP({ issuer: TOTP_ISSUER, label: email, secret: Secret.fromBase32(secret) });

/**
 * Makes (or gives a new password to) a platform operator; for the CLI, never reachable from a page.
 * A new operator, one without a second factor yet, or `newSecondFactor` gets a new TOTP secret, whose
 * otpauth:// URI (for their authenticator app) is returned this once.
 */
export async function upsertAdmin(
  db: Pick<pg.Pool, 'query'>,
  email: string,
  password: string,
  options: { newSecondFactor?: boolean } = {},
): Promise<{ outcome: 'created' | 'updated'; totpUri: string | undefined }> {
  const address = email.trim().toLowerCase();
  const secret = new Secret({ size: 20 }).base32;
  const { rows } = await db.query<{ created: boolean; enrolled: boolean }>(
    `insert into platform.admin_user (email, password_hash, totp_secret) values ($1, $2, $3)
     on conflict ((lower(email))) do update set password_hash = excluded.password_hash,
       totp_secret = case when $4 or admin_user.totp_secret is null then excluded.totp_secret
                          else admin_user.totp_secret end,
       totp_last_step = case when $4 or admin_user.totp_secret is null then null
                             else admin_user.totp_last_step end
     returning (xmax = 0) as created, totp_secret = $3 as enrolled`,
    [address, await hashPassword(password), secret, options.newSecondFactor ?? false],
  );
  const { created, enrolled } = rows[0]!;
  // A new password ends every session of that operator.
  if (!created)
    await db.query(
      'delete from platform.admin_session where admin_id = (select id from platform.admin_user where lower(email) = $1)',
      [address],
    );
  return {
    outcome: created ? 'created' : 'updated',
    totpUri: enrolled ? totpOf(address, secret).toString() : undefined,
  };
}

/**
 * Whether `code` is the operator's current TOTP code (or the one just before or after, for clocks
 * a little apart), used at most once: a code already accepted, or an older one, is refused.
 */
async function acceptCode(
  db: Pick<pg.Pool, 'query'>,
  admin: { id: string; email: string; totp_secret: string },
  code: string,
) {
  const totp = totpOf(admin.email, admin.totp_secret);
  const delta = totp.validate({ token: code, window: 1 });
  if (delta === null) return false;
  const step = totp.counter() + delta;
  const { rowCount } = await db.query(
    `update platform.admin_user set totp_last_step = $2
     where id = $1 and (totp_last_step is null or totp_last_step < $2)`,
    [admin.id, step],
  );
  return rowCount === 1;
}

export async function adminLogIn(
  db: pg.Pool,
  input: { email: string; password: string; code: string },
  clientAddress: string,
): Promise<string> {
  const byAddress = await hitLimit(db, {
    key: `admin-login:ip:${clientAddress}`,
    max: 20,
    windowSeconds: 900,
  });
  const byEmail = await hitLimit(db, { key: `admin-login:email:${input.email}`, max: 5, windowSeconds: 900 });
  if (!byAddress || !byEmail)
    throw new PortalError('rate_limited', 'Too many attempts. Wait a few minutes and try again.');
  const { rows } = await db.query<{
    id: string;
    email: string;
    password_hash: string;
    totp_secret: string | null;
  }>('select id, email, password_hash, totp_secret from platform.admin_user where lower(email) = $1', [
    input.email,
  ]);
  const admin = rows[0];
  const ok = await verifyPassword(input.password, admin?.password_hash ?? (await decoyHash()));
  // One answer for any wrong part: which one was right is not for a guesser to learn.
  const wrong = () =>
    new PortalError('invalid_credentials', 'The e-mail, the password or the code is not right.');
  if (!admin || !ok) throw wrong();
  if (!admin.totp_secret)
    throw new PortalError(
      'invalid_credentials',
      'This login has no second factor yet. Run `npm run platform-admin -- add <e-mail>` again to set one up.',
    );
  if (!(await acceptCode(db, { ...admin, totp_secret: admin.totp_secret }, input.code))) throw wrong();
  await clearLimit(db, `admin-login:email:${input.email}`);
  await audit(db, { accountId: null, userId: null, adminId: admin.id, action: 'admin.logged_in' });
  return admin.id;
}

export interface AdminTenantEvent {
  id: string;
  at: string;
  action: string;
}

export interface AdminTenantRow {
  slug: string;
  displayName: string;
  accountName: string;
  plan: string;
  /** The portal's own state of the order: awaiting_payment, provisioning, provisioned, failed. */
  state: string;
  lastError: string | null;
  observed: ObservedTenant | undefined;
  /** Why the operator's view could not be read (an unreachable cluster), if it could not. */
  observeError: string | null;
  billing: { status: string; pastDueSince: string | null; graceEndsAt: string | null } | null;
  suspended: boolean;
  operatorSuspension: { at: string; by: string | null; reason: string | null } | null;
  /** The platform's audit events of the tenant, newest first. */
  events: AdminTenantEvent[];
  /**
   * The Tenant's Kubernetes Events (what the operator recorded), newest first; null without a
   * cluster, or while the portal's watch of them is not whole yet.
   */
  clusterEvents: TenantClusterEvent[] | null;
}

/** How many of a tenant's Kubernetes Events the list shows. */
const CLUSTER_EVENTS_SHOWN = 5;

export interface AdminTenantQuery {
  /** Part of the slug, the store's name, the account's name or an account member's e-mail. */
  q?: string;
  /** The page after this cursor (`next` of the page before). */
  after?: string;
}

export interface AdminTenantPage {
  items: AdminTenantRow[];
  /** The cursor of the next (older) page, when there is one. */
  next: string | undefined;
}

export const ADMIN_PAGE_SIZE = 50;

/** A page's position: the last tenant's creation time and id, newest first. */
const cursorOf = (createdAt: string, id: string) =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
function parseCursor(cursor: string | undefined): [string, string] | undefined {
  if (!cursor) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && TIMESTAMP.test(at) && typeof id === 'string' && UUID.test(id))
      return [at, id];
  } catch {
    // Not one of ours: the first page.
  }
  return undefined;
}
/** PostgreSQL's text form of a timestamptz: 2026-12-06 20:10:23.134567+00. */
const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Tenants newest first, a page at a time, found by `q`, with what the operator and billing say about
 * each. A cursor that is not one of ours starts from the first page.
 */
export async function adminTenants(
  ctx: { db: pg.Pool; provisioner: TenantProvisioner; graceSeconds: number },
  query: AdminTenantQuery = {},
  limit = ADMIN_PAGE_SIZE,
): Promise<AdminTenantPage> {
  // Control characters (a NUL byte, which PostgreSQL refuses in text) match no tenant anyway.
  // eslint-disable-next-line no-control-regex
  const controls = /[\u0000-\u001f\u007f]/g;
  const q = query.q?.replace(controls, '').trim().slice(0, 100) ?? '';
  // ilike's wildcards in what was typed are literal.
  const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const after = parseCursor(query.after);
  const { rows } = await ctx.db.query<{
    id: string;
    /** Microseconds and all, as the cursor must compare it. */
    created_key: string;
    slug: string;
    display_name: string;
    account_name: string;
    plan: string;
    state: string;
    last_error: string | null;
    suspended: boolean | null;
    status: string | null;
    past_due_since: Date | null;
    grace_ends_at: Date | null;
    operator_suspended_at: Date | null;
    operator_suspended_by: string | null;
    operator_suspend_reason: string | null;
    events: AdminTenantEvent[];
  }>(
    `select t.id, t.created_at::text as created_key, t.slug, t.display_name, a.name as account_name, t.plan, t.state, t.last_error,
            (t.manifest -> 'spec' ->> 'suspended')::boolean as suspended,
            s.status, s.past_due_since, s.past_due_since + make_interval(secs => $2) as grace_ends_at,
            t.operator_suspended_at, t.operator_suspended_by, t.operator_suspend_reason,
            coalesce((select json_agg(e order by e.sort desc) from (
              select au.id::text as id, to_char(au.at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') as at,
                     au.action, au.at as sort
              from platform.audit au
              where au.account_id = t.account_id and au.action like 'tenant.%' and au.detail ->> 'slug' = t.slug
              order by au.at desc, au.id desc limit 5) e), '[]') as events
     from platform.tenant t join platform.account a on a.id = t.account_id
     left join platform.subscription s on s.tenant_id = t.id
     where ($3::text is null or t.slug ilike $3 or t.display_name ilike $3 or a.name ilike $3
            or exists (select 1 from platform.membership m join platform.app_user u on u.id = m.user_id
                       where m.account_id = t.account_id and u.email ilike $3))
       and ($4::timestamptz is null or (t.created_at, t.id) < ($4::timestamptz, $5::uuid))
     order by t.created_at desc, t.id desc limit $1`,
    [limit + 1, ctx.graceSeconds, pattern, after?.[0] ?? null, after?.[1] ?? null],
  );
  const more = rows.length > limit;
  if (more) rows.pop();
  // One watch's cache when the provisioner keeps one (in a cluster), else one read per tenant.
  const all = ctx.provisioner.observedAll?.();
  const observe = async (slug: string) => {
    if (all) return { observed: all.get(slug), observeError: null };
    try {
      return { observed: await ctx.provisioner.observe(slug), observeError: null };
    } catch (error) {
      return { observed: undefined, observeError: (error as Error).message.slice(0, 300) };
    }
  };
  const eventsOf = clusterEventsByTenant(ctx.provisioner.clusterEvents?.());
  const items = await Promise.all(
    rows.map(async (row) => ({
      ...(row.state === 'awaiting_payment'
        ? { observed: undefined, observeError: null }
        : await observe(row.slug)),
      slug: row.slug,
      displayName: row.display_name,
      accountName: row.account_name,
      plan: row.plan,
      state: row.state,
      lastError: row.last_error,
      billing: row.status
        ? {
            status: row.status,
            pastDueSince: row.past_due_since?.toISOString() ?? null,
            graceEndsAt: row.grace_ends_at?.toISOString() ?? null,
          }
        : null,
      suspended: row.suspended ?? false,
      operatorSuspension: row.operator_suspended_at
        ? {
            at: row.operator_suspended_at.toISOString(),
            by: row.operator_suspended_by,
            reason: row.operator_suspend_reason,
          }
        : null,
      events: row.events.map((event) => ({ id: event.id, at: event.at, action: event.action })),
      clusterEvents: eventsOf ? (eventsOf.get(row.slug) ?? []) : null,
    })),
  );
  const last = rows.at(-1);
  return { items, next: more && last ? cursorOf(last.created_key, last.id) : undefined };
}

/** The newest Events of each Tenant, from the watch's cache (every Tenant's, an hour's worth). */
function clusterEventsByTenant(
  all: ReadonlyMap<string, TenantClusterEvent> | undefined,
): Map<string, TenantClusterEvent[]> | undefined {
  if (!all) return undefined;
  const byTenant = new Map<string, TenantClusterEvent[]>();
  for (const event of all.values()) {
    const list = byTenant.get(event.tenant);
    if (list) list.push(event);
    else byTenant.set(event.tenant, [event]);
  }
  for (const [tenant, list] of byTenant) {
    byTenant.set(
      tenant,
      list.toSorted((a, b) => (b.at ?? '').localeCompare(a.at ?? '')).slice(0, CLUSTER_EVENTS_SHOWN),
    );
  }
  return byTenant;
}
