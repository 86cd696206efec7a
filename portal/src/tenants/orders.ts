// A merchant's tenants: ordering one (reserve the slug, open a Stripe Checkout), reading them back
// only within the merchant's own account, and finishing provisioning (the retry loop calls this too,
// so a paid tenant whose creation failed is finished later, never forgotten).
import type pg from 'pg';
import type Stripe from 'stripe';
import type { z } from 'zod';
import type { choosePlanSchema } from '../../app/forms.ts';
import type { PortalUser } from '../accounts.ts';
import { audit } from '../audit.ts';
import type { PlanName } from '../config.ts';
import { can } from '../../app/rights.ts';
import { PortalError } from '../errors.ts';
import type { TenantManifest } from './manifest.ts';
import type { ObservedTenant, TenantProvisioner } from './provisioner.ts';

export interface OrdersContext {
  db: pg.Pool;
  stripe: Stripe;
  prices: Record<PlanName, string>;
  publicUrl: string;
  provisioner: TenantProvisioner;
  graceSeconds: number;
  /**
   * The first owner's setup code of a Ready tenant, read from its POS API with the owner's portal
   * token; undefined once the tenant has staff, or when the API cannot be asked.
   */
  setupCode?: (slug: string, user: PortalUser) => Promise<string | undefined>;
}

export type TenantState = 'awaiting_payment' | 'provisioning' | 'provisioned' | 'failed';

export interface TenantSummary {
  id: string;
  slug: string;
  displayName: string;
  plan: string;
  state: TenantState;
}

export async function tenantsOf(db: pg.Pool, accountId: string): Promise<TenantSummary[]> {
  const { rows } = await db.query<{
    id: string;
    slug: string;
    display_name: string;
    plan: string;
    state: TenantState;
  }>(
    'select id, slug, display_name, plan, state from platform.tenant where account_id = $1 order by created_at',
    [accountId],
  );
  return rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    displayName: row.display_name,
    plan: row.plan,
    state: row.state,
  }));
}

/** Reserves the slug and returns the URL of Stripe's Checkout page for the plan. */
export async function orderTenant(
  ctx: OrdersContext,
  user: PortalUser,
  input: z.output<typeof choosePlanSchema>,
): Promise<string> {
  if (!user.emailVerified)
    throw new PortalError('email_not_verified', 'Confirm your e-mail address first (see your inbox).');
  if (!can(user.role, 'billing.manage'))
    throw new PortalError('forbidden', 'Only an owner of the account can choose plans and pay.');
  const existing = await ctx.db.query<{ id: string; account_id: string; state: TenantState }>(
    'select id, account_id, state from platform.tenant where slug = $1',
    [input.slug],
  );
  let tenantId = existing.rows[0]?.id;
  const ownRetry =
    existing.rows[0]?.account_id === user.accountId && existing.rows[0]?.state === 'awaiting_payment';
  if (tenantId && !ownRetry) throw slugTaken();
  if (ownRetry) {
    await ctx.db.query(
      'update platform.tenant set plan = $2, display_name = $3, currency = $4, updated_at = now() where id = $1',
      [tenantId, input.plan, input.storeName, input.currency],
    );
  } else {
    const inserted = await ctx.db
      .query<{ id: string }>(
        `insert into platform.tenant (account_id, slug, display_name, plan, currency, state)
         values ($1, $2, $3, $4, $5, 'awaiting_payment') returning id`,
        [user.accountId, input.slug, input.storeName, input.plan, input.currency],
      )
      .catch((error: unknown) => {
        throw (error as { code?: string }).code === '23505' ? slugTaken() : error;
      });
    tenantId = inserted.rows[0]!.id;
  }
  if (!tenantId) throw new Error('no tenant row after reserving the slug');
  let session: Stripe.Checkout.Session;
  try {
    const customer = await stripeCustomerOf(ctx, user);
    session = await ctx.stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price: ctx.prices[input.plan], quantity: 1 }],
        client_reference_id: tenantId,
        customer,
        metadata: { tenant_id: tenantId, slug: input.slug, account_id: user.accountId },
        subscription_data: {
          description: `${input.storeName} (${input.slug})`,
          metadata: { tenant_id: tenantId, slug: input.slug },
        },
        success_url: new URL(
          `/tenants/${input.slug}?session_id={CHECKOUT_SESSION_ID}`,
          ctx.publicUrl,
        ).toString(),
        cancel_url: new URL('/plans', ctx.publicUrl).toString(),
      },
      // Our own durable id: a double click opens the same session instead of two.
      { idempotencyKey: `cloudpos:portal:checkout:${tenantId}:${input.plan}` },
    );
  } catch {
    throw new PortalError(
      'billing_unavailable',
      'Payments are unavailable right now. Try again in a minute.',
    );
  }
  await ctx.db.query('update platform.tenant set checkout_session_id = $2 where id = $1', [
    tenantId,
    session.id,
  ]);
  await audit(ctx.db, {
    accountId: user.accountId,
    userId: user.id,
    action: 'tenant.checkout_started',
    detail: { slug: input.slug, plan: input.plan },
  });
  if (!session.url) throw new PortalError('billing_unavailable', 'Stripe returned no Checkout page.');
  return session.url;
}

