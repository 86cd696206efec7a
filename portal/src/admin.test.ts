// The platform operators' view, in-process through the production build: an operator made with the
// real CLI logs in with their own credentials (a merchant's session or password is no way in), sees
// every tenant with plan, phase, Ready, billing and events, and suspends and resumes one through the
// Tenant's spec (the operator's local mode applies it); billing and the operator each keep their own
// reason to suspend, so a paid invoice does not lift an operator's suspension and the reverse.
import { eventually } from '@cloudpos/harness';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticator } from './testing/authenticator.ts';
import { FormClient } from './testing/browserless.ts';
import { readyTenant, TEST_PASSWORD, verifiedMerchant } from './testing/merchants.ts';
import { startTestPortal, type TestPortal } from './testing/portal.ts';

const GRACE_SECONDS = 2;
const ADMIN = { email: 'ops@cloudpos.example', password: 'a long operator password' };
let portal: TestPortal;
let db: pg.Client;
let merchant: FormClient;
let subscriptionId: string;
const slug = `adm-${randomBytes(3).toString('hex')}`;
const cli = (args: string[], env: Record<string, string>) =>
  promisify(execFile)(process.execPath, [new URL('./admin-cli.ts', import.meta.url).pathname, ...args], {
    env: { ...process.env, DATABASE_URL: portal.databaseUrl, ...env },
  });

beforeAll(async () => {
  portal = await startTestPortal('admin', {}, { BILLING_GRACE_SECONDS: String(GRACE_SECONDS) });
  db = new pg.Client({ connectionString: portal.databaseUrl });
  await db.connect();
  merchant = await verifiedMerchant(portal, 'flo@florist.example', 'Flo Florist');
  await readyTenant(portal, merchant, slug, 'Flo Florist');
  subscriptionId = [...portal.stripe.billing.subscriptions.keys()][0]!;
}, 180_000);
afterAll(async () => {
  await db?.end();
  await portal?.stop();
});

const text = async (response: Response) => (await response.text()).replaceAll('<!-- -->', '');

/** The operator's authenticator app, set up from what the CLI printed. */
let app: { code(): Promise<string> };
const otpauthOf = (stdout: string) => /otpauth:\/\/totp\/\S+/.exec(stdout)?.[0];
let signedIn: FormClient | undefined;

async function logInOperator(): Promise<FormClient> {
  const browser = new FormClient(portal.url);
  const response = await browser.post('/admin/login', { ...ADMIN, code: await app.code() });
  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe('/admin');
  return browser;
}

/** One operator session for the tests that only use it (a code is good once, a step is 30 s). */
const operator = async () => (signedIn ??= await logInOperator());

async function phase(expected: string) {
  await eventually(
    `phase ${expected}`,
    async () =>
      (await portal.runtime.services.admin.tenants({ q: slug })).items.find((tenant) => tenant.slug === slug)
        ?.observed?.phase === expected,
    30_000,
  );
}

const specSuspended = async () =>
  (
    await db.query<{ suspended: boolean | null }>(
      `select (manifest -> 'spec' ->> 'suspended')::boolean as suspended from platform.tenant where slug = $1`,
      [slug],
    )
  ).rows[0]!.suspended ?? false;

