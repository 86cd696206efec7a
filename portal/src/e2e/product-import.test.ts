// The CSV product import in Debian's Chromium: the owner of a Ready tenant
// chooses a file with three good rows and one bad row, sees the bad row's problem by its row number,
// chooses the fixed file, imports it and finds the products in the product list. The pages are
// checked with axe-core and for touch targets, and photographed at tablet and phone size.
import { launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyTenant, TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { checkPage, consoleErrorsOf, logIn } from '../testing/chromium.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let chromium: ChromiumSession;
const slug = `csv-${randomBytes(3).toString('hex')}`;
const email = `owner-${slug}@shop.example`;
const HEADER = 'sku,name,variant,barcode,price,tax_category,external_id';
const GOOD = [
  'MATCHA-S,Matcha latte,Small,,3.80,FOOD,matcha',
  'MATCHA-L,Matcha latte,Large,,4.60,FOOD,matcha',
  'MOCHI,Mochi,,4006381333931,2.20,FOOD,',
];

beforeAll(async () => {
  portal = await startTestPortal('e2e_import', {}, {}, { posApi: true });
  const merchant = await verifiedMerchant(portal, email, 'Hanami Import');
  await readyTenant(portal, merchant, slug, 'Hanami Import');
  const tax = await merchant.post(`/tenants/${slug}/manage/taxes`, {
    name: 'Food',
    code: 'FOOD',
    rate: '7',
    inclusive: 'true',
  });
  expect(tax.status).toBe(200);
  chromium = await launchChromium();
}, 180_000);
afterAll(async () => {
  await chromium?.close();
  await portal?.stop();
});

const csvFile = (lines: string[]) => ({
  name: 'menu.csv',
  mimeType: 'text/csv',
  buffer: Buffer.from([HEADER, ...lines].join('\n')),
});

describe('CSV product import in the browser', () => {
  it('shows the bad row of a file, then imports the fixed file into the product list', async () => {
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page);
    await logIn(page, portal.url, email, TEST_PASSWORD);
    await page.goto(`${portal.url}/tenants/${slug}/manage/products`);
    await page.getByRole('link', { name: 'Import from CSV' }).click();
    await page.waitForURL('**/manage/products/import');
    await page.getByRole('heading', { name: 'Import products from CSV' }).waitFor();
    await checkPage(page, 'manage-product-import');

    await page.getByLabel('CSV file').setInputFiles(csvFile([...GOOD, 'DANGO,Dango,,,two euros,FOOD,']));
    await page.getByRole('button', { name: 'Check file' }).click();
    const problems = page.getByRole('list', { name: 'Problems' });
    await expect
      .poll(() => problems.textContent())
      .toBe('Row 5: price “two euros” is not an amount in EUR, such as 3.50.');
    await expect.poll(() => page.getByRole('button', { name: /^Import/ }).count()).toBe(0);
    await checkPage(page, 'manage-product-import-errors');

    await page.getByLabel('CSV file').setInputFiles(csvFile([...GOOD, 'DANGO,Dango,,,2.00,FOOD,']));
    await page.getByRole('button', { name: 'Check file' }).click();
    await expect.poll(() => page.getByText('No problems found.').isVisible()).toBe(true);
    await checkPage(page, 'manage-product-import-preview');
    await page.getByRole('button', { name: 'Import 4 rows' }).click();
    await expect
      .poll(() => page.getByText('Imported menu.csv: 4 created, 0 updated, 0 unchanged.').isVisible())
      .toBe(true);

    await page.getByRole('link', { name: 'See the products' }).click();
    await page.waitForURL('**/manage/products');
    const list = page.getByRole('list', { name: 'Products' });
    await expect.poll(() => list.getByRole('link', { name: 'Matcha latte' }).isVisible()).toBe(true);
    await expect.poll(() => list.getByRole('link', { name: 'Mochi' }).isVisible()).toBe(true);
    await expect.poll(() => list.getByRole('link', { name: 'Dango' }).isVisible()).toBe(true);
    await expect.poll(() => list.getByText('€2.20').isVisible()).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
