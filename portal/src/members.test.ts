// Members of a merchant account, in-process through the production build: invitations sent over
// real SMTP (Mailpit) and accepted from the mail's link, expired, revoked and used links, a manager's
// limits, role changes and removals that never leave an account without an owner, someone with a
// login elsewhere joining, and the platform audit trail of all of it.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormClient } from './testing/browserless.ts';
import { invitationLink, TEST_PASSWORD, verifiedMerchant } from './testing/merchants.ts';
import { startTestPortal, type TestPortal } from './testing/portal.ts';

let portal: TestPortal;
let db: pg.Client;
let ana: FormClient;
let bo: FormClient;

beforeAll(async () => {
  portal = await startTestPortal('members');
  db = new pg.Client({ connectionString: portal.databaseUrl });
  await db.connect();
  ana = await verifiedMerchant(portal, 'ana@corner.example', 'Corner Café');
  bo = await verifiedMerchant(portal, 'bo@books.example', 'Bo Books');
}, 120_000);
afterAll(async () => {
  await db?.end();
  await portal?.stop();
});

const text = async (response: Response) => (await response.text()).replaceAll('<!-- -->', '');

async function invite(by: FormClient, email: string, role: 'owner' | 'manager') {
  return by.post('/team', { intent: 'invite', email, role });
}

/** Accepts the newest invitation to `email` in a fresh browser with a new password. */
async function acceptAsNewcomer(email: string, password = TEST_PASSWORD) {
  const link = await invitationLink(portal, email);
  const browser = new FormClient(portal.url);
  // The CSRF token from another page: a used or expired link's page has no form.
  const response = await browser.post(
    `${link.pathname}${link.search}`,
    { token: link.searchParams.get('token')!, password },
    { csrf: await browser.csrf('/login') },
  );
  return { browser, response, link };
}

const idOf = async (email: string) =>
  (await db.query<{ id: string }>('select id from platform.app_user where email = $1', [email])).rows[0]?.id;

