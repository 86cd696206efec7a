// Receipts by e-mail and the till's own receipt copy, in Chromium against a real POS API, the
// worker's mail sender and a real SMTP server (Mailpit, read back through its API): the cashier
// sells, types the customer's address, and the receipt arrives with its number, total and the
// tenant's footer; a hostile address is refused in plain words; offline the till says e-mail needs
// the network (nothing is kept) while its own copy shows the tenant's header and footer, and once
// the sale has reached the server the same screen sends it; a found sale can be e-mailed again.
import { startMailpit, type MailpitServer } from '@cloudpos/harness';
import { bearer } from '@cloudpos/pos-api/test-support';
import { smtpTransport, startMailSender, type PollingLoop } from '@cloudpos/worker';
import { createLogger } from '@cloudpos/telemetry';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertOf,
  expectAccessible,
  photograph,
  sellMugAndBread,
  signedInTillForFile,
  signIn,
  type TillWorld,
} from './harness.ts';

let till: TillWorld;
let mailpit: MailpitServer;
let sender: PollingLoop;
let dir: string;

const RECEIPT = {
  header: ['Corner Café · Open daily 7–19'],
  footer: ['Thank you, come again!', 'Wi-Fi: guest'],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-till-mail-'));
  mailpit = await startMailpit({ dir: join(dir, 'mailpit') });
});

signedInTillForFile('till-mail', (started) => (till = started));

beforeAll(async () => {
  // The worker's mail sender for this tenant, as the worker process runs it.
  sender = startMailSender(
    {
      tenant: till.world.tenant.slug,
      schema: till.world.schema,
      pool: till.world.sql,
      transport: smtpTransport(mailpit.smtpUrl, 'Corner Café <receipts@corner.example>'),
    },
    { logger: createLogger({ name: 'till-mail-test', level: 'silent' }), intervalMs: 200 },
  );
  const changed = await till.world.app.inject({
    method: 'PUT',
    url: '/v1/settings/receipt',
    headers: { host: till.world.tenant.host, ...bearer(till.world.tenant.owner.accessToken) },
    payload: RECEIPT,
  });
  expect(changed.statusCode, changed.body).toBe(200);
  // A sign-in syncs the settings, receipt lines included, onto the register.
  await till.page.getByRole('button', { name: 'Switch cashier' }).click();
  await signIn(till.page, till.world.tenant.cashier.code, till.world.tenant.cashier.pin);
});

afterAll(async () => {
  await sender?.stop();
  await mailpit?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const customer = (name: string) => `${name}.${randomUUID().slice(0, 8)}@example.com`;

async function mailTo(address: string) {
  await expect.poll(async () => (await mailpit.messagesTo(address)).length, { timeout: 15_000 }).toBe(1);
  const [message] = await mailpit.messagesTo(address);
  return { subject: message!.Subject, text: await mailpit.text(message!.ID) };
}

describe('receipts by e-mail', () => {
  it('sends the receipt to the address the customer gives, and it arrives', async () => {
    const { page } = till;
    await sellMugAndBread(page);
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
    const number = (await page.getByTestId('receipt-number').textContent())!;

    const address = customer('jane');
    await page.getByLabel('Customer’s e-mail').fill(`jane@example.com\r\nBcc: everyone@example.org`);
    await page.getByRole('button', { name: 'E-mail receipt' }).click();
    // (An e-mail field drops line breaks as they are typed; the API refuses them too, see its tests.)
    await expect.poll(alertOf(page)).toMatch(/^That address cannot be used: it must be one bare address/);

    await page.getByLabel('Customer’s e-mail').fill(address);
    await expectAccessible(page, 'receipt e-mail');
    await page.getByRole('button', { name: 'E-mail receipt' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('Receipt e-mailed to j…@example.com.');
    await photograph(page, 'receipt-email');

    const mail = await mailTo(address);
    expect(mail.subject).toBe(`Receipt ${number} · ${till.world.tenant.slug}`);
    expect(mail.text).toContain(number);
    expect(mail.text).toMatch(/TOTAL EUR\s+5\.50/u);
    expect(mail.text).toMatch(/Change\s+4\.50/u);
    for (const line of [...RECEIPT.header, ...RECEIPT.footer]) expect(mail.text).toContain(line);
    // The hostile address reached nobody.
    expect(await mailpit.messagesTo('everyone@example.org')).toEqual([]);
    await page.getByRole('button', { name: 'New sale' }).click();
  });

  it('offline: prints its own copy with the header and footer, and says e-mail needs the network', async () => {
    const { page } = till;
    await till.browser.context.setOffline(true);
    await sellMugAndBread(page);
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toMatch(/^Saved on this register/);
    const copy = page.getByRole('region', { name: 'Receipt' });
    expect(await copy.getByTestId('receipt-header').locator('p').allTextContents()).toEqual(RECEIPT.header);
    expect(await copy.getByTestId('receipt-footer').locator('p').allTextContents()).toEqual(RECEIPT.footer);
    expect(await copy.getByTestId('receipt-total').textContent()).toMatch(/5[.,]50/);
    expect(await page.getByTestId('email-unavailable').textContent()).toBe(
      'E-mail needs the network. Print the receipt instead; nothing is kept on this register.',
    );
    expect(await page.getByLabel('Customer’s e-mail').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'E-mail receipt' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'offline receipt');
    await photograph(page, 'receipt-offline');
    // On paper: the receipt, without the e-mail form and the buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('form', { name: 'E-mail the receipt' }).isVisible()).toBe(false);
    expect(await copy.getByTestId('receipt-footer').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    // Back online, the sale reaches the server and the same screen can send it.
    await till.browser.context.setOffline(false);
    await expect
      .poll(() => page.getByTestId('sale-status').textContent(), { timeout: 20_000 })
      .toBe('Saved on the server.');
    const number = (await page.getByTestId('receipt-number').textContent())!;
    const address = customer('later');
    await page.getByLabel('Customer’s e-mail').fill(address);
    await page.getByRole('button', { name: 'E-mail receipt' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('Receipt e-mailed to l…@example.com.');
    expect((await mailTo(address)).text).toContain(number);
    await page.getByRole('button', { name: 'New sale' }).click();
  });

  it('e-mails a found sale’s receipt again from Return', async () => {
    const { page } = till;
    await sellMugAndBread(page);
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
    const number = (await page.getByTestId('receipt-number').textContent())!;
    await page.getByRole('button', { name: 'New sale' }).click();

    await page.getByRole('button', { name: 'Return', exact: true }).click();
    await page.getByLabel('Receipt number').fill(number);
    await page.getByRole('button', { name: 'Find sale' }).click();
    await page.getByRole('heading', { name: new RegExp(`^Sale ${number}`) }).waitFor();
    const address = customer('lost.paper');
    await page.getByLabel('Customer’s e-mail').fill(address);
    await page.getByRole('button', { name: 'E-mail receipt' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('Receipt e-mailed to l…@example.com.');
    expect((await mailTo(address)).text).toContain(number);
  });
});
