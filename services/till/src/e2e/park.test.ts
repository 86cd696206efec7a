// Parking and resuming in Chromium against a real POS API: a sale with a line discount is parked
// with a note (online only, and the screen says so offline), resumed from the store's parked
// sales with its discount, and completed as that same sale; another is discarded by a cashier
// with a manager's approval.
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

interface Summary {
  id: string;
  status: string;
  note: string | null;
  total: number;
}

const parkedOnServer = async () =>
  (await ownerApi<{ items: Summary[] }>(till.world, 'GET', '/v1/sales?status=parked')).items;

signedInTillForFile('till-park', (started) => (till = started));

describe('parking a sale', () => {
  it('parks a sale with a note on the server, and says parking needs the network when offline', async () => {
    const { page } = till;
    await tapProduct(page, 'Mug');
    await tapProduct(page, 'Mug');
    await page.getByRole('button', { name: 'Discount', exact: true }).click();
    await page.getByRole('group', { name: 'Discount on Mug' }).getByRole('button', { name: '10 %' }).click();
    await tapProduct(page, 'Bread');
    // Mug 2 × 3.50 − 10 % = 6.30, Bread 2.00.
    await expect.poll(() => page.getByTestId('sale-total').textContent()).toMatch(/8[.,]30/);

    await till.browser.context.setOffline(true);
    await page.getByRole('button', { name: 'Park', exact: true }).click();
    await page.getByText('Parking needs the network: this register is offline.').waitFor();
    expect(await page.getByRole('button', { name: 'Park sale' }).isDisabled()).toBe(true);
    await till.browser.context.setOffline(false);
    await page.getByText('Parked sales are kept on the server').waitFor();

    await page.getByLabel('Note for this sale').fill('Table 4, back after lunch');
    await expectAccessible(page, 'park');
    await photograph(page, 'park');
    await page.getByRole('button', { name: 'Park sale' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('Sale parked: Table 4, back after lunch. Find it under Parked sales.');
    expect(await page.getByTestId('sale-total').count()).toBe(0);
    expect(await parkedOnServer()).toEqual([
      expect.objectContaining({ status: 'open', note: 'Table 4, back after lunch', total: 830 }),
    ]);
  });

  it('resumes the parked sale with its discount and completes it as the same sale', async () => {
    const { page } = till;
    const [parked] = await parkedOnServer();
    await page.getByRole('button', { name: 'Parked sales' }).click();
    await page.getByText('Table 4, back after lunch').waitFor();
    await expectAccessible(page, 'parked');
    await photograph(page, 'parked');
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect
      .poll(() => page.getByTestId('resumed').textContent())
      .toBe('Resumed parked sale: Table 4, back after lunch');
    await expect.poll(() => page.getByTestId('sale-total').textContent()).toMatch(/8[.,]30/);
    await expect.poll(() => page.getByRole('button', { name: '−10 %' }).count()).toBe(1);

    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByLabel('Cash received').fill('10');
    await page.getByRole('button', { name: 'Complete sale' }).click();
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
    const completed = await ownerApi<Summary & { receiptNumber: string; payments: unknown[] }>(
      till.world,
      'GET',
      `/v1/sales/${parked!.id}`,
    );
    expect(completed).toMatchObject({ status: 'completed', total: 830, note: 'Table 4, back after lunch' });
    expect(completed.receiptNumber).toBe(await page.getByTestId('receipt-number').textContent());
    expect(await parkedOnServer()).toEqual([]);
    await page.getByRole('button', { name: 'New sale' }).click();
  });

  it('discards a parked sale: a cashier needs a manager’s approval', async () => {
    const { page } = till;
    await tapProduct(page, 'Pen');
    await page.getByRole('button', { name: 'Park', exact: true }).click();
    await page.getByLabel('Note for this sale').fill('Blue pen, customer left');
    await page.getByRole('button', { name: 'Park sale' }).click();
    await page.getByRole('status').waitFor();
    const [parked] = await parkedOnServer();

    await page.getByRole('button', { name: 'Parked sales' }).click();
    await page.getByRole('button', { name: 'Discard' }).click();
    await page.getByRole('heading', { name: 'A manager must approve' }).waitFor();
    await page.getByLabel('Manager code').fill(till.world.tenant.manager.code);
    await page.getByLabel('Manager PIN').fill('0000');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(alertOf(page)).toBe('That manager code or PIN is not right.');
    await page.getByLabel('Manager PIN').fill(till.world.tenant.manager.pin);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('No sale is parked in this store.').waitFor();
    expect(await ownerApi<Summary>(till.world, 'GET', `/v1/sales/${parked!.id}`)).toMatchObject({
      status: 'voided',
    });
  });
});
