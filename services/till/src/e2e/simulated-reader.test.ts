// The simulated card reader of `npm start` in Chromium: the POS API runs with
// CARD_READER_SIMULATION against the Stripe fake on this machine (as services/local starts it), the
// till's Card tender goes to the tenant's simulated reader, and the clearly labelled panel's test
// cards play the customer: one pays and the sale is stored with its card payment, one is declined
// and the cashier reads why.
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

stripeFakeForFile((started) => (fake = started));

signedInTillForFile('till-simulated', (started) => (till = started), {
  env: () => ({ ...fake.posApiEnv(), CARD_READER_SIMULATION: 'true' }),
});

async function payByCardOnTheSimulatedReader() {
  const { page } = till;
  await page.getByRole('button', { name: /^Pay / }).click();
  await page.getByRole('button', { name: 'Card', exact: true }).click();
  await page.getByRole('button', { name: 'Charge on Simulated card reader' }).click();
  await page.getByRole('heading', { name: 'Simulated card reader — no real money' }).waitFor();
}

const testCard = (name: RegExp) =>
  till.page.getByRole('group', { name: 'Test cards' }).getByRole('button', { name }).click();

describe('the simulated card reader (npm start)', () => {
  it('completes a card sale with the test card that pays; the server stores the card payment', async () => {
    const { page } = till;
    await tapProduct(page, 'Mug');
    await payByCardOnTheSimulatedReader();
    await expectAccessible(page, 'simulated card reader');
    await photograph(page, 'tender-card-simulated');
    await testCard(/4242 \(approved\)/);
    await expect.poll(() => page.getByText('Paid in full: no cash is needed.').isVisible()).toBe(true);
    const sale = await completeSaleOnServer<{
      total: number;
      payments: { method: string; amount: number; providerRef: string }[];
    }>(till);
    expect(sale.payments).toEqual([expect.objectContaining({ method: 'card', amount: sale.total })]);
    expect(sale.payments[0]!.providerRef).toMatch(/^pi_/);
    // Paid on the tenant's simulated reader, in Stripe's test mode.
    const intent = fake.paymentIntent(sale.payments[0]!.providerRef)!;
    expect(intent).toMatchObject({
      status: 'succeeded',
      livemode: false,
      payment_method_types: ['card_present'],
    });
  });

  it('shows the message of a declined test card and keeps the sale to pay another way', async () => {
    const { page } = till;
    await tapProduct(page, 'Bread');
    await payByCardOnTheSimulatedReader();
    await testCard(/0002 \(declined\)/);
    await expect
      .poll(alertOf(page))
      .toBe('The card was declined. Ask for another card, or take another payment.');
    await photograph(page, 'tender-card-declined');
    await page.getByRole('group', { name: 'Quick cash' }).getByRole('button').first().click();
    const sale = await completeSaleOnServer<{ payments: { method: string }[] }>(till);
    expect(sale.payments.map((payment) => payment.method)).toEqual(['cash']);
  });
});