describe('invitations', () => {
  it('invites a manager by e-mail; the link asks for a password once and signs them in', async () => {
    const sent = await invite(ana, 'Max@Corner.example', 'manager');
    expect(sent.status).toBe(200);
    expect(await text(sent)).toContain('Invitation sent to max@corner.example.');
    const [mail] = await portal.mailpit.messagesTo('max@corner.example');
    expect(mail?.Subject).toBe('Corner Café invites you to CloudPOS');
    const link = await invitationLink(portal, 'max@corner.example');
    expect(link.origin).toBe(portal.url);

    const page = await text(await new FormClient(portal.url).get(`${link.pathname}${link.search}`));
    expect(page).toContain('Join Corner Café');
    expect(page).toContain('as a manager');
    // Opening the link changed nothing.
    expect(await idOf('max@corner.example')).toBeUndefined();

    const weak = await acceptAsNewcomer('max@corner.example', 'short');
    expect(weak.response.status).toBe(400);
    expect(await text(weak.response)).toContain('Use at least 12 characters.');

    const { browser, response } = await acceptAsNewcomer('max@corner.example');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/');
    const home = await text(await browser.get('/'));
    expect(home).toContain('Corner Café · you are a manager');
    expect(home).not.toContain('Add a store');
    // Owner-only pages are refused.
    const plans = await browser.get('/plans');
    expect(plans.status).toBe(403);
    expect(await text(plans)).toContain('Only an owner of the account can choose plans and pay.');

    // Single use: the same link again.
    const again = await acceptAsNewcomer('max@corner.example');
    expect(again.response.status).toBe(400);
    expect(await text(again.response)).toContain('expired, was revoked or was already used');
    expect(await text(await again.browser.get(`${link.pathname}${link.search}`))).toContain(
      'This invitation was already accepted.',
    );
    // The team lists the new member, with no open invitation left.
    const team = await text(await ana.get('/team'));
    expect(team).toMatch(/max@corner\.example<\/strong><span class="tag">manager/);
    expect(team).not.toContain('Waiting for an answer');
  });

  it('refuses expired and revoked links in plain words', async () => {
    expect((await invite(ana, 'late@corner.example', 'manager')).status).toBe(200);
    await db.query(
      `update platform.invitation set expires_at = now() - interval '1 minute' where email = 'late@corner.example'`,
    );
    const late = await acceptAsNewcomer('late@corner.example');
    expect(late.response.status).toBe(400);
    expect(await text(await late.browser.get(`${late.link.pathname}${late.link.search}`))).toContain(
      'This invitation has expired.',
    );
    expect(await idOf('late@corner.example')).toBeUndefined();

    expect((await invite(ana, 'nope@corner.example', 'owner')).status).toBe(200);
    const team = await text(await ana.get('/team'));
    const id = /name="id" value="([0-9a-f-]{36})"/.exec(team)?.[1];
    expect(team).toContain('nope@corner.example');
    const revoked = await ana.post('/team', { intent: 'revoke', id: id! });
    expect(await text(revoked)).toContain('The invitation to nope@corner.example is revoked.');
    const gone = await acceptAsNewcomer('nope@corner.example');
    expect(gone.response.status).toBe(400);
    expect(await text(await gone.browser.get(`${gone.link.pathname}${gone.link.search}`))).toContain(
      'This invitation was withdrawn.',
    );
    // A second invitation replaces the first: only the newest link works.
    expect((await invite(ana, 'twice@corner.example', 'manager')).status).toBe(200);
    const first = await invitationLink(portal, 'twice@corner.example');
    expect((await invite(ana, 'twice@corner.example', 'manager')).status).toBe(200);
    await expect.poll(async () => (await portal.mailpit.messagesTo('twice@corner.example')).length).toBe(2);
    const second = await invitationLink(portal, 'twice@corner.example');
    expect(second.search).not.toBe(first.search);
    const oldBrowser = new FormClient(portal.url);
    const old = await oldBrowser.post(
      `${first.pathname}${first.search}`,
      { token: first.searchParams.get('token')!, password: TEST_PASSWORD },
      { csrf: await oldBrowser.csrf('/login') },
    );
    expect(old.status).toBe(400);
  });

  it('lets a manager invite managers but not owners, and not change roles', async () => {
    const manager = new FormClient(portal.url);
    expect(
      (await manager.post('/login', { email: 'max@corner.example', password: TEST_PASSWORD })).status,
    ).toBe(302);
    const owner = await invite(manager, 'olga@corner.example', 'owner');
    expect(owner.status).toBe(403);
    expect(await text(owner)).toContain('Only an owner can invite owners.');
    expect(await portal.mailpit.messagesTo('olga@corner.example')).toEqual([]);
    expect((await invite(manager, 'mia@corner.example', 'manager')).status).toBe(200);
    const team = await text(await manager.get('/team'));
    expect(team).not.toContain('Change role');
    const anaId = (await idOf('ana@corner.example'))!;
    const demote = await manager.post('/team', { intent: 'role', userId: anaId, role: 'manager' });
    expect(demote.status).toBe(403);
    const remove = await manager.post('/team', { intent: 'remove', userId: anaId });
    expect(remove.status).toBe(403);
    // An owner's invitation is not the manager's to revoke.
    expect((await invite(ana, 'oscar@corner.example', 'owner')).status).toBe(200);
    const { rows } = await db.query<{ id: string }>(
      `select id from platform.invitation where email = 'oscar@corner.example'`,
    );
    expect((await manager.post('/team', { intent: 'revoke', id: rows[0]!.id })).status).toBe(403);
  });

  it('changes roles and removes members, but never the last owner', async () => {
    const maxId = (await idOf('max@corner.example'))!;
    const anaId = (await idOf('ana@corner.example'))!;
    const alone = await ana.post('/team', { intent: 'role', userId: anaId, role: 'manager' });
    expect(alone.status).toBe(409);
    expect(await text(alone)).toContain('An account keeps at least one owner');
    expect(await text(await ana.post('/team', { intent: 'remove', userId: anaId }))).toContain(
      'You cannot remove yourself',
    );

    const promoted = await ana.post('/team', { intent: 'role', userId: maxId, role: 'owner' });
    expect(await text(promoted)).toContain('max@corner.example is now an owner.');
    // Two owners: one may step down; the other then cannot.
    expect((await ana.post('/team', { intent: 'role', userId: anaId, role: 'manager' })).status).toBe(200);
    const max = new FormClient(portal.url);
    await max.post('/login', { email: 'max@corner.example', password: TEST_PASSWORD });
    expect((await max.post('/team', { intent: 'role', userId: maxId, role: 'manager' })).status).toBe(409);
    expect((await max.post('/team', { intent: 'role', userId: anaId, role: 'owner' })).status).toBe(200);

    // Removing someone whose only account this is deletes their login.
    const mia = await acceptAsNewcomer('mia@corner.example');
    expect(mia.response.status).toBe(302);
    const miaId = (await idOf('mia@corner.example'))!;
    const removed = await ana.post('/team', { intent: 'remove', userId: miaId });
    expect(await text(removed)).toContain('mia@corner.example no longer has access.');
    expect(await idOf('mia@corner.example')).toBeUndefined();
    expect((await mia.browser.get('/team')).headers.get('location')).toBe('/login?next=%2Fteam');
  });

  it('lets someone with a login elsewhere join after logging in, and switch between businesses', async () => {
    expect((await invite(ana, 'bo@books.example', 'manager')).status).toBe(200);
    const link = await invitationLink(portal, 'bo@books.example');
    const path = `${link.pathname}${link.search}`;
    const stranger = new FormClient(portal.url);
    const page = await text(await stranger.get(path));
    expect(page).toContain('You already have a CloudPOS login with this e-mail');
    expect(page).not.toContain('Choose a password');
    // Not signed in as bo: no way in with a password of one's own choosing.
    const forged = await stranger.post(
      path,
      { token: link.searchParams.get('token')!, password: TEST_PASSWORD },
      { csrf: await stranger.csrf('/login') },
    );
    expect(forged.status).toBe(403);
    expect(await text(await ana.get(path))).toContain('You are logged in as ana@corner.example.');

    const joinPage = await text(await bo.get(path));
    expect(joinPage).toContain('Join Corner Café</button>');
    const joined = await bo.post(path, { token: link.searchParams.get('token')! });
    expect(joined.status).toBe(302);
    const home = await text(await bo.get('/'));
    expect(home).toContain('Corner Café · you are a manager');
    expect(home).toContain('Your other businesses');
    const boBooks = (
      await db.query<{ id: string }>(`select id from platform.account where name = 'Bo Books'`)
    ).rows[0]!.id;
    const switched = await bo.post('/?index', { accountId: boBooks });
    expect(switched.status).toBe(302);
    expect(await text(await bo.get('/'))).toContain('Bo Books · you are an owner');
    // Not a member of an account: no switching into it.
    const anaAccount = (
      await db.query<{ account_id: string }>(
        `select account_id from platform.app_user where email = 'ana@corner.example'`,
      )
    ).rows[0]!.account_id;
    const max = new FormClient(portal.url);
    await max.post('/login', { email: 'max@corner.example', password: TEST_PASSWORD });
    expect((await max.post('/?index', { accountId: boBooks })).status).toBe(404);

    // Removed from Corner Café, bo keeps the login and their own business.
    expect((await bo.post('/?index', { accountId: anaAccount })).status).toBe(302);
    const removed = await ana.post('/team', { intent: 'remove', userId: (await idOf('bo@books.example'))! });
    expect(removed.status).toBe(200);
    expect(await text(await bo.get('/'))).toContain('Bo Books · you are an owner');
  });

  it('refuses team changes without the CSRF token', async () => {
    const response = await ana.post(
      '/team',
      { intent: 'invite', email: 'x@y.example', role: 'owner' },
      { csrf: null },
    );
    expect(response.status).toBe(403);
    expect(await portal.mailpit.messagesTo('x@y.example')).toEqual([]);
  });

  it('records every change in the platform audit table', async () => {
    const { rows } = await db.query<{ action: string }>(
      `select distinct action from platform.audit where action like 'member.%' or action like 'invitation.%'`,
    );
    expect(rows.map((row) => row.action).sort()).toEqual([
      'invitation.accepted',
      'invitation.revoked',
      'member.invited',
      'member.removed',
      'member.role_changed',
    ]);
    const { rows: removed } = await db.query<{ detail: { email: string; loginDeleted: boolean } }>(
      `select detail from platform.audit where action = 'member.removed' order by id`,
    );
    expect(removed.map((row) => row.detail)).toEqual([
      expect.objectContaining({ email: 'mia@corner.example', loginDeleted: true }),
      expect.objectContaining({ email: 'bo@books.example', loginDeleted: false }),
    ]);
  });
});
