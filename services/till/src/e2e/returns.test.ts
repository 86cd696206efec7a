// Returns in Chromium against a real POS API: a sale is found by scanning its receipt number, one
// of its lines comes back, a cashier gets a manager's approval, the cash refund is the server's,
// and the register's next sale keeps gapless, unique receipt numbers after the return.
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
  kind: string;
  total: number;
  receiptNumber: string;
  originalSaleId?: string | null;
  lines: { sku: string; quantity: string; refundedQuantity: string; total: number }[];
  payments: { method: string; amount: number }[];
}

const byReceipt = (label: string) =>
  ownerApi<StoredSale>(till.world, 'GET', `/v1/sales/by-receipt/${encodeURIComponent(label)}`);

async function sellWithCash(): Promise<string> {
  const { page } = till;
  await page.getByRole('button', { name: /^Pay / }).click();
  await page.getByRole('group', { name: 'Quick cash' }).getByRole('button').first().click();
  await page.getByRole('button', { name: 'Complete sale' }).click();
  await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
  const label = (await page.getByTestId('receipt-number').textContent())!;
  await page.getByRole('button', { name: 'New sale' }).click();
  return label;
}

signedInTillForFile('till-returns', (started) => (till = started));

describe('a return at the till', () => {
  it('finds the sale by its scanned receipt, refunds one mug in cash with a manager’s approval', async () => {
    const { page } = till;
    await tapProduct(page, 'Mug');
    await tapProduct(page, 'Mug');
    await tapProduct(page, 'Bread');
    const soldLabel = await sellWithCash();
    expect(soldLabel).toMatch(/-000001$/);

    await page.getByRole('button', { name: 'Return', exact: true }).click();
    await page.getByLabel('Receipt number').fill('MAIN-T99-000123');
    await page.getByRole('button', { name: 'Find sale' }).click();
    await expect.poll(alertOf(page)).toMatch(/No sale has this receipt number/);
    // The receipt's barcode through a keyboard-wedge scanner: a burst ending in Enter.
    await page.getByLabel('Receipt number').fill('');
    await page.keyboard.type(`${soldLabel}\n`, { delay: 5 });
    await page.getByRole('heading', { name: new RegExp(`^Sale ${soldLabel}`) }).waitFor();

    await page.getByRole('button', { name: 'One more Mug back' }).click();
    // Only what was sold can come back.
    await page.getByRole('button', { name: 'One more Mug back' }).click();
    expect(await page.getByRole('button', { name: 'One more Mug back' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'One less Mug back' }).click();
    await page.getByLabel('Reason (optional)').fill('Chipped');
    await expectAccessible(page, 'return');
    await photograph(page, 'return');

    await page.getByRole('button', { name: 'Refund in cash' }).click();
    await page.getByRole('heading', { name: 'A manager must approve' }).waitFor();
    await page.getByLabel('Manager code').fill(till.world.tenant.manager.code);
    await page.getByLabel('Manager PIN').fill(till.world.tenant.manager.pin);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByTestId('refund-cash').textContent()).toMatch(/3[.,]50/);
    const returnLabel = (await page.getByTestId('return-number').textContent())!;
    await photograph(page, 'return-done');

    const sale = await byReceipt(soldLabel);
    const returned = await byReceipt(returnLabel);
    expect(returned).toMatchObject({ kind: 'return', total: -350, originalSaleId: sale.id });
    expect(returned.payments).toEqual([expect.objectContaining({ method: 'cash', amount: -350 })]);
    expect(returned.lines).toEqual([expect.objectContaining({ sku: 'MUG', quantity: '-1', total: -350 })]);
    expect(sale.lines.find((line) => line.sku === 'MUG')).toMatchObject({ refundedQuantity: '1' });
    expect(returnLabel).toMatch(/-000002$/);
    await page.getByRole('button', { name: 'Back to selling' }).click();
  });

  it('keeps numbering sales after the return: the next sale takes the next receipt number', async () => {
    await tapProduct(till.page, 'Pen');
    const label = await sellWithCash();
    expect(label).toMatch(/-000003$/);
    expect(await byReceipt(label)).toMatchObject({ kind: 'sale', total: 333 });
  });
});
