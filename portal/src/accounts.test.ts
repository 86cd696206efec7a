// Sign-up, verification through the real SMTP server, log-in and the CSRF guard, through the
// production build served by Fastify.
import { eventually } from '@cloudpos/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormClient } from './testing/browserless.ts';
import { TEST_PASSWORD, verificationLink as link } from './testing/merchants.ts';
import { startTestPortal, type TestPortal } from './testing/portal.ts';

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal('accounts');
});
afterAll(async () => {
  await portal?.stop();
});

const PASSWORD = TEST_PASSWORD;
const verificationLink = async (email: string) => (await link(portal, email)).toString();

describe('accounts', () => {
  it('signs up, verifies the e-mail from the mailbox, logs out and in again', async () => {
    const browser = new FormClient(portal.url);
    const email = 'ana@corner.example';
    const signUp = await browser.post('/signup', { businessName: 'Corner Café', email, password: PASSWORD });
    expect(signUp.status).toBe(302);
    expect(signUp.headers.get('location')).toBe('/check-email');
    expect((await browser.get('/plans')).headers.get('location')).toBe('/check-email');

    const link = new URL(await verificationLink(email));
    expect(link.origin).toBe(portal.url);
    const verified = await browser.post(`${link.pathname}${link.search}`, {
      token: link.searchParams.get('token')!,
    });
    expect(verified.headers.get('location')).toBe('/plans');
    expect((await browser.get('/plans')).status).toBe(200);
    // The link works once.
    const again = await browser.post(`${link.pathname}${link.search}`, {
      token: link.searchParams.get('token')!,
    });
    expect(await again.text()).toContain('expired or was already used');

    expect((await browser.post('/logout', {}, { csrf: await browser.csrf('/') })).status).toBe(302);
    expect((await browser.get('/plans')).headers.get('location')).toBe('/login?next=%2Fplans');
    const logIn = await browser.post('/login', { email: email.toUpperCase(), password: PASSWORD });
    expect(logIn.headers.get('location')).toBe('/');
    expect((await browser.get('/plans')).status).toBe(200);
  });

  it('stores only a hash of the password (scrypt) and of the session id', async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: portal.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ password_hash: string }>(
        'select password_hash from platform.app_user',
      );
      expect(rows[0]!.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect(rows[0]!.password_hash).not.toContain(PASSWORD);
    } finally {
      await client.end();
    }
  });

  it('refuses a duplicate e-mail, a weak password and a wrong password with clear messages', async () => {
    const browser = new FormClient(portal.url);
    const duplicate = await browser.post('/signup', {
      businessName: 'Copy',
      email: 'ANA@corner.example',
      password: PASSWORD,
    });
    expect(duplicate.status).toBe(400);
    expect(await duplicate.text()).toContain('already exists');
    const weak = await browser.post('/signup', {
      businessName: 'Weak',
      email: 'weak@x.example',
      password: 'short',
    });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('at least 12 characters');
    const wrong = await browser.post('/login', { email: 'ana@corner.example', password: 'not the password' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('not right');
  });

  it('refuses every action without the right CSRF token, before the action runs', async () => {
    const browser = new FormClient(portal.url);
    const fields = { businessName: 'Forged', email: 'forged@x.example', password: PASSWORD };
    expect((await browser.post('/signup', fields, { csrf: null })).status).toBe(403);
    expect((await browser.post('/signup', fields, { csrf: 'x'.repeat(43) })).status).toBe(403);
    // The token of another browser is not this browser's.
    const other = await new FormClient(portal.url).csrf();
    expect((await browser.post('/signup', fields, { csrf: other })).status).toBe(403);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: portal.databaseUrl });
    await client.connect();
    const { rowCount } = await client.query(
      `select 1 from platform.app_user where email = 'forged@x.example'`,
    );
    await client.end();
    expect(rowCount).toBe(0);
  });

  it('locks an e-mail out after repeated failed log-ins', async () => {
    const browser = new FormClient(portal.url);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      statuses.push(
        (await browser.post('/login', { email: 'locked@x.example', password: 'wrong password' })).status,
      );
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it('resets a forgotten password by e-mail, once, and signs out every session', async () => {
    const email = 'ana@corner.example';
    const signedIn = new FormClient(portal.url);
    expect((await signedIn.post('/login', { email, password: PASSWORD })).status).toBe(302);
    expect((await signedIn.get('/plans')).status).toBe(200);

    const browser = new FormClient(portal.url);
    const unknown = await browser.post('/forgot-password', { email: 'nobody@x.example' });
    const known = await browser.post('/forgot-password', { email });
    // The same answer either way: the form does not tell who has an account.
    expect(await unknown.text()).toContain('If an account uses this address');
    expect(await known.text()).toContain('If an account uses this address');
    expect(await portal.mailpit.messagesTo('nobody@x.example')).toEqual([]);

    const mail = await eventually('the reset mail', async () =>
      (await portal.mailpit.messagesTo(email)).find((message) => message.Subject.includes('Reset')),
    );
    const link = new URL(
      /https?:\/\/\S+reset-password\?token=[A-Za-z0-9_-]+/.exec(await portal.mailpit.text(mail.ID))![0],
    );
    const token = link.searchParams.get('token')!;
    const newPassword = 'a brand new long passphrase';
    const reset = await browser.post(`${link.pathname}${link.search}`, { token, password: newPassword });
    expect(reset.headers.get('location')).toBe('/login?reset=1');
    const again = await browser.post(`${link.pathname}${link.search}`, {
      token,
      password: 'yet another passphrase!',
    });
    expect(await again.text()).toContain('expired or was already used');

    expect((await signedIn.get('/plans')).headers.get('location')).toBe('/login?next=%2Fplans');
    expect((await browser.post('/login', { email, password: PASSWORD })).status).toBe(400);
    expect((await browser.post('/login', { email, password: newPassword })).headers.get('location')).toBe(
      '/',
    );
  });
});