describe('the platform operators’ view', () => {
  it('makes operators with the CLI, never from a page, with the password off the command line', async () => {
    const usage = await cli(['add', ADMIN.email], { DATABASE_URL: '' }).catch((error: unknown) => error);
    expect((usage as { code: number }).code).toBe(2);
    const short = await cli(['add', ADMIN.email], { PLATFORM_ADMIN_PASSWORD: 'short' }).catch(
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect((short as { stderr: string }).stderr).toContain('at least 12 characters');
    const made = await cli(['add', ADMIN.email], { PLATFORM_ADMIN_PASSWORD: ADMIN.password });
    expect(made.stdout).toContain(`Platform operator ${ADMIN.email} can now log in at /admin.`);
    const uri = otpauthOf(made.stdout);
    expect(uri).toMatch(
      /^otpauth:\/\/totp\/CloudPOS%20platform:ops%40cloudpos\.example\?issuer=CloudPOS%20platform&secret=[A-Z2-7]{32}&/,
    );
    app = authenticator(uri!);
    const { rows } = await db.query<{ password_hash: string }>(
      'select password_hash from platform.admin_user',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$/);
  });

  it('keeps merchants out: no admin session, no admin password', async () => {
    const anonymous = await new FormClient(portal.url).get('/admin');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/admin/login');
    // A merchant's session is no admin session, for pages and for actions.
    const page = await merchant.get('/admin');
    expect(page.headers.get('location')).toBe('/admin/login');
    const posted = await merchant.post(
      '/admin',
      { slug, suspend: 'true', reason: 'merchant trying' },
      { csrf: await merchant.csrf('/') },
    );
    expect(posted.status).toBe(302);
    expect(posted.headers.get('location')).toBe('/admin/login');
    expect(await specSuspended()).toBe(false);
    // A merchant's password is not an operator's.
    const login = await merchant.post('/admin/login', {
      email: 'flo@florist.example',
      password: TEST_PASSWORD,
      code: '123456',
    });
    expect(login.status).toBe(400);
    expect(await text(login)).toContain('The e-mail, the password or the code is not right.');
    // And an operator's session is no merchant session.
    const ops = await operator();
    expect((await ops.get('/')).status).toBe(200);
    expect(await text(await ops.get('/'))).not.toContain('Your stores');
  });

  it('asks for the authenticator’s code, takes each code once, and replaces a lost second factor', async () => {
    const attempt = (fields: Record<string, string>) =>
      new FormClient(portal.url).post('/admin/login', { ...ADMIN, ...fields });
    const noCode = await attempt({ code: '' });
    expect(noCode.status).toBe(400);
    expect(await text(noCode)).toContain('Type the 6 digits your authenticator app shows.');
    const code = await app.code();
    const wrong = await attempt({ code: String((Number(code) + 1) % 1_000_000).padStart(6, '0') });
    expect(wrong.status).toBe(400);
    expect(await text(wrong)).toContain('The e-mail, the password or the code is not right.');
    // The right password with the right code, typed with a space as apps show it, works once.
    expect((await attempt({ code: `${code.slice(0, 3)} ${code.slice(3)}` })).status).toBe(302);
    const replayed = await attempt({ code });
    expect(replayed.status).toBe(400);

    // A lost phone: the CLI sets up a new secret; codes of the old one stop working.
    const old = await app.code();
    const renewed = await cli(['add', ADMIN.email, '--new-second-factor'], {
      PLATFORM_ADMIN_PASSWORD: ADMIN.password,
    });
    expect((await attempt({ code: old })).status).toBe(400);
    app = authenticator(otpauthOf(renewed.stdout)!);
    signedIn = undefined; // the new password ended the sessions
    // A password change alone keeps the second factor and prints no secret.
    expect(
      (await cli(['add', ADMIN.email], { PLATFORM_ADMIN_PASSWORD: ADMIN.password })).stdout,
    ).not.toContain('otpauth://');
    expect((await attempt({ code: await app.code() })).status).toBe(302);
    // An operator from before second factors cannot log in until they set one up.
    await db.query('update platform.admin_user set totp_secret = null');
    const legacy = await attempt({ code: await app.code() });
    expect(await text(legacy)).toContain('This login has no second factor yet.');
    const enrolled = await cli(['add', ADMIN.email], { PLATFORM_ADMIN_PASSWORD: ADMIN.password });
    app = authenticator(otpauthOf(enrolled.stdout)!);
  });

  it('lists every tenant with plan, phase, Ready, billing and its last events', async () => {
    const page = await text(await (await operator()).get('/admin'));
    expect(page).toContain(`Flo Florist <span class="muted">${slug}</span>`);
    expect(page).toMatch(/<dt>Plan<\/dt><dd>growth<\/dd>/);
    expect(page).toMatch(/<dt>Phase<\/dt><dd>Ready<\/dd>/);
    expect(page).toMatch(/<dt>Ready<\/dt><dd>True/);
    expect(page).toMatch(/<dt>Billing<\/dt><dd>active<\/dd>/);
    expect(page).toMatch(/<dt>Suspended<\/dt><dd>no<\/dd>/);
    expect(page).toMatch(/tenant\.applied<\/li>/);
    expect(page).toMatch(/tenant\.paid<\/li>/);
  });

  it('finds a tenant by web address, name or e-mail, and pages through many, newest first', async () => {
    // 120 more tenants of one seeded account, created a day ago, one millisecond apart (older than
    // the tenant the other tests look for on the first page).
    await db.query(
      `with a as (insert into platform.account (name) values ('Seeded Chain') returning id)
       insert into platform.tenant (account_id, slug, display_name, plan, currency, state, created_at)
       select a.id, 'chain-' || g, 'Chain ' || g, 'starter', 'EUR', 'provisioned',
              now() - interval '1 day' + make_interval(secs => g / 1000.0)
       from a, generate_series(1, 120) g`,
    );
    const ops = await operator();
    const slugsOn = (html: string) =>
      [...html.matchAll(/<span class="muted">([a-z0-9-]+)<\/span><\/h2>/g)].map((m) => m[1]);
    const seen: string[] = [];
    let path: string | undefined = '/admin?q=chain';
    while (path) {
      const html = await text(await ops.get(path));
      seen.push(...slugsOn(html).map(String));
      path = /href="(\/admin\?[^"]*after=[^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    }
    expect(seen).toEqual(Array.from({ length: 120 }, (_, index) => `chain-${120 - index}`));

    const find = async (q: string) => slugsOn(await text(await ops.get(`/admin?q=${encodeURIComponent(q)}`)));
    expect(await find('flo@florist.example')).toEqual([slug]);
    expect(await find('Flo Flor')).toEqual([slug]);
    expect(await find(slug.toUpperCase())).toEqual([slug]);
    // What is typed is text, not a pattern.
    expect(await find('chain-1_0')).toEqual([]);
    expect(await text(await ops.get('/admin?q=%25'))).toContain('No tenant matches “%”.');
    // Hostile input is a search like any other (a NUL byte, a lone surrogate); a megabyte of URL is
    // refused by the HTTP server itself, never a 5xx.
    for (const hostile of ['%00', '%ED%A0%80', '%00abc%00'])
      expect((await ops.get(`/admin?q=${hostile}`)).status, hostile).toBe(200);
    expect((await ops.get(`/admin?q=${'x'.repeat(1_000_000)}`)).status).toBe(431);
    // A cursor that is not ours is the first page, never an error.
    const forged = await ops.get(`/admin?after=${Buffer.from('["1970-01-01", "x"]').toString('base64url')}`);
    expect(forged.status).toBe(200);
    expect(slugsOn(await text(forged))).toContain('chain-120');
  });

  it('suspends and resumes through the Tenant’s spec; a paid invoice does not lift it', async () => {
    const ops = await operator();
    const noReason = await ops.post('/admin', { slug, suspend: 'true', reason: '' });
    expect(noReason.status).toBe(400);
    expect(await text(noReason)).toContain('Say why');
    for (const hostile of ['a\u0000b c', 'x'.repeat(501)]) {
      const refused = await ops.post('/admin', { slug, suspend: 'true', reason: hostile });
      expect(refused.status).toBe(400);
    }
    expect(await specSuspended()).toBe(false);
    const suspended = await ops.post('/admin', { slug, suspend: 'true', reason: 'Fraud check #4711' });
    expect(await text(suspended)).toContain(`${slug} is suspended`);
    expect(await specSuspended()).toBe(true);
    await phase('Suspended');
    expect(await text(await merchant.get(`/tenants/${slug}`))).toContain('Suspended by CloudPOS.');
    expect(await text(await ops.get('/admin'))).toContain(`yes, by ${ADMIN.email} at`);

    // Billing's events keep coming: a failed and then paid renewal resume nothing.
    portal.stripe.billing.failRenewal(subscriptionId);
    await portal.stripe.waitForDelivery((d) => d.type === 'invoice.payment_failed');
    portal.stripe.billing.payRenewal(subscriptionId);
    await portal.stripe.waitForDelivery(
      (d) => d.type === 'invoice.paid' && d.responseBody.includes('handled'),
    );
    await portal.stripe.settled();
    await portal.runtime.retryPending();
    expect(await specSuspended()).toBe(true);
    await phase('Suspended');

    const resumed = await ops.post('/admin', { slug, suspend: 'false' });
    expect(await text(resumed)).toContain(`${slug} is resumed.`);
    expect(await specSuspended()).toBe(false);
    await phase('Ready');
    expect(await text(await merchant.get(`/tenants/${slug}`))).not.toContain('Suspended by CloudPOS');
  });

  it('resuming lifts only the operator’s suspension: an unpaid tenant stays suspended', async () => {
    portal.stripe.billing.failRenewal(subscriptionId);
    await portal.stripe.waitForDelivery(
      (d) => d.type === 'invoice.payment_failed' && d.attempt === 1 && d.responseBody.includes('handled'),
    );
    await portal.stripe.settled();
    await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000));
    await portal.runtime.retryPending();
    await phase('Suspended');
    const ops = await operator();
    expect(await text(await ops.get('/admin'))).toContain('yes, for billing');
    await ops.post('/admin', { slug, suspend: 'true', reason: 'Chargeback' });
    const resumed = await ops.post('/admin', { slug, suspend: 'false' });
    expect(await text(resumed)).toContain('stays suspended for billing');
    expect(await specSuspended()).toBe(true);
  });

  it('records who did what in the platform audit table, and a logout ends the session', async () => {
    const { rows } = await db.query<{ action: string; email: string; reason: string | null }>(
      `select a.action, u.email, a.detail ->> 'reason' as reason from platform.audit a
       join platform.admin_user u on u.id = a.admin_id where a.action like 'tenant.%' order by a.id`,
    );
    expect(rows).toEqual([
      { action: 'tenant.suspended_by_operator', email: ADMIN.email, reason: 'Fraud check #4711' },
      { action: 'tenant.resumed_by_operator', email: ADMIN.email, reason: null },
      { action: 'tenant.suspended_by_operator', email: ADMIN.email, reason: 'Chargeback' },
      { action: 'tenant.resumed_by_operator', email: ADMIN.email, reason: null },
    ]);
    const ops = await operator();
    signedIn = undefined;
    const out = await ops.post('/admin/logout', {}, { csrf: await ops.csrf('/admin') });
    expect(out.headers.get('location')).toBe('/admin/login');
    expect((await ops.get('/admin')).headers.get('location')).toBe('/admin/login');
    // A new password from the CLI ends every session of that operator.
    const kept = await logInOperator();
    await cli(['add', ADMIN.email], { PLATFORM_ADMIN_PASSWORD: 'another long password' });
    expect((await kept.get('/admin')).headers.get('location')).toBe('/admin/login');
  });
});
