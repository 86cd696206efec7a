// Price overrides and order discounts in Chromium against a real POS API: a cashier changes a
// price and gives an order discount; the API's preview asks for price.override (and for
// discount.overLimit above the tenant's 10 % limit), a manager approves on the pad, and the server
// stores the till's totals; the approvals are in the audit log. Offline, a changed price is
// refused up front (nobody could approve it).
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
  total: number;
  discountTotal: number;
  lines: { sku: string; unitPrice: number; discountTotal: number; total: number }[];
}

async function approveAndComplete(cash: string) {
  const { page } = till;
  await page.getByRole('button', { name: /^Pay / }).click();
  await page.getByLabel('Cash received').fill(cash);
  await page.getByRole('button', { name: 'Complete sale' }).click();
  await page.getByRole('heading', { name: 'A manager must approve' }).waitFor();
  await page.getByLabel('Manager code').fill(till.world.tenant.manager.code);
  await page.getByLabel('Manager PIN').fill(till.world.tenant.manager.pin);
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
  const label = (await page.getByTestId('receipt-number').textContent())!;
  await page.getByRole('button', { name: 'New sale' }).click();
  return ownerApi<StoredSale>(till.world, 'GET', `/v1/sales/by-receipt/${label}`);
}

async function audited(action: string) {
  const { items } = await ownerApi<{ items: { outcome: string; approverStaffId: string | null }[] }>(
    till.world,
    'GET',
    `/v1/audit?action=${action}`,
  );
  return items;
}

signedInTillForFile('till-discounts', (started) => (till = started));

describe('price override and order discount', () => {
  it('changes a price and gives 5 % off the order; a manager approves the price; the server stores the same totals', async () => {
    const { page } = till;
    await tapProduct(page, 'Mug');
    await tapProduct(page, 'Bread');
    await page.getByRole('button', { name: 'Price', exact: true }).first().click();
    await page.getByLabel('New price of one Mug').fill('3');
    await page.getByRole('button', { name: 'Set price' }).click();
    await expect
      .poll(() => page.locator('.line-note').textContent())
      .toMatch(/Price changed: €3[.,]00 instead of €3[.,]50/);
    await page.getByRole('button', { name: 'Order discount' }).click();
    await page
      .getByRole('group', { name: 'Discount on the whole sale' })
      .getByRole('button', { name: '5 %' })
      .click();
    // (3.00 + 2.00) − 5 % = 4.75.
    await expect.poll(() => page.getByTestId('sale-total').textContent()).toMatch(/4[.,]75/);
    await expectAccessible(page, 'sell-discounts');
    await photograph(page, 'sell-discounts');

    const sale = await approveAndComplete('5');
    expect(sale).toMatchObject({ total: 475, discountTotal: 25 });
    expect(sale.lines.map((line) => [line.sku, line.unitPrice])).toEqual([
      ['MUG', 300],
      ['BREAD', 200],
    ]);
    expect(await audited('price.override')).toEqual([
      expect.objectContaining({ outcome: 'approved', approverStaffId: till.world.tenant.manager.id }),
    ]);
  });

  it('asks for discount.overLimit when the order discount is over the tenant’s limit', async () => {
    const { page } = till;
    await tapProduct(page, 'Pen');
    await page.getByRole('button', { name: 'Order discount' }).click();
    await page
      .getByRole('group', { name: 'Discount on the whole sale' })
      .getByRole('button', { name: '20 %' })
      .click();
    await expect.poll(() => page.getByTestId('sale-total').textContent()).toMatch(/2[.,]66/);
    const sale = await approveAndComplete('3');
    expect(sale).toMatchObject({ total: 266, discountTotal: 67 });
    expect(await audited('discount.overLimit')).toEqual([expect.objectContaining({ outcome: 'approved' })]);
  });

  it('refuses a changed price offline, where no manager can approve it', async () => {
    const { page } = till;
    await till.browser.context.setOffline(true);
    await tapProduct(page, 'Mug');
    await page.getByRole('button', { name: 'Price', exact: true }).click();
    await page.getByLabel('New price of one Mug').fill('1');
    await page.getByRole('button', { name: 'Set price' }).click();
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByLabel('Cash received').fill('1');
    await page.getByRole('button', { name: 'Complete sale' }).click();
    await expect
      .poll(alertOf(page))
      .toMatch(/A changed price needs a manager’s approval, which needs the network/);
    await till.browser.context.setOffline(false);
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Clear' }).click();
  });
});
