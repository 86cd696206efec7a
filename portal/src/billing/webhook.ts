// Stripe's webhook: the raw body is verified with the endpoint's secret, each event is handled once
// (its id stored under a unique key in the same transaction as its effect), and state comes from
// the Stripe objects re-read at handling time, not from the order events arrive in.
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type Stripe from 'stripe';
import { audit } from '../audit.ts';
import { inTransaction } from '../db/transaction.ts';
import { problem } from '../problem.ts';
import { tenantManifest } from '../tenants/manifest.ts';
import type { PlanName } from '../config.ts';
import {
  planOfSubscription,
  subscriptionIdOf,
  syncSubscription,
  type LifecycleContext,
} from './lifecycle.ts';

export interface WebhookContext {
  db: pg.Pool;
  stripe: Stripe;
  webhookSecret: string;
  /** Starts provisioning a paid tenant after the transaction committed (not awaited by Stripe). */
  provisionLater(tenantId: string): void;
  lifecycle: LifecycleContext;
}

/** Events about a subscription's state: each one re-reads the subscription from Stripe. */
const BILLING_EVENTS = new Set([
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
]);

export type WebhookOutcome = 'handled' | 'duplicate' | 'ignored';

export function stripeWebhookRoute(ctx: WebhookContext) {
  return async (app: FastifyInstance) => {
    // Encapsulated: only this route sees bodies as raw bytes.
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: 512 * 1024 },
      (_req, body, done) => done(null, body),
    );
    app.post('/stripe/webhook', async (request, reply) => {
      const signature = request.headers['stripe-signature'];
      let event: Stripe.Event;
      try {
        if (typeof signature !== 'string' || !Buffer.isBuffer(request.body)) throw new Error('unsigned');
        event = ctx.stripe.webhooks.constructEvent(request.body, signature, ctx.webhookSecret, 300);
      } catch {
        return problem(
          reply,
          400,
          'invalid_signature',
          'The Stripe-Signature header does not match the body.',
        );
      }
      const outcome = await handleEvent(ctx, event);
      return reply.send({ received: true, outcome });
    });
  };
}

async function handleBillingEvent(ctx: WebhookContext, event: Stripe.Event): Promise<WebhookOutcome> {
  const subscriptionId = subscriptionIdOf(event);
  if (!subscriptionId) {
    await ctx.db.query(
      'insert into platform.webhook_event (id, type) values ($1, $2) on conflict (id) do nothing',
      [event.id, event.type],
    );
    return 'ignored';
  }
  // The event only says which subscription to look at: its state is read from Stripe.
  return syncSubscription(ctx.lifecycle, subscriptionId, { id: event.id, type: event.type });
}

export async function handleEvent(ctx: WebhookContext, event: Stripe.Event): Promise<WebhookOutcome> {
  if (BILLING_EVENTS.has(event.type)) return handleBillingEvent(ctx, event);
  if (event.type !== 'checkout.session.completed') {
    // Recorded so a replay is recognised; nothing else happens for types not handled yet.
    await ctx.db.query(
      'insert into platform.webhook_event (id, type) values ($1, $2) on conflict (id) do nothing',
      [event.id, event.type],
    );
    return 'ignored';
  }
  const session = event.data.object;
  const tenantId = session.client_reference_id;
  if (session.mode !== 'subscription' || !tenantId || typeof session.subscription !== 'string')
    return 'ignored';
  // The subscription as Stripe has it now: an old event cannot bring back an old state.
  const subscription = await ctx.stripe.subscriptions.retrieve(session.subscription);
  const customerId = typeof session.customer === 'string' ? session.customer : session.customer?.id;
  const outcome = await inTransaction(ctx.db, async (tx): Promise<WebhookOutcome> => {
    const fresh = await tx.query(
      'insert into platform.webhook_event (id, type) values ($1, $2) on conflict (id) do nothing',
      [event.id, event.type],
    );
    if (fresh.rowCount === 0) return 'duplicate';
    const { rows } = await tx.query<{
      id: string;
      account_id: string;
      slug: string;
      display_name: string;
      plan: PlanName;
      currency: string;
      state: string;
      email: string;
      account_name: string;
    }>(
      `select t.id, t.account_id, t.slug, t.display_name, t.plan, t.currency, t.state, a.name as account_name,
              (select u.email from platform.membership m join platform.app_user u on u.id = m.user_id
               where m.account_id = t.account_id and m.role = 'owner' order by m.created_at limit 1) as email
       from platform.tenant t join platform.account a on a.id = t.account_id where t.id = $1 for update of t`,
      [tenantId],
    );
    const tenant = rows[0];
    if (!tenant) return 'ignored';
    await tx.query(
      `insert into platform.subscription (id, account_id, tenant_id, status, price_id) values ($1, $2, $3, $4, $5)
       on conflict (id) do update set status = excluded.status, price_id = excluded.price_id, updated_at = now()`,
      [
        subscription.id,
        tenant.account_id,
        tenant.id,
        subscription.status,
        subscription.items.data[0]?.price.id ?? null,
      ],
    );
    // Accounts whose first order predates the customer made at order time get theirs here.
    if (customerId)
      await tx.query(
        'update platform.account set stripe_customer_id = coalesce(stripe_customer_id, $2) where id = $1',
        [tenant.account_id, customerId],
      );
    // A second Checkout completed for the same tenant changes nothing more: it is provisioned once.
    if (tenant.state !== 'awaiting_payment') return 'handled';
    // The plan the subscription pays for now (it may have changed since the order), else the order's.
    const plan = planOfSubscription(ctx.lifecycle.prices, subscription) ?? tenant.plan;
    const manifest = tenantManifest({
      slug: tenant.slug,
      displayName: tenant.display_name,
      plan,
      currency: tenant.currency,
      owner: { name: tenant.account_name, email: tenant.email },
      tenantId: tenant.id,
      accountId: tenant.account_id,
    });
    await tx.query(
      `update platform.tenant set state = 'provisioning', manifest = $2, plan = $3, updated_at = now()
       where id = $1`,
      [tenant.id, JSON.stringify(manifest), plan],
    );
    await audit(tx, {
      accountId: tenant.account_id,
      userId: null,
      action: 'tenant.paid',
      detail: { slug: tenant.slug, subscription: subscription.id },
    });
    return 'handled';
  });
  if (outcome === 'handled') ctx.provisionLater(tenantId);
  return outcome;
}
