// Billing in Debian's Chromium: the owner of a Ready tenant opens Billing, goes to Stripe's customer
// portal (the fake's hosted page), picks another plan there and comes back to see it applied (its
// webhook patched the Tenant), then switches plans on our own page. Pages are checked with axe-core
// and for touch targets, and photographed at tablet and phone size.
import { launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage, consoleErrorsOf, logIn } from '../testing/chromium.ts';
import { readyTenant, TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let chromium: ChromiumSession;
const slug = `billing-${randomBytes(3).toString('hex')}`;
const owner = `owner-${slug}@shop.example`;

beforeAll(async () => {
  portal = await startTestPortal('e2e_billing');
  const merchant = await verifiedMerchant(portal, owner, 'Fern Florist');
  await readyTenant(portal, merchant, slug, 'Fern Florist');
  chromium = await launchChromium();
}, 180_000);
afterAll(async () => {
  await chromium?.close();
  await portal?.stop();
});

describe('billing in the browser', () => {
  it('changes the plan in Stripe’s customer portal and on the billing page', async () => {
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page, portal.url);
    await logIn(page, portal.url, owner, TEST_PASSWORD);
    await page.getByRole('link', { name: 'Fern Florist' }).click();
    await page.getByRole('link', { name: 'Billing and plan' }).click();
    await page.waitForURL(`**/tenants/${slug}/billing`);
    await page.getByRole('heading', { name: 'Billing of Fern Florist' }).waitFor();
    expect(await page.getByText('subscription paid up').isVisible()).toBe(true);
    await checkPage(page, 'billing');

    // Stripe's customer portal, and back.
    await page.getByRole('button', { name: 'Manage billing' }).click();
    await page.waitForURL(`${portal.stripe.url}/billing_portal/session/**`);
    await page.getByRole('radio', { name: 'Scale: 199.00 EUR per month' }).check();
    await page.getByRole('button', { name: 'Update plan' }).click();
    await page.waitForURL(`**/tenants/${slug}/billing`);
    // The webhook may land a moment after the browser is back.
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator('h1 + p').textContent();
      })
      .toContain('Plan Scale');

    // Our own switch.
    await page.getByLabel(/^Starter/).check();
    await page.getByRole('button', { name: 'Switch plan' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('Switched to the Starter plan. The store’s limits follow in a moment.');
    await expect
      .poll(() => page.locator('h1 + p').textContent(), { timeout: 5000 })
      .toContain('Plan Starter');
    expect(await page.getByLabel(/^Starter/).isChecked()).toBe(true);
    await checkPage(page, 'billing-switched');
    expect(consoleErrors).toEqual([]);
  });
});
