// Card tenders in Chromium against a real POS API whose payment provider is Stripe's HTTP fake (the
// one stand-in allowed; it checks keys and idempotency like Stripe): the till hands the amount to
// the tenant's Terminal reader, the customer taps a card there (played by this test with Stripe's
// test helper, as the reader would), and the sale is committed with the card payment and cash with
// change. A declined card leaves the sale on screen; offline, cards are refused.
import type { StripeFake } from '@cloudpos/harness';
import { describe, expect, it } from 'vitest';
import {
  alertOf,
  completeSaleOnServer,
  expectAccessible,
  photograph,
  signedInTillForFile,
  stripeFakeForFile,
  tapProduct,
  type TillWorld,
} from './harness.ts';

let fake: StripeFake;
let till: TillWorld;
let readerId: string;

interface StoredSale {
  total: number;
  payments: { method: string; amount: number; tendered?: number | null; providerRef?: string | null }[];
}

stripeFakeForFile((started) => (fake = started));

signedInTillForFile(
  'till-card',
  (started) => {
    till = started;
    readerId = fake.createReader({
      label: 'Front counter',
      metadata: { tenant: started.world.tenant.slug },
    }).id;
  },
  { env: () => fake.posApiEnv() },
);

/** The customer taps a card on the reader (Stripe's test helper plays the reader's side). */
async function customerTaps(number: string) {
  const response = await fetch(
    `${fake.url}/v1/test_helpers/terminal/readers/${readerId}/present_payment_method`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.secretKey}` },
      body: new URLSearchParams({ 'card_present[number]': number }),
    },
  );
  expect(response.status, await response.text()).toBe(200);
}

async function chargeCard(amount?: string) {
  const { page } = till;
  await page.getByRole('button', { name: 'Card', exact: true }).click();
  if (amount) await page.getByLabel('Card amount').fill(amount);
  await page.getByRole('button', { name: 'Charge on Front counter' }).click();
  await page.getByText('Waiting for the card on Front counter').waitFor();
}

const completeAndFetch = () => completeSaleOnServer<StoredSale>(till);

describe('card tenders on the tenant’s reader', () => {
  it('pays part by card on the reader and the rest in cash with change; the server stores both', async () => {
    const { page } = till;
    await tapProduct(page, 'Mug');
    await tapProduct(page, 'Mug');
    await tapProduct(page, 'Bread');
    await expect.poll(() => page.getByTestId('sale-total').textContent()).toMatch(/9[.,]00/);
    await page.getByRole('button', { name: /^Pay / }).click();

    // More than is left cannot go on the card.
    await page.getByRole('button', { name: 'Card', exact: true }).click();
    expect(await page.getByLabel('Card amount').inputValue()).toMatch(/^9[.,]00$/);
    await page.getByLabel('Card amount').fill('9.50');
    await page.getByRole('button', { name: 'Charge on Front counter' }).click();
    await expect.poll(alertOf(page)).toMatch(/Only .*9[.,]00 is left to pay/);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();

    await chargeCard('5.00');
    // While the reader waits, the sale cannot be completed or left.
    await expect.poll(() => page.getByRole('button', { name: 'Complete sale' }).isDisabled()).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Back' }).isDisabled()).toBe(true);
    // One payment at a time: cash comes after the card's outcome.
    expect(await page.getByLabel(/Cash received/).count()).toBe(0);
    await expectAccessible(page, 'card tender, waiting for the card');
    await photograph(page, 'tender-card-waiting');

    await customerTaps('4242424242424242');
    const paid = page.getByRole('list', { name: 'Paid so far' });
    await expect.poll(() => paid.textContent()).toMatch(/Card · Front counter.*5[.,]00/);
    await page.getByLabel(/Cash received/).fill('5');
    await expect.poll(() => page.getByTestId('change').textContent()).toMatch(/1[.,]00/);
    await photograph(page, 'tender-card-split');
    // A card that paid cannot be taken off, and the sale cannot be abandoned.
    expect(await paid.getByRole('button', { name: /Remove/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Back' }).click();
    await expect.poll(alertOf(page)).toMatch(/A card has paid part of this sale: complete it/);

    const sale = await completeAndFetch();
    expect(sale.total).toBe(900);
    // The API lists payments in no particular order.
    expect(sale.payments).toHaveLength(2);
    expect(sale.payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'card', amount: 500 }),
        expect.objectContaining({ method: 'cash', amount: 400, tendered: 500 }),
      ]),
    );
    // Stripe holds the payment, paid once, for this amount.
    const providerRef = sale.payments.find((payment) => payment.method === 'card')!.providerRef!;
    expect(providerRef).toMatch(/^pi_/);
    const intent = fake.paymentIntent(providerRef);
    expect(intent).toMatchObject({ status: 'succeeded', amount: 500, currency: 'eur' });
    expect(intent!.metadata.tenant).toBe(till.world.tenant.slug);
  });

  it('says plainly when the card is declined, and the sale stays on screen to pay another way', async () => {
    const { page } = till;
    await tapProduct(page, 'Mug');
    await page.getByRole('button', { name: /^Pay / }).click();
    await chargeCard();
    await customerTaps('4000000000009995');
    await expect
      .poll(alertOf(page))
      .toBe('The card was declined: not enough funds. Ask for another card, or take another payment.');
    await expect.poll(() => page.getByTestId('amount-due').textContent()).toMatch(/3[.,]50/);
    await expectAccessible(page, 'card declined');
    // The declined attempt is closed at Stripe: nothing can pay it later.
    await expect
      .poll(() => fake.requests.filter((sent) => /^\/v1\/payment_intents\/pi_\w+\/cancel$/.test(sent.path)))
      .toEqual([expect.objectContaining({ status: 200 })]);

    await page.getByRole('group', { name: 'Quick cash' }).getByRole('button').first().click();
    const sale = await completeAndFetch();
    expect(sale.payments.map((payment) => payment.method)).toEqual(['cash']);
  });

  it('lets the cashier cancel while the reader waits; the reader is free for the next card', async () => {
    const { page } = till;
    await tapProduct(page, 'Bread');
    await page.getByRole('button', { name: /^Pay / }).click();
    await chargeCard();
    await page.getByRole('button', { name: 'Cancel card payment' }).click();
    await page.getByRole('button', { name: 'Card', exact: true }).waitFor();
    await chargeCard();
    await customerTaps('4242424242424242');
    await expect.poll(() => page.getByText('Paid in full: no cash is needed.').isVisible()).toBe(true);
    const sale = await completeAndFetch();
    expect(sale.payments).toEqual([expect.objectContaining({ method: 'card', amount: sale.total })]);
  });

  it('refuses cards offline with a clear message (cards need the network)', async () => {
    const { page } = till;
    await tapProduct(page, 'Mug');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByRole('button', { name: 'Card', exact: true }).waitFor();
    await till.browser.context.setOffline(true);
    try {
      await page.getByRole('button', { name: 'Card', exact: true }).click();
      await expect.poll(alertOf(page)).toMatch(/^Card payments need the network/);
      // Cash still works offline.
      await page.getByRole('group', { name: 'Quick cash' }).getByRole('button').first().click();
      await page.getByRole('button', { name: 'Complete sale' }).click();
      await page.getByTestId('receipt-number').waitFor();
    } finally {
      await till.browser.context.setOffline(false);
    }
    await page.getByRole('button', { name: 'New sale' }).click();
  });
});