/**
 * The account's one Stripe customer, created with its first order: every tenant of the account is a
 * subscription of it, so Stripe's customer portal shows them all with one card and one invoice list.
 * Stripe's idempotency key makes concurrent first orders create one customer; the row keeps the first.
 */
async function stripeCustomerOf(ctx: OrdersContext, user: PortalUser): Promise<string> {
  const stored = await ctx.db.query<{ stripe_customer_id: string | null; name: string }>(
    'select stripe_customer_id, name from platform.account where id = $1',
    [user.accountId],
  );
  const account = stored.rows[0];
  if (!account) throw new Error(`account ${user.accountId} not found`);
  if (account.stripe_customer_id) return account.stripe_customer_id;
  const customer = await ctx.stripe.customers.create(
    { email: user.email, name: account.name, metadata: { account_id: user.accountId } },
    { idempotencyKey: `cloudpos:portal:customer:${user.accountId}` },
  );
  const kept = await ctx.db.query<{ stripe_customer_id: string }>(
    `update platform.account set stripe_customer_id = coalesce(stripe_customer_id, $2)
     where id = $1 returning stripe_customer_id`,
    [user.accountId, customer.id],
  );
  return kept.rows[0]!.stripe_customer_id;
}

const slugTaken = () =>
  new PortalError('slug_taken', 'This web address is taken. Choose another one.', 'slug');

export interface TenantView extends TenantSummary {
  /** The subscription's state as last read from Stripe; `graceEndsAt` while a payment is failing. */
  billing: { status: string; graceEndsAt: string | null; suspended: boolean } | null;
  /** Suspended by a platform operator (not for billing): only CloudPOS can lift it. */
  suspendedByOperator: boolean;
  observed: ObservedTenant | undefined;
  lastError: string | null;
  /** The first owner's one-time setup code, once the tenant is Ready and until it has staff. */
  setupCode: string | undefined;
}

/** One tenant of the user's account; another account's slug is "not found", never "forbidden". */
export async function tenantOf(ctx: OrdersContext, user: PortalUser, slug: string): Promise<TenantView> {
  const { rows } = await ctx.db.query<{
    id: string;
    slug: string;
    display_name: string;
    plan: string;
    state: TenantState;
    last_error: string | null;
    status: string | null;
    grace_ends_at: Date | null;
    suspended: boolean | null;
    operator_suspended: boolean;
  }>(
    `select t.id, t.slug, t.display_name, t.plan, t.state, t.last_error, s.status,
            t.operator_suspended_at is not null as operator_suspended,
            s.past_due_since + make_interval(secs => $3) as grace_ends_at,
            (t.manifest -> 'spec' ->> 'suspended')::boolean as suspended
     from platform.tenant t left join platform.subscription s on s.tenant_id = t.id
     where t.slug = $1 and t.account_id = $2`,
    [slug, user.accountId, ctx.graceSeconds],
  );
  const row = rows[0];
  if (!row) throw new PortalError('not_found', 'No such store in your account.');
  const observed = row.state === 'awaiting_payment' ? undefined : await ctx.provisioner.observe(slug);
  const ready = observed?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return {
    id: row.id,
    slug: row.slug,
    displayName: row.display_name,
    plan: row.plan,
    state: row.state,
    lastError: row.last_error,
    billing: row.status
      ? {
          status: row.status,
          graceEndsAt: row.grace_ends_at?.toISOString() ?? null,
          suspended: row.suspended ?? false,
        }
      : null,
    suspendedByOperator: row.operator_suspended,
    observed,
    setupCode: ready && can(user.role, 'billing.manage') ? await ctx.setupCode?.(slug, user) : undefined,
  };
}

/** Applies the stored manifest of a paid tenant; on failure the error is kept and retried later. */
export async function provisionTenant(ctx: Pick<OrdersContext, 'db' | 'provisioner'>, tenantId: string) {
  const { rows } = await ctx.db.query<{ manifest: TenantManifest; account_id: string; slug: string }>(
    `select manifest, account_id, slug from platform.tenant where id = $1 and state = 'provisioning'`,
    [tenantId],
  );
  const row = rows[0];
  if (!row) return;
  try {
    await ctx.provisioner.apply(row.manifest);
    await ctx.db.query(
      `update platform.tenant set state = 'provisioned', last_error = null, updated_at = now() where id = $1`,
      [tenantId],
    );
    await audit(ctx.db, {
      accountId: row.account_id,
      userId: null,
      action: 'tenant.applied',
      detail: { slug: row.slug },
    });
  } catch (error) {
    await ctx.db.query('update platform.tenant set last_error = $2, updated_at = now() where id = $1', [
      tenantId,
      (error as Error).message.slice(0, 2000),
    ]);
  }
}

/** Paid tenants whose creation has not gone through yet (a crash, an unreachable cluster). */
export async function pendingTenantIds(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from platform.tenant where state = 'provisioning' order by updated_at limit 50`,
  );
  return rows.map((row) => row.id);
}
