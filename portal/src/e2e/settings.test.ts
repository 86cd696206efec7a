// The settings page in Debian's Chromium: the owner of a Ready tenant changes the offline limits
// (amounts typed in euros) and the receipt footer, is told about a mistake next to its field, sees
// the values saved, and finds the footer on the receipt of the next sale. A manager of the same
// account sees the settings read-only. Pages are checked with axe-core and for touch targets, and
// photographed at tablet and phone size.
import { launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage, consoleErrorsOf, logIn, type Page } from '../testing/chromium.ts';
import { readyTenant, signedInManager, TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';
import { sellingRegister } from '../testing/selling.ts';

let portal: TestPortal;
let chromium: ChromiumSession;
const slug = `settings-${randomBytes(3).toString('hex')}`;
const owner = `owner-${slug}@shop.example`;
const manager = `max-${slug}@shop.example`;

beforeAll(async () => {
  portal = await startTestPortal('e2e_settings', {}, {}, { posApi: true });
  const merchant = await verifiedMerchant(portal, owner, 'Tide Books');
  await readyTenant(portal, merchant, slug, 'Tide Books');
  await signedInManager(portal, merchant, manager);
  chromium = await launchChromium();
}, 180_000);
afterAll(async () => {
  await chromium?.close();
  await portal?.stop();
});

const openSettings = async (page: Page) => {
  await page.goto(`${portal.url}/tenants/${slug}/manage`);
  await page
    .getByRole('navigation', { name: 'Store management' })
    .getByRole('link', { name: 'Settings' })
    .click();
  await page.waitForURL('**/manage/settings');
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
};

describe('settings in the browser', () => {
  it('an owner changes the offline limits and the receipt footer, and the next receipt prints it', async () => {
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page);
    await logIn(page, portal.url, owner, TEST_PASSWORD);
    await openSettings(page);
    await checkPage(page, 'manage-settings');

    // A mistake is named next to its field by the shared schema, before anything is sent.
    const offline = page.getByRole('region', { name: 'Selling offline' });
    await offline.getByLabel('Longest time offline (hours)').fill('200');
    await offline.getByLabel('Largest sale offline (EUR)').fill('150,5');
    await offline.getByRole('button', { name: 'Save offline limits' }).click();
    const hoursError = offline.getByText('Enter a whole number from 0 to 168.');
    await expect.poll(() => hoursError.isVisible()).toBe(true);
    expect(
      await offline.getByLabel('Longest time offline (hours)').getAttribute('aria-describedby'),
    ).toContain('offline-maxOfflineHours-error');
    await checkPage(page, 'manage-settings-invalid');

    await offline.getByLabel('Longest time offline (hours)').fill('8');
    await offline.getByLabel('Most sales waiting on one register').fill('25');
    await offline.getByLabel('Other tenders (voucher, bank transfer)').uncheck();
    await offline.getByRole('button', { name: 'Save offline limits' }).click();
    await expect.poll(() => offline.getByRole('status').textContent()).toContain('Offline limits saved.');

    const receipt = page.getByRole('region', { name: 'Receipts' });
    await receipt.getByLabel('Receipt footer').fill('Thank you for reading with us!\nReturns within 14 days');
    await receipt.getByRole('button', { name: 'Save receipt text' }).click();
    await expect.poll(() => receipt.getByRole('status').textContent()).toContain('Receipt text saved.');

    // Saved: a fresh page reads them back from the tenant's POS API.
    await page.reload();
    expect(await offline.getByLabel('Longest time offline (hours)').inputValue()).toBe('8');
    expect(await offline.getByLabel('Largest sale offline (EUR)').inputValue()).toBe('150.50');
    expect(await offline.getByLabel('Most sales waiting on one register').inputValue()).toBe('25');
    expect(await offline.getByLabel('Cash').isChecked()).toBe(true);
    expect(await offline.getByLabel('Other tenders (voucher, bank transfer)').isChecked()).toBe(false);
    expect(await receipt.getByLabel('Receipt footer').inputValue()).toBe(
      'Thank you for reading with us!\nReturns within 14 days',
    );

    // The next sale's receipt ends with the footer.
    const { id: saleId } = await (await sellingRegister(portal, slug)).sell();
    await page.goto(`${portal.url}/tenants/${slug}/manage/sales/${saleId}`);
    const printed = (await page.locator('pre.receipt').textContent())!.trimEnd().split('\n');
    expect(printed.slice(-2).map((line) => line.trim())).toEqual([
      'Thank you for reading with us!',
      'Returns within 14 days',
    ]);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${portal.url}/`);
    expect(consoleErrors).toEqual([]);
  });

  it('a manager sees the settings and cannot change them', async () => {
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page);
    await logIn(page, portal.url, manager, TEST_PASSWORD);
    await openSettings(page);
    expect(await page.getByText('Only an owner of the account can change these settings.').isVisible()).toBe(
      true,
    );
    expect(await page.getByRole('button', { name: /^Save/ }).count()).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);
    const offline = page.getByRole('region', { name: 'Selling offline' });
    expect(await offline.locator('dd').allTextContents()).toEqual([
      '8 h',
      '€150.50',
      '€5,000.00',
      '25',
      'Cash',
    ]);
    expect(await page.getByRole('region', { name: 'Receipts' }).textContent()).toContain(
      'Returns within 14 days',
    );
    await checkPage(page, 'manage-settings-manager');
    expect(consoleErrors).toEqual([]);
  });
});
