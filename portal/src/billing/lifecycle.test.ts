// Billing after the first payment: a failed renewal starts a grace period (a banner, an e-mail),
// its end suspends the Tenant through its spec, a paid invoice resumes it, and a cancellation
// suspends it. Events arrive twice and out of order: the state comes from the subscription.
import { eventually } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormClient } from '../testing/browserless.ts';
import { verifiedMerchant } from '../testing/merchants.ts';
import { postSignedEvent, startTestPortal, type TestPortal } from '../testing/portal.ts';
import { shouldSuspend } from './lifecycle.ts';

const GRACE_SECONDS = 2;
let portal: TestPortal;
let merchant: FormClient;
let subscriptionId: string;
const slug = `billing-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  portal = await startTestPortal('lifecycle', {}, { BILLING_GRACE_SECONDS: String(GRACE_SECONDS) });
  merchant = await verifiedMerchant(portal, 'dee@deli.example', 'Dee Deli');
  const order = await merchant.post('/plans', {
    storeName: 'Dee Deli',
    slug,
    plan: 'starter',
    currency: 'EUR',
  });
  await fetch(order.headers.get('location')!, {
    method: 'POST',
    body: new URLSearchParams({ payment_method: 'pm_card_visa' }),
    redirect: 'manual',
  });
  await portal.stripe.waitForDelivery((d) => d.type === 'checkout.session.completed');
  await phase('Ready');
  subscriptionId = [...portal.stripe.billing.subscriptions.keys()][0]!;
});
afterAll(async () => {
  await portal?.stop();
});

const page = async () => (await merchant.get(`/tenants/${slug}`)).text();

async function phase(expected: string) {
  const owner = await user();
  await eventually(
    `phase ${expected}`,
    async () => (await portal.runtime.services.tenantOf(owner, slug)).observed?.phase === expected,
    30_000,
  );
}

async function user() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: portal.databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ id: string }>(
    `select id from platform.app_user where email = 'dee@deli.example'`,
  );
  await client.end();
  return (await portal.runtime.services.userById(rows[0]!.id))!;
}

describe('billing lifecycle', () => {
  it('decides suspension from the subscription status and the grace period (pure)', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    const since = (seconds: number) => new Date(now.getTime() - seconds * 1000);
    expect(shouldSuspend('active', null, now, 60)).toBe(false);
    expect(shouldSuspend('past_due', since(59), now, 60)).toBe(false);
    expect(shouldSuspend('past_due', since(60), now, 60)).toBe(true);
    expect(shouldSuspend('unpaid', since(3600), now, 60)).toBe(true);
    expect(shouldSuspend('canceled', null, now, 60)).toBe(true);
  });

  it('warns during the grace period, suspends after it, and resumes when the invoice is paid', async () => {
    portal.stripe.billing.failRenewal(subscriptionId);
    const failed = await portal.stripe.waitForDelivery((d) => d.type === 'invoice.payment_failed');
    expect(failed.status).toBe(200);
    await portal.stripe.settled();
    expect(await page()).toContain('Payment failed. Update your payment method before');
    const [mail] = await portal.mailpit.messagesTo('dee@deli.example');
    expect(mail?.Subject).toBe('Payment failed for Dee Deli');
    expect((await portal.runtime.services.tenantOf(await user(), slug)).observed?.phase).toBe('Ready');

    await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000));
    await portal.runtime.retryPending();
    await phase('Suspended');
    expect(await page()).toContain('Suspended: the subscription is not paid.');

    portal.stripe.billing.payRenewal(subscriptionId);
    await portal.stripe.waitForDelivery(
      (d) => d.type === 'invoice.paid' && d.attempt === 1 && d.responseBody.includes('handled'),
    );
    await portal.stripe.settled();
    await phase('Ready');
    const resumed = await page();
    expect(resumed).not.toContain('Payment failed');
    expect(resumed).not.toContain('Suspended');

    // The old failure arrives again, late: the subscription is active, nothing changes.
    const [late] = await portal.stripe.redeliver(failed.eventId);
    expect(late!.status).toBe(200);
    expect((JSON.parse(late!.responseBody) as { outcome: string }).outcome).toBe('duplicate');
    // An event from the failure that reaches us only now, for the first time (Stripe does not
    // promise order): its payload says past_due, the subscription says active, and that decides.
    const stale = portal.stripe.events.find(
      (event) => event.type === 'customer.subscription.updated' && event.data.object.status === 'past_due',
    )!;
    expect(await postSignedEvent(portal, { ...stale, id: `${stale.id}late` })).toEqual({
      received: true,
      outcome: 'handled',
    });
    await portal.runtime.retryPending();
    expect(await page()).not.toContain('Payment failed');
    await phase('Ready');
  });

  it('suspends a canceled subscription at once', async () => {
    portal.stripe.billing.cancelSubscription(subscriptionId);
    const deleted = await portal.stripe.waitForDelivery((d) => d.type === 'customer.subscription.deleted');
    expect((JSON.parse(deleted.responseBody) as { outcome: string }).outcome).toBe('handled');
    await phase('Suspended');
  });
});
