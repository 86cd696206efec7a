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
