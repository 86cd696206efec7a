// E-mailing a receipt through the HTTP API against real PostgreSQL and Redis: the mail is queued
// with the receipt rendered from the stored sale (totals, number, the tenant's footer), once per
// Idempotency-Key; bad and hostile addresses are refused with their reason; each receipt, each till
// and the tenant have their limits; the audit log and the answer keep only a shortened address.
// (The worker sending the queued mail to a real SMTP server is tested in test/src/e2e.)
import type {} from '@cloudpos/harness/vitest/provided';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import { portalTokenSigner } from '../auth/portal-tokens.ts';
import {
  anotherTill,
  bearer,
  signIn,
  sellingWorld,
  type SellingWorld,
  type SignedIn,
  type TestTenant,
  TEST_PORTAL_TOKEN_SECRET,
} from '../test-support.ts';

let world: SellingWorld;
let sql: pg.Pool;
let app: PosApi;
let tenant: TestTenant;
let schema: string;
let tillOne: SignedIn;
let tillTwo: SignedIn;

const LIMITS = {
  RECEIPT_MAIL_LIMIT_PER_DEVICE: '4',
  RECEIPT_MAIL_LIMIT_PER_TENANT: '6',
  RECEIPT_MAIL_PER_SALE: '2',
};

beforeAll(async () => {
  world = await sellingWorld(
    'receipt-mail',
    { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') },
    { env: LIMITS },
  );
  ({ sql, app, tenant, schema } = world);
  tillOne = await signIn(app, tenant, tenant.cashier.code, tenant.cashier.pin);
  tillTwo = (await anotherTill(app, tenant, 'Till 2')).signedIn;

  const footer = await app.inject({
    method: 'PUT',
    url: '/v1/settings/receipt',
    headers: { host: tenant.host, ...bearer(tenant.owner.accessToken) },
    payload: { header: ['Open daily 7–19'], footer: ['Thank you, come again!'] },
  });
  expect(footer.statusCode, footer.body).toBe(200);
});

afterAll(async () => {
  await world?.close();
});

async function sell(till: SignedIn, payload?: object): Promise<{ id: string; receiptNumber: string }> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/sales',
    headers: { host: tenant.host, ...bearer(till.accessToken), 'idempotency-key': randomUUID() },
    payload: payload ?? {
      lines: [
        { sku: 'MUG', quantity: 2 },
        { sku: 'BREAD', quantity: 1 },
      ],
      tenders: [{ method: 'cash', amount: 900, tendered: 1000 }],
    },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json();
}

const email = (till: SignedIn, saleId: string, to: unknown, key: string | null = randomUUID()) =>
  app.inject({
    method: 'POST',
    url: `/v1/sales/${saleId}/receipt/email`,
    headers: { host: tenant.host, ...bearer(till.accessToken), ...(key ? { 'idempotency-key': key } : {}) },
    payload: { to },
  });

interface MailRow {
  id: string;
  recipient: string | null;
  recipient_hint: string;
  subject: string;
  text_body: string;
  html_body: string;
  sent_at: string | null;
}
const mailsOf = async (saleId: string) =>
  (
    await sql.query<MailRow>(
      `select id, recipient, recipient_hint, subject, text_body, html_body, sent_at
         from "${schema}".receipt_mail where sale_id = $1 order by created_at`,
      [saleId],
    )
  ).rows;

