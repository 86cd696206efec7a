// Merchants for tests: signed up and verified through the real mailbox.
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

/** The invitation link of the newest mail to this address. */
export async function invitationLink(portal: TestPortal, email: string): Promise<URL> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [message] = await portal.mailpit.messagesTo(email);
    if (message) {
      const link = /https?:\/\/\S+invitations\/accept\?token=[A-Za-z0-9_-]+/.exec(
        await portal.mailpit.text(message.ID),
      );
      if (link) return new URL(link[0]);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no invitation mail to ${email}`);
}

/**
 * A manager of the account `owner` (signed in) works in, signed in: invited by the owner through the
 * team page, the invitation accepted from the mail with a new password.
 */
export async function signedInManager(portal: TestPortal, owner: FormClient, email: string) {
  const invited = await owner.post('/team', { intent: 'invite', email, role: 'manager' });
  if (invited.status !== 200) throw new Error(`inviting ${email} failed: ${invited.status}`);
  const link = await invitationLink(portal, email);
  const browser = new FormClient(portal.url);
  const accepted = await browser.post(`${link.pathname}${link.search}`, {
    token: link.searchParams.get('token')!,
    password: TEST_PASSWORD,
  });
  if (accepted.status !== 302) throw new Error(`accepting the invitation failed: ${accepted.status}`);
  return browser;
}
