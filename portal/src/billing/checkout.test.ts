// Choosing a plan, paying on the Stripe fake's Checkout page, and the signed webhook creating the
// Tenant through the operator's local mode: once, however often Stripe delivers, and only for the
// merchant who paid.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormClient } from '../testing/browserless.ts';
import { verifiedMerchant } from '../testing/merchants.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let ana: FormClient;
let bo: FormClient;
// Tenant roles and NATS accounts are cluster-wide: a slug of its own per run.
const slug = `corner-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  portal = await startTestPortal('checkout', {}, {}, { posApi: true });
  ana = await verifiedMerchant(portal, 'ana@corner.example', 'Corner Café');
  bo = await verifiedMerchant(portal, 'bo@books.example', 'Bo Books');
});
afterAll(async () => {
  await portal?.stop();
});

async function pay(checkoutUrl: string): Promise<string> {
  const page = await fetch(checkoutUrl);
  expect(await page.text()).toContain('Pay and subscribe');
  const paid = await fetch(checkoutUrl, {
    method: 'POST',
    body: new URLSearchParams({ payment_method: 'pm_card_visa' }),
    redirect: 'manual',
  });
  expect(paid.status).toBe(303);
  return paid.headers.get('location')!;
}

async function until<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('checkout', () => {
  it('pays on Checkout, handles the webhook once, and provisions a Ready tenant in local mode', async () => {
    const order = await ana.post('/plans', {
      storeName: 'Corner Café',
      slug,
      plan: 'growth',
      currency: 'EUR',
    });
    expect(order.status).toBe(302);
    const checkoutUrl = order.headers.get('location')!;
    expect(checkoutUrl.startsWith(`${portal.stripe.url}/checkout/pay/cs_test_`)).toBe(true);
    // The account's Stripe customer is made with its first order, with the owner's e-mail.
    const customer = portal.stripe.requests.find((request) => request.path === '/v1/customers')!;
    expect(customer.params).toMatchObject({ email: 'ana@corner.example' });
    expect(customer.idempotencyKey).toMatch(/^cloudpos:portal:customer:/);
    const customerId = [...portal.stripe.billing.customers.values()].find(
      (candidate) => candidate.email === 'ana@corner.example',
    )!.id;
    const session = portal.stripe.requests.find((request) => request.path === '/v1/checkout/sessions')!;
    expect(session.params).toMatchObject({ mode: 'subscription', customer: customerId });
    expect(session.idempotencyKey).toMatch(/^cloudpos:portal:checkout:/);

    const back = new URL(await pay(checkoutUrl));
    expect(back.pathname).toBe(`/tenants/${slug}`);
    const delivery = await portal.stripe.waitForDelivery((d) => d.type === 'checkout.session.completed');
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.responseBody)).toEqual({ received: true, outcome: 'handled' });
    // Stripe retries and replays: the second delivery changes nothing.
    const [again] = await portal.stripe.redeliver(delivery.eventId);
    expect(JSON.parse(again!.responseBody)).toEqual({ received: true, outcome: 'duplicate' });

    const page = await until(async () => {
      const html = await (await ana.get(`/tenants/${slug}`)).text();
      return html.includes('Your till is ready') ? html : undefined;
    }, 'the tenant to become Ready');
    expect(page).toContain(`http://${slug}.localhost:8080`);
    expect(page).toMatch(/class="setup-code">[^<]+</);

    const db = new pg.Client({ connectionString: portal.databaseUrl });
    await db.connect();
    try {
      const tenants = await db.query('select state, plan from platform.tenant where slug = $1', [slug]);
      expect(tenants.rows).toEqual([{ state: 'provisioned', plan: 'growth' }]);
      const subscriptions = await db.query('select status from platform.subscription');
      expect(subscriptions.rows).toEqual([{ status: 'active' }]);
      const schema = await db.query('select 1 from pg_namespace where nspname = $1', [
        `tenant_${slug.replaceAll('-', '_')}`,
      ]);
      expect(schema.rowCount).toBe(1);
    } finally {
      await db.end();
    }
  });

  it('shows a merchant only their own tenants', async () => {
    expect((await bo.get(`/tenants/${slug}`)).status).toBe(404);
    expect(await (await bo.get('/')).text()).not.toContain(slug);
    expect(await (await ana.get('/')).text()).toContain('Corner Café');
  });

  it('refuses a slug that is taken', async () => {
    const taken = await bo.post('/plans', { storeName: 'Copy', slug, plan: 'starter', currency: 'EUR' });
    expect(taken.status).toBe(400);
    expect(await taken.text()).toContain('This web address is taken');
  });

  it('answers a webhook with a bad signature with problem+json that names no secret', async () => {
    const body = JSON.stringify({
      id: 'evt_forged',
      type: 'checkout.session.completed',
      data: { object: {} },
    });
    const response = await fetch(`${portal.url}/stripe/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': portal.stripe.signatureHeader(body, 'whsec_not_the_secret'),
      },
      body,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = await response.text();
    expect(JSON.parse(problem)).toMatchObject({ status: 400, code: 'invalid_signature' });
    expect(problem).not.toContain(portal.config.STRIPE_WEBHOOK_SECRET);
  });
});
