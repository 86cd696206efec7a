// Plan changes and Stripe's customer portal, against the Stripe fake (its API spoken by stripe-node,
// its webhooks checked by stripe-node's signature verification) and the operator's local mode: a
// plan changed in Stripe's portal arrives as customer.subscription.updated and patches the
// Tenant's plan, whose stream limits follow; an old event arriving late changes nothing; a switch
// from our own billing page goes through Stripe and lands the same way; only owners get there.
import { eventually } from '@cloudpos/harness';
import { PLANS, tenantStreamLimits } from '@cloudpos/operator/test-support';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormClient } from '../testing/browserless.ts';
import { readyTenant, signedInManager, verifiedMerchant } from '../testing/merchants.ts';
import { postSignedEvent, startTestPortal, type TestPortal } from '../testing/portal.ts';
import { planOfSubscription } from './lifecycle.ts';

let portal: TestPortal;
let owner: FormClient;
let manager: FormClient;
let other: FormClient;
let sql: pg.Pool;
let subscriptionId: string;
const slug = `plans-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  portal = await startTestPortal('plans');
  owner = await verifiedMerchant(portal, 'pia@pantry.example', 'Pia Pantry');
  other = await verifiedMerchant(portal, 'oz@outlet.example', 'Oz Outlet');
  // Ordered on the growth plan (readyTenant), and Ready.
  await readyTenant(portal, owner, slug, 'Pia Pantry');
  manager = await signedInManager(portal, owner, 'max@pantry.example');
  sql = new pg.Pool({ connectionString: portal.databaseUrl, max: 2 });
  subscriptionId = (
    await sql.query<{ id: string }>(
      `select s.id from platform.subscription s join platform.tenant t on t.id = s.tenant_id where t.slug = $1`,
      [slug],
    )
  ).rows[0]!.id;
}, 180_000);
afterAll(async () => {
  await sql?.end();
  await portal?.stop();
});

const price = (plan: 'starter' | 'growth' | 'scale') => portal.config.STRIPE_PRICES[plan];

/** The plan as the portal stored it and as the Tenant's manifest says it. */
async function storedPlan() {
  const { rows } = await sql.query<{ plan: string; spec_plan: string; state: string }>(
    `select plan, manifest -> 'spec' ->> 'plan' as spec_plan, state from platform.tenant where slug = $1`,
    [slug],
  );
  return rows[0]!;
}

/** What the operator made of it: the tenant's stream limits, read with the tenant's own credentials. */
async function streamMaxBytes() {
  const creds = await readFile(join(portal.config.TENANTS_DIR!, `${slug}.nats.creds`), 'utf8');
  return (await tenantStreamLimits(creds)).maxBytes;
}

async function planApplied(plan: 'starter' | 'growth' | 'scale') {
  await eventually(
    `the ${plan} plan applied`,
    async () => {
      const stored = await storedPlan();
      return stored.spec_plan === plan && stored.state === 'provisioned';
    },
    30_000,
  );
  expect(await streamMaxBytes()).toBe(PLANS[plan].stream.maxBytes);
}

const outcomeOf = (delivery: { responseBody: string }) =>
  (JSON.parse(delivery.responseBody) as { outcome: string }).outcome;

describe('plans and the customer portal', () => {
  it('names the plan a subscription pays for by its price (pure)', () => {
    const prices = { starter: 'price_a', growth: 'price_b', scale: 'price_c' };
    const paying = (id: string) => ({ items: { data: [{ price: { id } }] } }) as never;
    expect(planOfSubscription(prices, paying('price_c'))).toBe('scale');
    expect(planOfSubscription(prices, paying('price_other'))).toBeUndefined();
    expect(planOfSubscription(prices, { items: { data: [] } } as never)).toBeUndefined();
  });

  it('opens Stripe’s customer portal; a plan chosen there patches the Tenant, and its limits follow', async () => {
    expect(await streamMaxBytes()).toBe(PLANS.growth.stream.maxBytes);
    const opened = await owner.post(`/tenants/${slug}/billing`, { intent: 'portal' });
    expect(opened.status).toBe(302);
    const portalUrl = opened.headers.get('location')!;
    expect(portalUrl.startsWith(`${portal.stripe.url}/billing_portal/session/bps_`)).toBe(true);
    const created = portal.stripe.requests.find((request) => request.path === '/v1/billing_portal/sessions')!;
    expect(created.status).toBe(200);
    expect(created.params).toEqual({
      customer: portal.stripe.billing.subscriptions.get(subscriptionId)!.customer,
      return_url: `${portal.url}/tenants/${slug}/billing`,
    });

    // On Stripe's page: the merchant picks Scale and comes back.
    expect(await (await fetch(portalUrl)).text()).toContain('Update plan');
    const chosen = await fetch(portalUrl, {
      method: 'POST',
      body: new URLSearchParams({ subscription: subscriptionId, price: price('scale') }),
      redirect: 'manual',
    });
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get('location')).toBe(`${portal.url}/tenants/${slug}/billing`);
    const updated = await portal.stripe.waitForDelivery(
      (delivery) => delivery.type === 'customer.subscription.updated' && delivery.status === 200,
    );
    expect(outcomeOf(updated)).toBe('handled');
    await planApplied('scale');
    const page = await (await owner.get(`/tenants/${slug}/billing`)).text();
    expect(page.replaceAll('<!-- -->', '')).toContain('Plan <strong>Scale</strong>');
    const { rows } = await sql.query<{ detail: object }>(
      `select detail from platform.audit where action = 'tenant.plan_changed' order by id`,
    );
    expect(rows.map((row) => row.detail)).toEqual([{ slug, from: 'growth', to: 'scale' }]);
  });

  it('changes nothing for an event older than the subscription, arriving late or again', async () => {
    // Back to Growth, then Scale again, in Stripe: two events, the Growth one older.
    portal.stripe.billing.changePrice(subscriptionId, price('growth'));
    portal.stripe.billing.changePrice(subscriptionId, price('scale'));
    await portal.stripe.settled();
    await planApplied('scale');
    const older = portal.stripe.events.findLast(
      (event) =>
        event.type === 'customer.subscription.updated' &&
        (event.data.object as { items: { data: { price: { id: string } }[] } }).items.data[0]!.price.id ===
          price('growth'),
    )!;
    // Delivered again (Stripe retries): the same event id is handled once.
    const [again] = await portal.stripe.redeliver(older.id);
    expect(outcomeOf(again!)).toBe('duplicate');
    // The older event reaching us for the first time only now: its payload says Growth, the
    // subscription says Scale, and the subscription decides.
    expect(await postSignedEvent(portal, { ...older, id: `${older.id}late` })).toEqual({
      received: true,
      outcome: 'handled',
    });
    await portal.runtime.retryPending();
    expect(await storedPlan()).toMatchObject({ plan: 'scale', spec_plan: 'scale' });
    expect(await streamMaxBytes()).toBe(PLANS.scale.stream.maxBytes);
  });

  it('switches plans from the billing page through Stripe, once however often it is posted', async () => {
    const switched = await owner.post(`/tenants/${slug}/billing`, { intent: 'plan', plan: 'starter' });
    expect(switched.status).toBe(200);
    expect(await switched.text()).toContain('Switched to the Starter plan.');
    const update = portal.stripe.requests.filter(
      (request) => request.method === 'POST' && request.path === `/v1/subscriptions/${subscriptionId}`,
    );
    expect(update).toHaveLength(1);
    expect(update[0]!.params).toMatchObject({
      items: [{ price: price('starter') }],
      proration_behavior: 'create_prorations',
    });
    expect(update[0]!.idempotencyKey).toMatch(new RegExp(`^cloudpos:portal:plan:${subscriptionId}:starter:`));
    // Recorded from Stripe's answer at once; the webhook that follows finds nothing to change.
    expect(await storedPlan()).toMatchObject({ plan: 'starter', spec_plan: 'starter' });
    await portal.stripe.settled();
    await planApplied('starter');
    const again = await owner.post(`/tenants/${slug}/billing`, { intent: 'plan', plan: 'starter' });
    expect(await again.text()).toContain('The store is on the Starter plan already.');
    // Already on it: nothing is sent to Stripe.
    expect(
      portal.stripe.requests.filter(
        (request) => request.method === 'POST' && request.path === `/v1/subscriptions/${subscriptionId}`,
      ),
    ).toHaveLength(1);

    const bad = await owner.post(`/tenants/${slug}/billing`, { intent: 'plan', plan: 'platinum' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Choose a plan.');
  });

  it('is for owners: a manager and another merchant get nowhere, and nothing reaches Stripe', async () => {
    const before = portal.stripe.requests.length;
    expect((await manager.get(`/tenants/${slug}/billing`)).status).toBe(403);
    const attempts: Record<string, string>[] = [{ intent: 'portal' }, { intent: 'plan', plan: 'scale' }];
    for (const fields of attempts) {
      const refused = await manager.post(`/tenants/${slug}/billing`, fields);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('Only an owner of the account can manage billing.');
      expect((await other.post(`/tenants/${slug}/billing`, fields)).status).toBe(404);
    }
    expect((await other.get(`/tenants/${slug}/billing`)).status).toBe(404);
    expect(portal.stripe.requests.length).toBe(before);
    expect(await storedPlan()).toMatchObject({ plan: 'starter' });
    // The tenant page links billing for owners only.
    expect(await (await owner.get(`/tenants/${slug}`)).text()).toContain(`/tenants/${slug}/billing`);
    expect(await (await manager.get(`/tenants/${slug}`)).text()).not.toContain(`/tenants/${slug}/billing`);
  });

  it('keeps one Stripe customer per account: a second store is its second subscription, switched on its own', async () => {
    const customer = portal.stripe.billing.subscriptions.get(subscriptionId)!.customer as string;
    const second = `${slug}-2`;
    await readyTenant(portal, owner, second, 'Pia Pantry Two');
    const checkout = portal.stripe.requests.filter(
      (request) => request.method === 'POST' && request.path === '/v1/checkout/sessions',
    );
    expect(checkout.at(-1)!.params).toMatchObject({
      customer,
      subscription_data: { description: `Pia Pantry Two (${second})` },
    });
    expect(checkout.at(-1)!.params).not.toHaveProperty('customer_email');
    const { rows } = await sql.query<{ slug: string; customer: string }>(
      `select t.slug, a.stripe_customer_id as customer from platform.tenant t
       join platform.account a on a.id = t.account_id join platform.subscription s on s.tenant_id = t.id
       where t.slug in ($1, $2) order by t.slug`,
      [slug, second],
    );
    expect(rows.map((row) => [row.slug, row.customer])).toEqual([
      [slug, customer],
      [second, customer],
    ]);
    const secondSubscription = (
      await sql.query<{ id: string }>(
        `select s.id from platform.subscription s join platform.tenant t on t.id = s.tenant_id where t.slug = $1`,
        [second],
      )
    ).rows[0]!.id;
    expect(portal.stripe.billing.subscriptions.get(secondSubscription)!.customer).toBe(customer);
    const { account_id: accountId } = (
      await sql.query<{ account_id: string }>('select account_id from platform.tenant where slug = $1', [
        slug,
      ])
    ).rows[0]!;
    const customersOfAccount = [...portal.stripe.billing.customers.values()].filter(
      (candidate) => (candidate.metadata as Record<string, string>).account_id === accountId,
    );
    expect(customersOfAccount.map((candidate) => candidate.id)).toEqual([customer]);

    // Stripe's portal, opened from the second store, lists both stores' subscriptions.
    const opened = await owner.post(`/tenants/${second}/billing`, { intent: 'portal' });
    const portalUrl = opened.headers.get('location')!;
    const listed = await (await fetch(portalUrl)).text();
    expect(listed).toContain(`Plan of Pia Pantry (${slug})`);
    expect(listed).toContain(`Plan of Pia Pantry Two (${second})`);
    const chosen = await fetch(portalUrl, {
      method: 'POST',
      body: new URLSearchParams({ subscription: secondSubscription, price: price('scale') }),
      redirect: 'manual',
    });
    expect(chosen.status).toBe(303);
    await eventually(
      'the second store on the Scale plan',
      async () =>
        (
          await sql.query<{ spec_plan: string }>(
            `select manifest -> 'spec' ->> 'plan' as spec_plan from platform.tenant where slug = $1`,
            [second],
          )
        ).rows[0]?.spec_plan === 'scale',
      30_000,
    );
    // The first store's plan is its own.
    expect(await storedPlan()).toMatchObject({ plan: 'starter', spec_plan: 'starter' });
  });
});
