// A paid tenant whose creation fails (the cluster unreachable) is not lost: the merchant sees that
// it is being retried, and the retry loop finishes it once the platform answers again.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormClient } from '../testing/browserless.ts';
import { verifiedMerchant } from '../testing/merchants.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let merchant: FormClient;
let reachable = false;

beforeAll(async () => {
  portal = await startTestPortal('retry', {
    wrapProvisioner: (real) => ({
      ...real,
      kind: real.kind,
      apply: async (manifest) => {
        if (!reachable) throw new Error('connect ECONNREFUSED 10.0.0.1:6443');
        await real.apply(manifest);
      },
      observe: (slug) => real.observe(slug),
      close: () => real.close(),
    }),
  });
  merchant = await verifiedMerchant(portal, 'cy@cafe.example', 'Cy Café');
});
afterAll(async () => {
  await portal?.stop();
});

describe('provisioning retries', () => {
  it('keeps a paid tenant until the platform can create it, then finishes it', async () => {
    const slug = `retry-${randomBytes(3).toString('hex')}`;
    const order = await merchant.post('/plans', {
      storeName: 'Cy Café',
      slug,
      plan: 'starter',
      currency: 'EUR',
    });
    await fetch(order.headers.get('location')!, {
      method: 'POST',
      body: new URLSearchParams({ payment_method: 'pm_card_visa' }),
      redirect: 'manual',
    });
    const delivery = await portal.stripe.waitForDelivery((d) => d.type === 'checkout.session.completed');
    expect(delivery.status).toBe(200);
    await expect
      .poll(async () => (await (await merchant.get(`/tenants/${slug}`)).text()).includes('Retrying'), {
        timeout: 10_000,
      })
      .toBe(true);

    reachable = true;
    await portal.runtime.retryPending();
    const page = await (await merchant.get(`/tenants/${slug}`)).text();
    expect(page).toContain('Your till is ready');
    expect(page).not.toContain('Retrying');
  });
});
