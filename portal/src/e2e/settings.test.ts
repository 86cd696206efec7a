// The settings page in Debian's Chromium: the owner of a Ready tenant changes the offline limits
// (amounts typed in euros) and the receipt footer, is told about a mistake next to its field, sees
// the values saved, and finds the footer on the receipt of the next sale. A manager of the same
// account sees the settings read-only. Pages are checked with axe-core and for touch targets, and
// photographed at tablet and phone size.
import { launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { portalTokenSigner } from '@cloudpos/pos-api';
import { TEST_PORTAL_TOKEN_SECRET } from '@cloudpos/pos-api/test-support';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage, consoleErrorsOf, logIn, type Page } from '../testing/chromium.ts';
import { readyTenant, signedInManager, TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

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

/**
 * A sale on the tenant's POS API, as a register makes it: a product, a cashier and a register set
 * up with an owner's portal token, then the cashier signs in on the register and sells one item.
 */
async function sellOneItem(): Promise<string> {
  const token = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
    tenant: slug,
    portalUserId: '00000000-0000-4000-8000-000000000001',
    role: 'owner',
  });
  const api = portal.posApi!.app;
  const call = async <T>(url: string, payload: object, headers: Record<string, string> = {}) => {
    const response = await api.inject({
      method: 'POST',
      url,
      headers: { host: `${slug}.localhost`, ...headers },
      payload,
    });
    expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300);
    return response.json<T>();
  };
  const asOwner = { authorization: `Bearer ${token}` };
  const rate = await call<{ id: string }>(
    '/v1/catalog/tax-rates',
    { code: 'VAT19', name: 'VAT 19%', rate: '19', inclusive: true },
    asOwner,
  );
  const category = await call<{ id: string }>(
    '/v1/catalog/tax-categories',
    { code: 'VAT19', name: 'Standard VAT', taxRateIds: [rate.id] },
    asOwner,
  );
  await call(
    '/v1/catalog/products',
    {
      name: 'Tide Tables 2027',
      taxCategoryId: category.id,
      variants: [{ sku: 'TIDE', prices: [{ amount: 1250 }] }],
    },
    asOwner,
  );
  await call(
    '/v1/staff',
    { code: '3000', displayName: 'Cai Cashier', role: 'cashier', pin: '3131' },
    asOwner,
  );
  const device = await call<{ id: string; secret: string }>('/v1/devices', { name: 'Front' }, asOwner);
  const session = await call<{ accessToken: string }>('/v1/auth/sign-in', {
    deviceId: device.id,
    deviceSecret: device.secret,
    staffCode: '3000',
    pin: '3131',
  });
  const sale = await call<{ id: string }>(
    '/v1/sales',
    { lines: [{ sku: 'TIDE', quantity: 1 }], tenders: [{ method: 'cash', amount: 1250 }] },
    { authorization: `Bearer ${session.accessToken}`, 'idempotency-key': randomUUID() },
  );
  return sale.id;
}

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
    const saleId = await sellOneItem();
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
