// Split tender in Chromium against a real POS API: external tenders (a card on a terminal the till
// does not drive, a voucher with its reference) and cash for the rest with change, online and
// offline; the server stores exactly the tenders the till sent.
import { describe, expect, it } from 'vitest';
import {
  alertOf,
  expectAccessible,
  ownerApi,
  photograph,
  signedInTillForFile,
  tapProduct,
  type TillWorld,
} from './harness.ts';

let till: TillWorld;

interface StoredSale {
  id: string;
  total: number;
  change?: number;
  payments: {
    method: string;
    amount: number;
    tendered?: number | null;
    change?: number | null;
    label?: string | null;
  }[];
}

async function storedSale(receiptNumber: string): Promise<StoredSale> {
  return ownerApi<StoredSale>(till.world, 'GET', `/v1/sales/by-receipt/${receiptNumber}`);
}

async function addExternal(kind: string, amount: string, reference: string) {
  const { page } = till;
  await page.getByRole('button', { name: 'Other payment (card terminal, voucher…)' }).click();
  await page.getByRole('group', { name: 'Kind of payment' }).getByRole('button', { name: kind }).click();
  await page.getByLabel('Amount', { exact: true }).fill(amount);
  await page.getByLabel('Reference (optional)').fill(reference);
  await page.getByRole('button', { name: `Add ${kind.toLowerCase()}` }).click();
}

signedInTillForFile('till-split', (started) => (till = started));

describe('split tender', () => {
  it('pays with a voucher, a card on an external terminal and cash with change; the server stores the same tenders', async () => {
    const { page } = till;
    await tapProduct(page, 'Mug');
    await tapProduct(page, 'Mug');
    await tapProduct(page, 'Bread');
    await expect.poll(() => page.getByTestId('sale-total').textContent()).toMatch(/9[.,]00/);
    await page.getByRole('button', { name: /^Pay / }).click();

    // More than is left is refused; change never comes from an external tender.
    await page.getByRole('button', { name: 'Other payment (card terminal, voucher…)' }).click();
    await page.getByLabel('Amount', { exact: true }).fill('9.50');
    await page.getByRole('button', { name: 'Add card on external terminal' }).click();
    await expect.poll(alertOf(page)).toMatch(/^Only €9[.,]00 is left to pay\.$/);
    await page.getByRole('button', { name: 'Cancel' }).click();

    await addExternal('Voucher', '3', 'V-1234');
    await addExternal('Card on external terminal', '4.00', '4711');
    await expect
      .poll(() => page.getByRole('list', { name: 'Paid so far' }).textContent())
      .toMatch(/Voucher · V-1234.*3[.,]00.*Card on external terminal · 4711.*4[.,]00/);
    await page.getByLabel(/Cash received for the €2[.,]00 left/).fill('5');
    await expect.poll(() => page.getByTestId('change').textContent()).toMatch(/3[.,]00/);
    await expectAccessible(page, 'tender-split');
    await photograph(page, 'tender-split');
    await page.getByRole('button', { name: 'Complete sale' }).click();
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
    await expect.poll(() => page.getByTestId('receipt-change').textContent()).toMatch(/3[.,]00/);
    const label = (await page.getByTestId('receipt-number').textContent())!;

    const sale = await storedSale(label);
    expect(sale.total).toBe(900);
    // The server lists payments in no particular order.
    expect(sale.payments).toHaveLength(3);
    expect(sale.payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'external', amount: 300, label: 'Voucher · V-1234' }),
        expect.objectContaining({
          method: 'external',
          amount: 400,
          label: 'Card on external terminal · 4711',
        }),
        expect.objectContaining({ method: 'cash', amount: 200, tendered: 500, change: 300 }),
      ]),
    );
    await page.getByRole('button', { name: 'New sale' }).click();
  });

  it('needs no cash when external tenders pay it all, and works offline; replayed with the same tenders', async () => {
    const { page } = till;
    await till.browser.context.setOffline(true);
    await tapProduct(page, 'Pen');
    await page.getByRole('button', { name: /^Pay / }).click();
    await addExternal('Voucher', '1', 'V-2');
    // The amount offered for the next tender is what is left.
    await page.getByRole('button', { name: 'Other payment (card terminal, voucher…)' }).click();
    await expect.poll(() => page.getByLabel('Amount', { exact: true }).inputValue()).toBe('2.33');
    await page
      .getByRole('group', { name: 'Kind of payment' })
      .getByRole('button', { name: 'Card on external terminal' })
      .click();
    await page.getByRole('button', { name: 'Add card on external terminal' }).click();
    await page.getByText('Paid in full: no cash is needed.').waitFor();
    await page.getByRole('button', { name: 'Complete sale' }).click();
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toMatch(/Saved on this register/);
    await expect.poll(() => page.locator('.local-receipt').textContent()).toMatch(/Voucher · V-2.*1[.,]00/);
    const label = (await page.getByTestId('receipt-number').textContent())!;

    await till.browser.context.setOffline(false);
    await expect
      .poll(() => page.getByTestId('sale-status').textContent(), { timeout: 30_000 })
      .toBe('Saved on the server.');
    const sale = await storedSale(label);
    expect(sale.total).toBe(333);
    expect(sale.payments).toHaveLength(2);
    expect(sale.payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'external', amount: 100, label: 'Voucher · V-2' }),
        expect.objectContaining({ method: 'external', amount: 233, label: 'Card on external terminal' }),
      ]),
    );
  });
});
