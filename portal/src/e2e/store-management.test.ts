// Store management in Debian's Chromium: a merchant whose tenant is Ready logs in, opens store
// management, opens a store, adds a tax category and a product, and edits the product while
// another edit lands first (the conflict is shown with both values). Every page is checked with
// axe-core and for touch targets, and photographed at tablet and phone size.
import { launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { portalTokenSigner } from '@cloudpos/pos-api';
import { TEST_PORTAL_TOKEN_SECRET } from '@cloudpos/pos-api/test-support';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyTenant, TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { checkPage, consoleErrorsOf, logIn } from '../testing/chromium.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let chromium: ChromiumSession;
const slug = `manage-${randomBytes(3).toString('hex')}`;
const email = `owner-${slug}@shop.example`;

beforeAll(async () => {
  portal = await startTestPortal('e2e_manage', {}, {}, { posApi: true });
  const merchant = await verifiedMerchant(portal, email, 'Hanami Tea');
  await readyTenant(portal, merchant, slug, 'Hanami Tea');
  chromium = await launchChromium();
}, 180_000);
afterAll(async () => {
  await chromium?.close();
  await portal?.stop();
});

describe('store management in the browser', () => {
  it('opens a store, adds a product and shows a conflicting edit as a merge', async () => {
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page);

    await logIn(page, portal.url, email, TEST_PASSWORD);
    await page.getByRole('link', { name: 'Hanami Tea' }).click();
    await page.getByRole('link', { name: 'Manage stores, products and staff' }).click();
    await page.waitForURL(`**/tenants/${slug}/manage`);
    await expect
      .poll(() => page.getByRole('heading', { name: 'Hanami Tea: store management' }).isVisible())
      .toBe(true);
    await checkPage(page, 'manage-home');

    // A store.
    await page
      .getByRole('navigation', { name: 'Store management' })
      .getByRole('link', { name: 'Stores' })
      .click();
    await page.waitForURL('**/manage/stores');
    await page.getByLabel('Store name').fill('Hanami Riverside');
    await page.getByLabel('Store code').fill('river');
    await page.getByRole('button', { name: 'Open store' }).click();
    await expect.poll(() => page.getByText('Store Hanami Riverside (RIVER) is open.').isVisible()).toBe(true);
    await expect
      .poll(() =>
        page.getByRole('list', { name: 'Stores' }).getByText('Hanami Riverside', { exact: true }).isVisible(),
      )
      .toBe(true);
    await checkPage(page, 'manage-stores');

    // A tax category, then a product (the shared schema answers in the browser first).
    await page
      .getByRole('navigation', { name: 'Store management' })
      .getByRole('link', { name: 'Taxes' })
      .click();
    await page.waitForURL('**/manage/taxes');
    await page.getByRole('heading', { name: 'Add a tax category' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Standard VAT');
    await page.getByLabel('Code', { exact: true }).fill('VAT19');
    await page.getByLabel('Rate in percent').fill('19');
    await page.getByRole('button', { name: 'Add tax category' }).click();
    await expect.poll(() => page.getByText('Tax category Standard VAT added.').isVisible()).toBe(true);

    await page
      .getByRole('navigation', { name: 'Store management' })
      .getByRole('link', { name: 'Products' })
      .click();
    await page.waitForURL('**/manage/products');
    await page.getByRole('link', { name: 'Add a product' }).click();
    await page.waitForURL('**/manage/products/new');
    await page.getByRole('heading', { name: 'Add a product' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Sencha');
    await page.getByLabel('SKU').fill('SENCHA-100');
    await page.getByLabel('Price (EUR)').fill('4.2x');
    await page.getByRole('button', { name: 'Add product' }).click();
    await expect.poll(() => page.getByText('Enter a price such as 3.50.').isVisible()).toBe(true);
    await checkPage(page, 'manage-product-new-invalid');
    await page.getByLabel('Price (EUR)').fill('4,20');
    await page.getByRole('button', { name: 'Add product' }).click();
    await page.waitForURL('**/manage/products/*?created=1');
    await expect.poll(() => page.getByText('Product added.').isVisible()).toBe(true);
    expect(await page.getByText('€4.20').isVisible()).toBe(true);

    // Editing while someone else saves first.
    const productId = new URL(page.url()).pathname.split('/').at(-1)!;
    const version = await page.locator('input[name="version"]').inputValue();
    await page.getByLabel('Name', { exact: true }).fill('Sencha Premium');
    const token = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
      tenant: slug,
      portalUserId: '00000000-0000-4000-8000-000000000002',
      role: 'manager',
    });
    const theirs = await fetch(`${portal.posApi!.url}/v1/catalog/products/${productId}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'if-match': `"${version}"`,
      },
      body: JSON.stringify({ name: 'Sencha Classic' }),
    });
    expect(theirs.status).toBe(200);
    await page.getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else changed this product' });
    await expect.poll(() => conflict.isVisible()).toBe(true);
    const row = conflict.getByRole('row', { name: /Name/ });
    expect(await row.getByRole('cell').allTextContents()).toEqual(['Sencha Premium', 'Sencha Classic']);
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Sencha Premium');
    await checkPage(page, 'manage-product-conflict');

    await page.getByRole('button', { name: 'Save my version' }).click();
    await expect.poll(() => page.getByText('Saved.').isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sencha Premium');

    await page.goto(`${portal.url}/tenants/${slug}/manage/products`);
    await checkPage(page, 'manage-products');
    await page.goto(`${portal.url}/tenants/${slug}/manage/registers`);
    await checkPage(page, 'manage-registers');
    expect(consoleErrors).toEqual([]);
  });
});
