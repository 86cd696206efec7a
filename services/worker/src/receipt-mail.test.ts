// The receipt mail sender against a real SMTP server (Mailpit, read back through its API), with
// mails queued through the real POS API on PostgreSQL and Redis: the mail that arrives is the
// receipt (number, totals, the tenant's footer, text and HTML); it is sent once even with two
// senders at once; an SMTP server that is down delays it without losing it; a mail that keeps
// failing is given up; and the customer's address is erased once the mail is done with.
import { startMailpit, type MailpitServer } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import {
  bearer,
  sellingWorld,
  signIn,
  type SellingWorld,
  type SignedIn,
} from '@cloudpos/pos-api/test-support';
import { createLogger } from '@cloudpos/telemetry';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DEFAULT_MAIL_POLICY,
  receiptMailMetrics,
  sendDueMails,
  smtpTransport,
  startMailSender,
  type MailTarget,
} from './receipt-mail.ts';

let world: SellingWorld;
let cashier: SignedIn;
let mailpit: MailpitServer;
let dir: string;
/** Accepts TCP connections and closes them at once: an SMTP server that is there but broken. */
let broken: Server;
const FROM = 'Corner Shop receipts <receipts@corner.example>';
const logger = createLogger({ name: 'receipt-mail-test', level: 'silent' });

beforeAll(async () => {
  world = await sellingWorld('workermail', {
    postgresUrl: inject('postgresUrl'),
    redisUrl: inject('redisUrl'),
  });
  cashier = await signIn(world.app, world.tenant, world.tenant.cashier.code, world.tenant.cashier.pin);
  const footer = await world.app.inject({
    method: 'PUT',
    url: '/v1/settings/receipt',
    headers: { host: world.tenant.host, ...bearer(world.tenant.owner.accessToken) },
    payload: { header: ['Corner Shop, 1 Main Street'], footer: ['Thank you, come again!'] },
  });
  expect(footer.statusCode, footer.body).toBe(200);
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-receipt-mail-'));
  mailpit = await startMailpit({ dir: join(dir, 'mailpit') });
  broken = createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
});

