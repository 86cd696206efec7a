// Inviting a manager, in Debian's Chromium: the owner of a Ready tenant invites someone from the
// Team page, the mail arrives in Mailpit over real SMTP, the invitee opens its link, chooses a
// password and lands in the merchant's portal as a manager: the stores are there, store changes
// and plans are refused. Pages are checked with axe-core and for touch targets, and photographed.
import { launchChromium, type ChromiumSession } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitationLink, readyTenant, TEST_PASSWORD, verifiedMerchant } from '../testing/merchants.ts';
import { checkPage, consoleErrorsOf, logIn } from '../testing/chromium.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';

let portal: TestPortal;
let chromium: ChromiumSession;
const slug = `team-${randomBytes(3).toString('hex')}`;
const owner = `owner-${slug}@shop.example`;
const invitee = `maya-${slug}@shop.example`;

beforeAll(async () => {
  portal = await startTestPortal('e2e_team', {}, {}, { posApi: true });
  const merchant = await verifiedMerchant(portal, owner, 'Linden Bakery');
  await readyTenant(portal, merchant, slug, 'Linden Bakery');
  chromium = await launchChromium();
}, 180_000);
afterAll(async () => {
  await chromium?.close();
  await portal?.stop();
});

describe('inviting a manager in the browser', () => {
  it('invites by e-mail; the invitee accepts from the mail and works with a manager’s rights', async () => {
    const page = await chromium.context.newPage();
    const consoleErrors = consoleErrorsOf(page);
    await logIn(page, portal.url, owner, TEST_PASSWORD);
    await page.getByRole('link', { name: 'Team' }).click();
    await page.waitForURL('**/team');
    await page.getByRole('heading', { name: 'Team of Linden Bakery' }).waitFor();

    // The shared schema answers in the browser first.
    await page.getByLabel('E-mail', { exact: true }).fill('not an address');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expect.poll(() => page.getByText('Enter a valid e-mail address.').isVisible()).toBe(true);
    await page.getByLabel('E-mail', { exact: true }).fill(invitee);
    await page.getByLabel('Role', { exact: true }).selectOption('manager');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain(`Invitation sent to ${invitee}.`);
    await expect
      .poll(() => page.getByRole('list', { name: 'Invitations' }).getByText(invitee).isVisible())
      .toBe(true);
    await checkPage(page, 'team');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${portal.url}/`);

    // The invitee, from the mail.
    const link = await invitationLink(portal, invitee);
    await page.goto(link.toString());
    await page.getByRole('heading', { name: 'Join Linden Bakery' }).waitFor();
    expect(await page.getByText('as a manager').isVisible()).toBe(true);
    await checkPage(page, 'invitation');
    await page.getByLabel('Choose a password').fill('short');
    await page.getByRole('button', { name: 'Accept and continue' }).click();
    await expect.poll(() => page.getByText('Use at least 12 characters.').isVisible()).toBe(true);
    await page.getByLabel('Choose a password').fill('a long new password for maya');
    await page.getByRole('button', { name: 'Accept and continue' }).click();
    await page.waitForURL(`${portal.url}/`);
    await expect.poll(() => page.getByText('Linden Bakery · you are a manager').isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Add a store' }).count()).toBe(0);

    // The merchant's stores, with a manager's rights.
    await page.getByRole('link', { name: 'Linden Bakery' }).click();
    await page.getByRole('link', { name: 'Manage stores, products and staff' }).click();
    await page.waitForURL(`**/tenants/${slug}/manage`);
    await expect.poll(() => page.getByText('signed in as manager').isVisible()).toBe(true);
    await page
      .getByRole('navigation', { name: 'Store management' })
      .getByRole('link', { name: 'Stores' })
      .click();
    await page.waitForURL('**/manage/stores');
    await expect
      .poll(() => page.getByRole('list', { name: 'Stores' }).getByText('Linden Bakery').isVisible())
      .toBe(true);
    expect(
      await page.getByText('Only an owner of the account can open, rename or close stores.').isVisible(),
    ).toBe(true);
    expect(await page.getByRole('button', { name: 'Open store' }).count()).toBe(0);

    // Owner-only pages are refused.
    const plans = await page.goto(`${portal.url}/plans`);
    expect(plans?.status()).toBe(403);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Only an owner of the account can choose plans and pay.');
    await page.goto(`${portal.url}/team`);
    await page.getByRole('heading', { name: 'Team of Linden Bakery' }).waitFor();
    expect(await page.getByRole('button', { name: 'Change role' }).count()).toBe(0);
    expect(await page.getByLabel('Role', { exact: true }).locator('option').allTextContents()).toEqual([
      'Manager',
    ]);

    // The link was used up.
    await page.goto(link.toString());
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('This invitation was already accepted. Log in to continue.');
    expect(consoleErrors.filter((line) => !line.includes('403'))).toEqual([]);
  });
});
