// The merchant's whole path in Debian's Chromium: sign up, confirm the e-mail from the real SMTP
// server's mailbox, choose a plan, pay on the Stripe fake's Checkout page, watch the tenant become
// Ready (the operator's local mode), get the till's URL and the owner's setup code, open the till and
// become its first owner with that code. Every main page is checked with axe-core and for touch
// targets, and photographed at tablet and phone size.
import { launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, verificationLink } from '../testing/merchants.ts';
import { checkPage, consoleErrorsOf, setUpTillAsOwner } from '../testing/chromium.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let chromium: ChromiumSession;

beforeAll(async () => {
  portal = await startTestPortal('e2e', {}, {}, { posApi: true, tillOnPosApi: true });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await portal?.stop();
});

describe('from sign-up to a running till', () => {
  it('signs up, verifies, pays, watches the tenant become Ready, and becomes its till’s first owner', async () => {
    const slug = `e2e-${randomBytes(3).toString('hex')}`;
    const email = `owner-${slug}@shop.example`;
    const page = await chromium.context.newPage();
    // The portal's pages only (the fake's Checkout page is not ours to judge).
    const consoleErrors = consoleErrorsOf(page, portal.url);

    await page.goto(portal.url);
    await checkPage(page, 'home');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL('**/signup');
    // The shared schema answers in the browser before anything is posted.
    await page.getByLabel('Business name').fill('Sakura Market');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByText('Use at least 12 characters.').isVisible()).toBe(true);
    await checkPage(page, 'signup-invalid');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/check-email');
    await checkPage(page, 'check-email');

    const link = await verificationLink(portal, email);
    await page.goto(link.toString());
    await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
    await page.waitForURL('**/plans');
    await page.getByLabel('Store name').fill('Sakura Market');
    await page.getByLabel('Web address of your till').fill(slug);
    await page.getByLabel(/Scale/).check();
    await checkPage(page, 'plans');
    await page.getByRole('button', { name: 'Continue to payment' }).click();

    await page.waitForURL(`${portal.stripe.url}/checkout/pay/**`);
    await expect.poll(() => page.getByText('199.00 EUR').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Pay and subscribe' }).click();

    await page.waitForURL(`**/tenants/${slug}?session_id=*`);
    // The page follows the operator's conditions until the tenant is Ready.
    await page.getByRole('heading', { name: 'Your till is ready' }).waitFor({ timeout: 60_000 });
    const tillUrl = `http://${slug}.localhost:${new URL(portal.posApi!.url).port}/till/`;
    expect(await page.locator('a.till-url').getAttribute('href')).toBe(tillUrl);
    const setupCode = (await page.locator('.setup-code').textContent())!;
    expect(setupCode).toMatch(/^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$/);
    for (const type of ['DatabaseReady', 'MessagingReady', 'WorkloadsReady', 'Ready'])
      expect(await page.locator(`.conditions li[data-type="${type}"]`).getAttribute('data-status')).toBe(
        'True',
      );
    await checkPage(page, 'tenant-ready');
    expect(consoleErrors).toEqual([]);

    // The owner opens the till from the portal and sets the store up with the code shown there.
    await page.locator('a.till-url').click();
    await page.waitForURL(tillUrl);
    await setUpTillAsOwner(page, setupCode, 'Sakura Owner');
    await expect.poll(() => page.locator('.top-bar').textContent()).toContain('Sakura Owner');
    // Once the store has staff, the portal no longer shows a code.
    await page.goto(`${portal.url}/tenants/${slug}`);
    await page.getByRole('heading', { name: 'Your till is ready' }).waitFor();
    expect(await page.locator('.setup-code').count()).toBe(0);
  });
});
