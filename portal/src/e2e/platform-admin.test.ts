// The platform operators' view in Debian's Chromium: a signed-in merchant who opens /admin lands on
// the operators' log-in, where their password does not work; an operator logs in, sees the tenant
// with its plan, phase, Ready condition and billing, suspends it with a reason and resumes it. The
// page is checked with axe-core and for touch targets, and photographed.
import { eventually, launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAdmin } from '../admin.ts';
import { authenticator } from '../testing/authenticator.ts';
import { readyTenant, TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { checkPage, consoleErrorsOf, logIn } from '../testing/chromium.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let chromium: ChromiumSession;
const slug = `ops-${randomBytes(3).toString('hex')}`;
const merchantEmail = `owner-${slug}@shop.example`;
const ADMIN = { email: 'ops@cloudpos.example', password: 'a long operator password' };
let app: { code(): Promise<string> };

beforeAll(async () => {
  portal = await startTestPortal('e2e_admin');
  const merchant = await verifiedMerchant(portal, merchantEmail, 'Orchard Cider');
  await readyTenant(portal, merchant, slug, 'Orchard Cider');
  const db = new pg.Client({ connectionString: portal.databaseUrl });
  await db.connect();
  const { totpUri } = await upsertAdmin(db, ADMIN.email, ADMIN.password).finally(() => db.end());
  app = authenticator(totpUri!);
  chromium = await launchChromium();
}, 180_000);
afterAll(async () => {
  await chromium?.close();
  await portal?.stop();
});

const phase = async () =>
  (await portal.runtime.services.admin.tenants({ q: slug })).items.find((tenant) => tenant.slug === slug)
    ?.observed?.phase;

describe('the platform operators’ view in the browser', () => {
  it('keeps a merchant out, and lets an operator suspend and resume a tenant', async () => {
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page);
    await logIn(page, portal.url, merchantEmail, TEST_PASSWORD);

    // A merchant's session opens nothing here, and their password is not an operator's.
    await page.goto(`${portal.url}/admin`);
    expect(page.url()).toBe(`${portal.url}/admin/login`);
    await page.getByRole('heading', { name: 'Platform operators' }).waitFor();
    await checkPage(page, 'admin-login');
    await page.getByLabel('E-mail').fill(merchantEmail);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByLabel('Code from your authenticator app').fill('123456');
    await page.getByRole('button', { name: 'Log in' }).click();
    // Checking a password takes scrypt's time (128 MiB, a busy machine): longer than poll's 1 s.
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 })
      .toBe('The e-mail, the password or the code is not right.');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${portal.url}/`);

    await page.goto(`${portal.url}/admin/login`);
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByLabel('Code from your authenticator app').fill(await app.code());
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${portal.url}/admin`);
    const tenant = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: /Orchard Cider/ }) });
    await tenant.waitFor();
    const fact = (name: string) =>
      tenant.locator('dt', { hasText: name }).locator('xpath=following-sibling::dd');
    expect(await fact('Plan').textContent()).toBe('growth');
    expect(await fact('Phase').textContent()).toBe('Ready');
    expect(await fact('Ready').textContent()).toMatch(/^True/);
    expect(await fact('Billing').textContent()).toBe('active');
    expect(await fact('Suspended').textContent()).toBe('no');
    await checkPage(page, 'admin-tenants');

    // No reason, no suspension: the browser asks for one before anything is sent.
    const reason = tenant.getByLabel(`Reason for suspending ${slug}`);
    await tenant.getByRole('button', { name: `Suspend ${slug}` }).click();
    expect(await reason.evaluate((input: HTMLInputElement) => input.validity.valueMissing)).toBe(true);
    expect(await fact('Suspended').textContent()).toBe('no');
    await tenant.getByLabel(`Reason for suspending ${slug}`).fill('Card testing reported by Stripe');
    await tenant.getByRole('button', { name: `Suspend ${slug}` }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`${slug} is suspended`);
    await expect
      .poll(() => fact('Suspended').textContent())
      .toMatch(/^yes, by ops@cloudpos\.example at .+: “Card testing reported by Stripe”$/);
    await eventually('phase Suspended', async () => (await phase()) === 'Suspended', 30_000);
    await page.reload();
    expect(await fact('Phase').textContent()).toBe('Suspended');

    await tenant.getByRole('button', { name: `Resume ${slug}` }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`${slug} is resumed.`);
    await eventually('phase Ready', async () => (await phase()) === 'Ready', 30_000);
    await page.reload();
    expect(await fact('Suspended').textContent()).toBe('no');
    expect(await fact('Phase').textContent()).toBe('Ready');
    // The refused log-in answered 400, as it should; nothing else went wrong.
    expect(consoleErrors.filter((line) => !/status of 400 .*\/admin\/login\.data/.test(line))).toEqual([]);
  });
});
