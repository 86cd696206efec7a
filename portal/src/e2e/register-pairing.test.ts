// Pairing a register from the portal, in Debian's Chromium: an owner whose tenant is Ready adds a
// cashier, presses "Pair a register" and reads the code and the till's address off the portal; a
// second page (the new device) opens that address on the real pooled POS API, types the code, and
// the cashier signs in on the paired till. The portal's page is checked with axe-core and for touch
// targets, and photographed at tablet and phone size.
import { launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyTenant, TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { checkPage, consoleErrorsOf, logIn, type Page } from '../testing/chromium.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let chromium: ChromiumSession;
const slug = `pair-${randomBytes(3).toString('hex')}`;
const email = `owner-${slug}@shop.example`;
const CASHIER = { code: '3100', pin: '3131', name: 'Cleo Cashier' };

beforeAll(async () => {
  portal = await startTestPortal('e2e_pair', {}, {}, { posApi: true, tillOnPosApi: true });
  const merchant = await verifiedMerchant(portal, email, 'Kiosk Kaffee');
  await readyTenant(portal, merchant, slug, 'Kiosk Kaffee');
  const cashier = await merchant.post(`/tenants/${slug}/manage/staff`, {
    intent: 'create',
    displayName: CASHIER.name,
    code: CASHIER.code,
    role: 'cashier',
    pin: CASHIER.pin,
  });
  if (cashier.status !== 200) throw new Error(`adding the cashier failed: ${cashier.status}`);
  chromium = await launchChromium();
}, 180_000);
afterAll(async () => {
  await chromium?.close();
  await portal?.stop();
});

async function tapDigits(till: Page, digits: string) {
  for (const digit of digits)
    await till
      .getByRole('group', { name: /Staff code|PIN/ })
      .getByRole('button', { name: digit, exact: true })
      .click();
}

describe('pairing a register from the portal', () => {
  it('shows a code that pairs a real till, where a cashier then signs in', async () => {
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page);
    await logIn(page, portal.url, email, TEST_PASSWORD);
    await page.goto(`${portal.url}/tenants/${slug}/manage/registers`);
    await page.getByRole('heading', { name: 'Pair a register' }).waitFor();
    // One open store: nothing to choose.
    expect(await page.getByLabel('Store of the new register').count()).toBe(0);
    await page.getByRole('button', { name: 'Pair a register' }).click();

    const code = page.getByTestId('pairing-code');
    await expect.poll(() => code.isVisible()).toBe(true);
    const typed = (await code.textContent())!;
    expect(typed).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    // The code takes the focus, so it is read out first.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent))
      .toBe('Pairing code for Kiosk Kaffee');
    expect(await page.getByRole('status').textContent()).toMatch(/Works once, until .+ \(10 minutes\)/);
    // Big enough to read from across the counter.
    const fontSize = await code.evaluate((element) => parseFloat(getComputedStyle(element).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(32);
    await checkPage(page, 'manage-registers-pairing');

    // The new device opens the address the portal shows and types the code.
    const tillUrl = (await page.locator('.pairing a.till-url').getAttribute('href'))!;
    expect(tillUrl).toBe(`http://${slug}.localhost:${new URL(portal.posApi!.url).port}/till/`);
    const till = await chromium.context.newPage();
    await till.goto(tillUrl);
    await till.getByRole('heading', { name: 'Pair this device as a register' }).waitFor();
    await till.getByLabel('Pairing code').fill(typed);
    await till.getByLabel('Name of this register').fill('Window');
    await till.getByRole('button', { name: 'Pair register' }).click();
    await expect
      .poll(() => till.locator('.notice').textContent())
      .toMatch(/^This device is now register T\d+ of Kiosk Kaffee\. Sign in to sell\.$/);
    await tapDigits(till, CASHIER.code);
    await till.getByRole('button', { name: 'Next' }).click();
    await tapDigits(till, CASHIER.pin);
    await till.getByRole('button', { name: 'Sign in' }).click();
    await till.getByRole('region', { name: 'Current sale' }).waitFor();
    await expect.poll(() => till.locator('.top-bar').textContent()).toContain(CASHIER.name);
    await till.close();

    // Back in the portal: the register is listed (a used code pairing nothing more: manage.test.ts).
    await page.reload();
    await expect
      .poll(() =>
        page.getByRole('list', { name: 'Registers' }).getByText('Window', { exact: true }).isVisible(),
      )
      .toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
