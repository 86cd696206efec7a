// What an owner does with a tenant's subscription from the portal: open Stripe's customer portal
// (card, invoices, plan) and switch plans here. A switch changes the subscription's price at Stripe;
// the Tenant's plan then follows the subscription as Stripe has it (syncSubscription), the same path
// a change made in Stripe's portal takes when its webhook arrives.
import type pg from 'pg';
import type Stripe from 'stripe';
import { can } from '../../app/rights.ts';
import type { PortalUser } from '../accounts.ts';
import { audit } from '../audit.ts';
import type { PlanName } from '../config.ts';
import { PortalError } from '../errors.ts';
import { syncSubscription, type LifecycleContext } from './lifecycle.ts';

export interface PlansContext {
  db: pg.Pool;
  stripe: Stripe;
  publicUrl: string;
  lifecycle: LifecycleContext;
}

function requireOwner(user: PortalUser): void {
  if (!can(user.role, 'billing.manage'))
    throw new PortalError('forbidden', 'Only an owner of the account can manage billing.');
}

const unavailable = () =>
  new PortalError('billing_unavailable', 'Billing is unavailable right now. Try again in a minute.');

/** The subscription of one of the user's tenants (another account's slug is "not found"). */
async function subscriptionOf(db: pg.Pool, user: PortalUser, slug: string) {
  const { rows } = await db.query<{
    tenant_id: string;
    subscription_id: string | null;
    status: string | null;
    price_id: string | null;
    updated_at: Date | null;
    customer_id: string | null;
  }>(
    `select t.id as tenant_id, s.id as subscription_id, s.status, s.price_id, s.updated_at,
            a.stripe_customer_id as customer_id
     from platform.tenant t join platform.account a on a.id = t.account_id
     left join platform.subscription s on s.tenant_id = t.id
     where t.slug = $1 and t.account_id = $2`,
    [slug, user.accountId],
  );
  const row = rows[0];
  if (!row) throw new PortalError('not_found', 'No such store in your account.');
  return row;
}

/** A one-time link to Stripe's customer portal for the account, coming back to the billing page. */
export async function openCustomerPortal(ctx: PlansContext, user: PortalUser, slug: string): Promise<string> {
  requireOwner(user);
  const row = await subscriptionOf(ctx.db, user, slug);
  if (!row.customer_id || !row.subscription_id)
    throw new PortalError('no_subscription', 'This store has no subscription yet: pay for it first.');
  let session: Stripe.BillingPortal.Session;
  try {
    session = await ctx.stripe.billingPortal.sessions.create({
      customer: row.customer_id,
      return_url: new URL(`/tenants/${slug}/billing`, ctx.publicUrl).toString(),
    });
  } catch {
    throw unavailable();
  }
  await audit(ctx.db, {
    accountId: user.accountId,
    userId: user.id,
    action: 'billing.portal_opened',
    detail: { slug },
  });
  return session.url;
}

/**
 * Switches the tenant's subscription to the plan's price (prorated, as Stripe does by default) and
 * records the subscription as Stripe answers; `unchanged` when it already pays for that plan.
 */
export async function switchPlan(
  ctx: PlansContext,
  user: PortalUser,
  slug: string,
  plan: PlanName,
): Promise<'switched' | 'unchanged'> {
  requireOwner(user);
  const row = await subscriptionOf(ctx.db, user, slug);
  if (!row.subscription_id || !row.updated_at)
    throw new PortalError('no_subscription', 'This store has no subscription yet: pay for it first.');
  if (row.status === 'canceled' || row.status === 'incomplete_expired')
    throw new PortalError('no_subscription', 'This subscription has ended: it cannot change plans.');
  const price = ctx.lifecycle.prices[plan];
  if (row.price_id === price) return 'unchanged';
  try {
    const subscription = await ctx.stripe.subscriptions.retrieve(row.subscription_id);
    const item = subscription.items.data[0];
    if (!item) throw unavailable();
    await ctx.stripe.subscriptions.update(
      row.subscription_id,
      { items: [{ id: item.id, price }], proration_behavior: 'create_prorations' },
      // From our own state: a double click sends the same request; once the switch is recorded
      // (updated_at moves), a later switch is a new one.
      {
        idempotencyKey: `cloudpos:portal:plan:${row.subscription_id}:${plan}:${row.updated_at.getTime()}`,
      },
    );
  } catch (error) {
    if (error instanceof PortalError) throw error;
    throw unavailable();
  }
  await audit(ctx.db, {
    accountId: user.accountId,
    userId: user.id,
    action: 'billing.plan_switched',
    detail: { slug, plan },
  });
  await syncSubscription(ctx.lifecycle, row.subscription_id);
  return 'switched';
}