describe('POST /v1/sales/:id/receipt/email', () => {
  it('queues the receipt as the printed one, in text and HTML, with the tenant’s footer', async () => {
    const sale = await sell(tillOne);
    const answer = await email(tillOne, sale.id, ' Jane.Doe@Example.com ');
    expect(answer.statusCode, answer.body).toBe(202);
    const queued = answer.json<{ id: string; to: string; status: string }>();
    expect(queued).toMatchObject({ saleId: sale.id, to: 'J…@example.com', status: 'queued' });
    expect(answer.body).not.toContain('Jane.Doe');

    const [mail] = await mailsOf(sale.id);
    expect(mail).toMatchObject({ id: queued.id, recipient: 'Jane.Doe@example.com', sent_at: null });
    expect(mail!.subject).toBe(`Receipt ${sale.receiptNumber} · ${tenant.slug}`);
    // The same receipt as GET …/receipt renders: number, total (2 × 3.50 + 2.00), footer, header.
    const printed = await app.inject({
      method: 'GET',
      url: `/v1/sales/${sale.id}/receipt?format=text&width=42`,
      headers: { host: tenant.host, ...bearer(tillOne.accessToken) },
    });
    expect(mail!.text_body).toBe(printed.body);
    for (const part of [mail!.text_body, mail!.html_body]) {
      expect(part).toContain(sale.receiptNumber);
      expect(part).toContain('9.00');
      expect(part).toContain('Thank you, come again!');
      expect(part).toContain('Open daily 7–19');
    }

    // The audit log says who sent which receipt, with the address shortened.
    const { rows: audit } = await sql.query<{ outcome: string; detail: Record<string, unknown> }>(
      `select outcome, detail from "${schema}".audit_entry where action = 'receipt.email' and target_id = $1`,
      [sale.id],
    );
    expect(audit).toEqual([
      {
        outcome: 'succeeded',
        detail: { mailId: queued.id, to: 'J…@example.com', receipt: sale.receiptNumber },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain('Jane.Doe');
  });

  it('queues once per Idempotency-Key, and refuses the key for another address', async () => {
    const sale = await sell(tillOne);
    const key = randomUUID();
    const first = await email(tillOne, sale.id, 'joe@example.org', key);
    expect(first.statusCode, first.body).toBe(202);
    const again = await email(tillOne, sale.id, 'joe@example.org', key);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await email(tillOne, sale.id, 'someone-else@example.org', key);
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'idempotency_key_reused' });
    const missing = await email(tillOne, sale.id, 'joe@example.org', null);
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'idempotency_key_required' });
    expect(await mailsOf(sale.id)).toHaveLength(1);
  });

  it('refuses what is not one address, header injection first of all, as problem+json', async () => {
    const sale = await sell(tillOne);
    for (const [to, reason] of [
      ['jane@example.com\r\nBcc: everyone@example.org', 'no line breaks'],
      ['jane@example.com, joe@example.com', 'one bare address'],
      ['Jane <jane@example.com>', 'one bare address'],
      ['jane@localhost', 'not a valid internet name'],
      ['not an address', 'one bare address'],
      ['x'.repeat(300) + '@example.com', '64'],
    ]) {
      const refused = await email(tillOne, sale.id, to);
      expect(refused.statusCode, to).toBe(422);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({ code: 'email_invalid', errors: [{ path: '/to' }] });
      expect(refused.json<{ detail: string }>().detail).toContain(reason);
    }
    for (const to of [{ address: 'jane@example.com' }, 'x'.repeat(400)]) {
      const refused = await email(tillOne, sale.id, to);
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'validation_failed' });
    }
    expect(await mailsOf(sale.id)).toEqual([]);
  });

  it('sends only receipts: an unknown sale is not found, a parked one has no receipt', async () => {
    const unknown = await email(tillOne, randomUUID(), 'jane@example.com');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'sale_not_found' });
    const parked = await sell(tillOne, { lines: [{ sku: 'PEN', quantity: 1 }], park: true });
    const refused = await email(tillOne, parked.id, 'jane@example.com');
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'sale_has_no_receipt' });
  });

  it('mails one receipt at most RECEIPT_MAIL_PER_SALE times', async () => {
    const sale = await sell(tillTwo);
    expect((await email(tillTwo, sale.id, 'a@example.com')).statusCode).toBe(202);
    expect((await email(tillTwo, sale.id, 'b@example.com')).statusCode).toBe(202);
    const third = await email(tillTwo, sale.id, 'c@example.com');
    expect(third.statusCode).toBe(409);
    expect(third.json()).toMatchObject({ code: 'receipt_mail_sale_limit' });
    expect(await mailsOf(sale.id)).toHaveLength(2);
  });

  it('limits mails per till and per tenant, with Retry-After', async () => {
    // Till one has queued 2 (first two tests), till two 2 (the test above); the tenant 4 of 6.
    const first = await sell(tillOne);
    const second = await sell(tillOne);
    expect((await email(tillOne, first.id, 'c@example.com')).statusCode).toBe(202);
    expect((await email(tillOne, second.id, 'd@example.com')).statusCode).toBe(202);
    const overTill = await email(tillOne, second.id, 'e@example.com');
    expect(overTill.statusCode).toBe(429);
    expect(overTill.json()).toMatchObject({ code: 'receipt_mail_rate_limited' });
    expect(overTill.json<{ detail: string }>().detail).toContain('this till');
    expect(Number(overTill.headers['retry-after'])).toBeGreaterThan(0);

    // Till two still has room of its own, but the tenant has had its 6.
    const other = await sell(tillTwo);
    const overTenant = await email(tillTwo, other.id, 'f@example.com');
    expect(overTenant.statusCode).toBe(429);
    expect(overTenant.json<{ detail: string }>().detail).toContain('this business');
    expect(await mailsOf(other.id)).toEqual([]);
  });

  it('is for tills: a portal user cannot send receipts', async () => {
    const sale = await sell(tillOne);
    const token = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
      tenant: tenant.slug,
      portalUserId: randomUUID(),
      role: 'owner',
    });
    const refused = await email(
      { accessToken: token, refreshToken: '', staffId: '' },
      sale.id,
      'jane@example.com',
    );
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'forbidden' });
    expect(await mailsOf(sale.id)).toEqual([]);
  });
});
