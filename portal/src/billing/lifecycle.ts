// A tenant's billing state, derived from the subscription as Stripe has it now (never from the
// order events arrive in): active → running; past_due or unpaid → a grace period from the first
// failure, then suspended; canceled → suspended; the subscription's price → the Tenant's plan.
// Suspension and plan go through the Tenant's spec (`suspended`, `plan`), applied by the same
// provisioning path that created it.
import type pg from 'pg';
import type Stripe from 'stripe';
import { audit } from '../audit.ts';
import { inTransaction } from '../db/transaction.ts';
import type { PlanName } from '../config.ts';
import type { Mailer } from '../mail.ts';
import type { TenantManifest } from '../tenants/manifest.ts';

export interface LifecycleContext {
  db: pg.Pool;
  stripe: Stripe;
  mailer: Mailer;
  publicUrl: string;
  graceSeconds: number;
  /** The Stripe price of each plan (STRIPE_PRICES): a subscription's price names its plan. */
  prices: Record<PlanName, string>;
  provisionLater(tenantId: string): void;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

/** Pure: should the tenant be suspended, given the subscription's status and grace period? */
export function shouldSuspend(
  status: string,
  pastDueSince: Date | null,
  now: Date,
  graceSeconds: number,
): boolean {
  if (['canceled', 'incomplete_expired'].includes(status)) return true;
  if (['past_due', 'unpaid'].includes(status))
    return pastDueSince !== null && now.getTime() - pastDueSince.getTime() >= graceSeconds * 1000;
  return false;
}

/** Pure: the plan a subscription pays for, from its (first) item's price; undefined for a price we do not sell. */
export function planOfSubscription(
  prices: Record<PlanName, string>,
  subscription: Pick<Stripe.Subscription, 'items'>,
): PlanName | undefined {
  const priceId = subscription.items.data[0]?.price.id;
  const found = Object.entries(prices).find(([, price]) => price === priceId);
  return found?.[0] as PlanName | undefined;
}

/** The subscription a billing event is about, or undefined for events about something else. */
export function subscriptionIdOf(event: Stripe.Event): string | undefined {
  const object = event.data.object as {
    object?: string;
    id?: string;
    parent?: { subscription_details?: { subscription?: string | { id: string } } | null } | null;
  };
  if (object.object === 'subscription') return object.id;
  if (object.object === 'invoice') {
    const subscription = object.parent?.subscription_details?.subscription;
    return typeof subscription === 'string' ? subscription : subscription?.id;
  }
  return undefined;
}

/**
 * Records the subscription's current state in the caller's transaction; returns the tenant to
 * re-apply (its suspension or plan changed) and whether the grace period has just started (mail it).
 */
export async function recordSubscription(
  tx: Queryable,
  ctx: Pick<LifecycleContext, 'graceSeconds' | 'prices'>,
  subscription: Stripe.Subscription,
): Promise<{ tenantId: string; changed: boolean; graceStarted: boolean } | undefined> {
  const { rows } = await tx.query<{ tenant_id: string; past_due_since: Date | null }>(
    'select tenant_id, past_due_since from platform.subscription where id = $1 for update',
    [subscription.id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const failing = ['past_due', 'unpaid'].includes(subscription.status);
  const pastDueSince = failing ? (row.past_due_since ?? new Date()) : null;
  await tx.query(
    `update platform.subscription set status = $2, past_due_since = $3, price_id = $4, updated_at = now()
     where id = $1`,
    [subscription.id, subscription.status, pastDueSince, subscription.items.data[0]?.price.id ?? null],
  );
  const plan = planOfSubscription(ctx.prices, subscription);
  const planChanged = plan ? await setPlan(tx, row.tenant_id, plan) : false;
  const suspensionChanged = await setSuspended(
    tx,
    row.tenant_id,
    shouldSuspend(subscription.status, pastDueSince, new Date(), ctx.graceSeconds),
  );
  return {
    tenantId: row.tenant_id,
    changed: planChanged || suspensionChanged,
    graceStarted: failing && row.past_due_since === null,
  };
}

/**
 * Brings one subscription's state in from Stripe, once per event when an event is given (its id is
 * stored in the same transaction as the effect). Handlers of one subscription take turns on its row
 * and each reads the subscription from Stripe while it holds the turn, so a handler that started
 * earlier can never write an older state over a newer one, whatever order events arrive in.
 */
export async function syncSubscription(
  ctx: LifecycleContext,
  subscriptionId: string,
  event?: { id: string; type: string },
): Promise<'handled' | 'duplicate' | 'ignored'> {
  const result = await inTransaction(ctx.db, async (tx) => {
    if (event) {
      const fresh = await tx.query(
        'insert into platform.webhook_event (id, type) values ($1, $2) on conflict (id) do nothing',
        [event.id, event.type],
      );
      if (fresh.rowCount === 0) return 'duplicate' as const;
    }
    const known = await tx.query('select 1 from platform.subscription where id = $1 for update', [
      subscriptionId,
    ]);
    // A subscription we do not know yet: its Checkout completion records it with its state then.
    if (known.rowCount === 0) return 'ignored' as const;
    const subscription = await ctx.stripe.subscriptions.retrieve(subscriptionId);
    return (await recordSubscription(tx, ctx, subscription)) ?? ('ignored' as const);
  });
  if (typeof result === 'string') return result;
  if (result.changed) ctx.provisionLater(result.tenantId);
  if (result.graceStarted) await mailPaymentFailed(ctx, result.tenantId);
  return 'handled';
}

/** Writes `spec.plan` (and the tenant row's plan) when the subscription pays for another plan. */
async function setPlan(tx: Queryable, tenantId: string, plan: PlanName): Promise<boolean> {
  const { rows } = await tx.query<{ manifest: TenantManifest | null; account_id: string; slug: string }>(
    'select manifest, account_id, slug from platform.tenant where id = $1 for update',
    [tenantId],
  );
  const tenant = rows[0];
  if (!tenant?.manifest || tenant.manifest.spec.plan === plan) return false;
  const manifest: TenantManifest = { ...tenant.manifest, spec: { ...tenant.manifest.spec, plan } };
  await tx.query(
    `update platform.tenant set manifest = $2, plan = $3, state = 'provisioning', updated_at = now()
     where id = $1`,
    [tenantId, JSON.stringify(manifest), plan],
  );
  await audit(tx, {
    accountId: tenant.account_id,
    userId: null,
    action: 'tenant.plan_changed',
    detail: { slug: tenant.slug, from: tenant.manifest.spec.plan, to: plan },
  });
  return true;
}

/**
 * Writes `spec.suspended` into the stored manifest: suspended while billing says so or a platform
 * operator suspended it (an operator's suspension outlasts a paid invoice, and billing's outlasts an
 * operator's resume). The provisioning path applies it. `operator` callers write their own audit.
 */
async function setSuspended(
  tx: Queryable,
  tenantId: string,
  billingSuspends: boolean,
  operator?: { adminId: string },
): Promise<boolean> {
  const { rows } = await tx.query<{
    manifest: TenantManifest | null;
    account_id: string;
    slug: string;
    by_operator: boolean;
  }>(
    `select manifest, account_id, slug, operator_suspended_at is not null as by_operator
     from platform.tenant where id = $1 for update`,
    [tenantId],
  );
  const tenant = rows[0];
  const suspended = billingSuspends || (tenant?.by_operator ?? false);
  if (!tenant?.manifest || (tenant.manifest.spec.suspended ?? false) === suspended) return false;
  const manifest: TenantManifest = { ...tenant.manifest, spec: { ...tenant.manifest.spec, suspended } };
  await tx.query(
    `update platform.tenant set manifest = $2, state = 'provisioning', updated_at = now() where id = $1`,
    [tenantId, JSON.stringify(manifest)],
  );
  if (!operator)
    await audit(tx, {
      accountId: tenant.account_id,
      userId: null,
      action: suspended ? 'tenant.suspended_for_billing' : 'tenant.resumed',
      detail: { slug: tenant.slug },
    });
  return true;
}

/**
 * A platform operator suspends or resumes a tenant, through the same spec and provisioning path as
 * billing. Resuming lifts only the operator's suspension: an unpaid tenant stays suspended.
 */
export async function suspendByOperator(
  ctx: Pick<LifecycleContext, 'db' | 'graceSeconds' | 'provisionLater'>,
  input: { slug: string; suspend: boolean; reason: string; admin: { id: string; email: string } },
): Promise<{ suspended: boolean; forBilling: boolean } | undefined> {
  const result = await inTransaction(ctx.db, async (tx) => {
    const { rows } = await tx.query<{ id: string; account_id: string }>(
      `update platform.tenant set
         operator_suspended_at = case when $2 then coalesce(operator_suspended_at, now()) end,
         operator_suspended_by = case when $2 then $3 end,
         operator_suspend_reason = case when $2 then $4 end
       where slug = $1 and manifest is not null returning id, account_id`,
      [input.slug, input.suspend, input.admin.email, input.reason || null],
    );
    const tenant = rows[0];
    if (!tenant) return undefined;
    const billing = await tx.query<{ status: string; past_due_since: Date | null }>(
      'select status, past_due_since from platform.subscription where tenant_id = $1',
      [tenant.id],
    );
    const forBilling = billing.rows[0]
      ? shouldSuspend(billing.rows[0].status, billing.rows[0].past_due_since, new Date(), ctx.graceSeconds)
      : false;
    const changed = await setSuspended(tx, tenant.id, forBilling, { adminId: input.admin.id });
    await audit(tx, {
      accountId: tenant.account_id,
      userId: null,
      adminId: input.admin.id,
      action: input.suspend ? 'tenant.suspended_by_operator' : 'tenant.resumed_by_operator',
      detail: { slug: input.slug, reason: input.reason || null, specChanged: changed, forBilling },
    });
    return { tenantId: tenant.id, changed, suspended: input.suspend || forBilling, forBilling };
  });
  if (result?.changed) ctx.provisionLater(result.tenantId);
  return result && { suspended: result.suspended, forBilling: result.forBilling };
}

/** The periodic check: grace periods that ran out suspend their tenants. */
export async function enforceGracePeriods(ctx: LifecycleContext): Promise<void> {
  const { rows } = await ctx.db.query<{ tenant_id: string }>(
    `select tenant_id from platform.subscription
     where status in ('past_due', 'unpaid') and past_due_since <= now() - make_interval(secs => $1)`,
    [ctx.graceSeconds],
  );
  for (const { tenant_id: tenantId } of rows) {
    const client = await ctx.db.connect();
    let changed: boolean;
    try {
      await client.query('begin');
      changed = await setSuspended(client, tenantId, true);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    if (changed) ctx.provisionLater(tenantId);
  }
}

export async function mailPaymentFailed(ctx: LifecycleContext, tenantId: string): Promise<void> {
  const { rows } = await ctx.db.query<{ email: string; display_name: string; slug: string }>(
    `select u.email, t.display_name, t.slug from platform.tenant t
     join platform.membership m on m.account_id = t.account_id and m.role = 'owner'
     join platform.app_user u on u.id = m.user_id where t.id = $1`,
    [tenantId],
  );
  const days = Math.max(1, Math.round(ctx.graceSeconds / 86400));
  for (const row of rows) {
    await ctx.mailer.send({
      to: row.email,
      subject: `Payment failed for ${row.display_name}`,
      text: `We could not charge your card for ${row.display_name}. Update your payment method within ${days} day(s), or the store's tills stop selling.\n${new URL(`/tenants/${row.slug}`, ctx.publicUrl).toString()}\n`,
      html: `<p>We could not charge your card for ${row.display_name.replace(/[<>&]/g, '')}. Update your payment method within ${days} day(s), or the store's tills stop selling.</p>`,
    });
  }
}
