// Merchants for tests: signed up and verified through the real mailbox.
import pg from 'pg';
import { hashPassword } from '../passwords.ts';
import { FormClient } from './browserless.ts';
import type { TestPortal } from './portal.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

/** The verification link of the newest mail to this address. */
export async function verificationLink(portal: TestPortal, email: string): Promise<URL> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [message] = await portal.mailpit.messagesTo(email);
    if (message) {
      const link = /https?:\/\/\S+verify-email\?token=[A-Za-z0-9_-]+/.exec(
        await portal.mailpit.text(message.ID),
      );
      if (link) return new URL(link[0]);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no verification mail to ${email}`);
}

export async function verifiedMerchant(portal: TestPortal, email: string, businessName: string) {
  const browser = new FormClient(portal.url);
  const signUp = await browser.post('/signup', { businessName, email, password: TEST_PASSWORD });
  if (signUp.status !== 302) throw new Error(`sign-up failed: ${signUp.status} ${await signUp.text()}`);
  const link = await verificationLink(portal, email);
  await browser.post(`${link.pathname}${link.search}`, { token: link.searchParams.get('token')! });
  return browser;
}

/** Orders a tenant as the signed-in owner, pays on the Stripe fake, and waits until it is Ready. */
export async function readyTenant(portal: TestPortal, browser: FormClient, slug: string, storeName: string) {
  const order = await browser.post('/plans', { storeName, slug, plan: 'growth', currency: 'EUR' });
  if (order.status !== 302) throw new Error(`ordering ${slug} failed: ${order.status}`);
  const checkoutUrl = order.headers.get('location')!;
  const paid = await fetch(checkoutUrl, {
    method: 'POST',
    body: new URLSearchParams({ payment_method: 'pm_card_visa' }),
    redirect: 'manual',
  });
  if (paid.status !== 303) throw new Error(`paying for ${slug} failed: ${paid.status}`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await (await browser.get(`/tenants/${slug}`)).text()).includes('Your till is ready')) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`tenant ${slug} did not become Ready`);
}

/**
 * A manager of the account `ownerEmail` belongs to, signed in. There is no invitation flow yet: the
 * user is written to the platform schema as an invitation would, then logs in through the form.
 */
export async function signedInManager(portal: TestPortal, ownerEmail: string, email: string) {
  const db = new pg.Client({ connectionString: portal.databaseUrl });
  await db.connect();
  try {
    await db.query(
      `insert into platform.app_user (account_id, email, password_hash, role, email_verified_at)
       select account_id, $2, $3, 'manager', now() from platform.app_user where lower(email) = $1`,
      [ownerEmail, email, await hashPassword(TEST_PASSWORD)],
    );
  } finally {
    await db.end();
  }
  const browser = new FormClient(portal.url);
  const login = await browser.post('/login', { email, password: TEST_PASSWORD });
  if (login.status !== 302) throw new Error(`manager log-in failed: ${login.status}`);
  return browser;
}