afterAll(async () => {
  broken?.close();
  await mailpit?.stop();
  await world?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const target = (smtpUrl = mailpit.smtpUrl): MailTarget => ({
  tenant: world.tenant.slug,
  schema: world.schema,
  pool: world.sql,
  transport: smtpTransport(smtpUrl, FROM),
});

/** A sale of 2 mugs (3.50) and a bread (2.00) paid 10.00 in cash, and its receipt mail queued. */
async function sellAndQueue(to: string): Promise<{ saleId: string; receiptNumber: string; mailId: string }> {
  const sold = await world.app.inject({
    method: 'POST',
    url: '/v1/sales',
    headers: { host: world.tenant.host, ...bearer(cashier.accessToken), 'idempotency-key': randomUUID() },
    payload: {
      lines: [
        { sku: 'MUG', quantity: 2 },
        { sku: 'BREAD', quantity: 1 },
      ],
      tenders: [{ method: 'cash', amount: 900, tendered: 1000 }],
    },
  });
  expect(sold.statusCode, sold.body).toBe(201);
  const sale = sold.json<{ id: string; receiptNumber: string }>();
  const queued = await world.app.inject({
    method: 'POST',
    url: `/v1/sales/${sale.id}/receipt/email`,
    headers: { host: world.tenant.host, ...bearer(cashier.accessToken), 'idempotency-key': randomUUID() },
    payload: { to },
  });
  expect(queued.statusCode, queued.body).toBe(202);
  return { saleId: sale.id, receiptNumber: sale.receiptNumber, mailId: queued.json<{ id: string }>().id };
}

interface MailRow {
  recipient: string | null;
  recipient_hint: string;
  attempts: number;
  sent_at: string | null;
  failed_at: string | null;
  last_error: string | null;
  /** numeric: pg gives it as text. */
  due_in_ms: string;
}
const mailRow = async (id: string) =>
  (
    await world.sql.query<MailRow>(
      `select recipient, recipient_hint, attempts, sent_at, failed_at, last_error,
              extract(epoch from (next_attempt_at - now())) * 1000 as due_in_ms
         from "${world.schema}".receipt_mail where id = $1`,
      [id],
    )
  ).rows[0]!;
const makeDue = (id: string) =>
  world.sql.query(`update "${world.schema}".receipt_mail set next_attempt_at = now() where id = $1`, [id]);

interface MailpitMessageDetail {
  Subject: string;
  From: { Name: string; Address: string };
  Text: string;
  HTML: string;
}
const messageDetail = async (id: string) =>
  (await (await fetch(`${mailpit.url}/api/v1/message/${id}`)).json()) as MailpitMessageDetail;

describe('the receipt mail sender', () => {
  it('sends the queued receipt over SMTP once, and keeps only the address’s hint', async () => {
    const to = `jane.${randomUUID().slice(0, 8)}@example.com`;
    const { receiptNumber, mailId } = await sellAndQueue(to);
    const metrics = receiptMailMetrics(new Registry());
    const pass = await sendDueMails(target(), DEFAULT_MAIL_POLICY, { logger, metrics });
    expect(pass).toMatchObject({ sent: 1, failed: 0, givenUp: 0 });

    const [message, ...others] = await mailpit.messagesTo(to);
    expect(others).toEqual([]);
    const mail = await messageDetail(message!.ID);
    expect(mail.Subject).toBe(`Receipt ${receiptNumber} · ${world.tenant.slug}`);
    expect(mail.From).toEqual({ Name: 'Corner Shop receipts', Address: 'receipts@corner.example' });
    // Both parts are the receipt: its number, the total of 2 × 3.50 + 2.00, cash and change, footer.
    for (const part of [mail.Text, mail.HTML]) {
      expect(part).toContain(receiptNumber);
      expect(part).toContain('Corner Shop, 1 Main Street');
      expect(part).toContain('Thank you, come again!');
    }
    expect(mail.Text).toMatch(/TOTAL EUR\s+9\.00/u);
    expect(mail.Text).toMatch(/Change\s+1\.00/u);
    expect(mail.HTML).toMatch(
      /<tr class="total"><th scope="row">TOTAL<\/th><td class="num">[^<]*9\.00<\/td>/u,
    );

    expect(await mailRow(mailId)).toMatchObject({
      recipient: null,
      recipient_hint: `j…@example.com`,
      attempts: 1,
      failed_at: null,
      last_error: null,
    });
    expect((await mailRow(mailId)).sent_at).not.toBeNull();
    expect(await metrics.sent.get()).toMatchObject({ values: [{ value: 1 }] });
    // Nothing is due any more: a second pass sends nothing again.
    expect(await sendDueMails(target())).toMatchObject({ sent: 0 });
    expect(await mailpit.messagesTo(to)).toHaveLength(1);
  });

  it('sends each mail once when two senders pass at the same time', async () => {
    const to = `twice.${randomUUID().slice(0, 8)}@example.com`;
    for (let n = 0; n < 3; n++) await sellAndQueue(to);
    const [first, second] = await Promise.all([sendDueMails(target()), sendDueMails(target())]);
    expect(first.sent + second.sent).toBe(3);
    expect(await mailpit.messagesTo(to)).toHaveLength(3);
  });

  it('keeps a mail while the SMTP server is away, then sends it; gives up after the last attempt', async () => {
    const to = `later.${randomUUID().slice(0, 8)}@example.com`;
    const { mailId } = await sellAndQueue(to);
    const { port } = broken.address() as { port: number };
    const away = await sendDueMails(target(`smtp://127.0.0.1:${port}`));
    expect(away).toMatchObject({ sent: 0, failed: 1 });
    const waiting = await mailRow(mailId);
    // Kept with its address, due again in about the first retry's wait, the reason without the address.
    expect(waiting).toMatchObject({ recipient: to, attempts: 1, sent_at: null, failed_at: null });
    expect(Number(waiting.due_in_ms)).toBeGreaterThan(DEFAULT_MAIL_POLICY.retryBaseMs - 5000);
    expect(waiting.last_error).toMatch(/^E[A-Z]+/u);
    expect(waiting.last_error).not.toContain('later.');
    // Not due yet: a pass leaves it alone.
    expect(await sendDueMails(target())).toMatchObject({ sent: 0 });

    await makeDue(mailId);
    expect(await sendDueMails(target())).toMatchObject({ sent: 1 });
    expect(await mailpit.messagesTo(to)).toHaveLength(1);

    const lost = `lost.${randomUUID().slice(0, 8)}@example.com`;
    const doomed = await sellAndQueue(lost);
    const policy = { ...DEFAULT_MAIL_POLICY, maxAttempts: 2 };
    expect(await sendDueMails(target(`smtp://127.0.0.1:${port}`), policy)).toMatchObject({ failed: 1 });
    await makeDue(doomed.mailId);
    expect(await sendDueMails(target(`smtp://127.0.0.1:${port}`), policy)).toMatchObject({ givenUp: 1 });
    const given = await mailRow(doomed.mailId);
    expect(given).toMatchObject({ recipient: null, attempts: 2, sent_at: null });
    expect(given.failed_at).not.toBeNull();
    await makeDue(doomed.mailId);
    expect(await sendDueMails(target())).toMatchObject({ sent: 0 });
    expect(await mailpit.messagesTo(lost)).toEqual([]);
  });

  it('runs as a loop: a mail queued while it runs arrives within seconds', async () => {
    const sender = startMailSender(target(), { logger, intervalMs: 100 });
    try {
      const to = `loop.${randomUUID().slice(0, 8)}@example.com`;
      await sellAndQueue(to);
      await expect.poll(async () => (await mailpit.messagesTo(to)).length, { timeout: 10_000 }).toBe(1);
    } finally {
      await sender.stop();
    }
  });
});
