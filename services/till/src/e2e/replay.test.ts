// Twenty sales made while the POS API's process is gone, and their replay through a SIGKILL: the
// till in Debian's Chromium talks to a POS API running as a process of its own (so it can really be
// stopped and killed), on the test PostgreSQL and Redis. Offline twice over (the browser has no
// network and no API process runs), a split tender and a discount among the sales, a reload served
// by the service worker; then the API comes back, is SIGKILLed while the till replays, and comes
// back again: every sale is on the server exactly once, with the till's receipt numbers, gapless.
import { freePort, launchChromium, ManagedProcess, type ChromiumSession } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import {
  sellingWorld,
  TEST_AUTH_SECRET,
  TEST_PIN_PEPPERS,
  type SellingWorld,
} from '@cloudpos/pos-api/test-support';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ownerApi, signIn, tapProduct } from './harness.ts';

const SALES = 20;
const repo = resolve(import.meta.dirname, '..', '..', '..', '..');

let world: SellingWorld;
let browser: ChromiumSession;
let page: Page;
let api: ManagedProcess | undefined;
let apiPort: number;
let logDir: string;
const pageErrors: string[] = [];

/** The POS API as a process of its own, on the same port each time. */
async function startApi(): Promise<void> {
  api = new ManagedProcess({
    name: 'pos-api',
    command: process.execPath,
    args: [join(repo, 'services/pos-api/src/server.ts')],
    cwd: repo,
    logFile: join(logDir, 'pos-api.log'),
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      DATABASE_URL: world.db.url,
      REDIS_URL: inject('redisUrl'),
      AUTH_SECRET: TEST_AUTH_SECRET,
      PIN_PEPPERS: TEST_PIN_PEPPERS,
      TENANT_MODE: 'pooled',
      LOG_LEVEL: 'warn',
    },
  });
  await api.waitUntilReady(async () => {
    const ready = await fetch(`http://127.0.0.1:${apiPort}/readyz`).catch(() => undefined);
    return ready?.status === 200;
  });
}

interface SaleSummary {
  id: string;
  receiptNumber: string | null;
  total: number;
}

async function serverSales(): Promise<SaleSummary[]> {
  const { items } = await ownerApi<{ items: SaleSummary[] }>(
    world,
    'GET',
    `/v1/sales?deviceId=${world.tenant.deviceId}&limit=100`,
  );
  return items;
}

const syncButton = () => page.getByRole('button', { name: /to sync|All synced|Offline|need attention/ });

beforeAll(async () => {
  world = await sellingWorld('till-replay', {
    postgresUrl: inject('postgresUrl'),
    redisUrl: inject('redisUrl'),
  });
  logDir = await mkdtemp(join(tmpdir(), 'cloudpos-till-replay-'));
  apiPort = await freePort();
  await startApi();
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  expect(pageErrors).toEqual([]);
  await world?.close();
});

describe('offline sales replayed through a SIGKILL of the POS API', () => {
  it(`keeps ${SALES} sales made with the API process gone, and stores each once, gapless`, async () => {
    // Pair with the register's id and secret (a manager), then a cashier sells.
    await page.goto(`http://${world.tenant.slug}.localhost:${apiPort}/till/`);
    await page.getByRole('button', { name: 'Advanced: register ID and secret' }).click();
    await page.getByLabel('Register ID').fill(world.tenant.deviceId);
    await page.getByLabel('Register secret').fill(world.tenant.deviceSecret);
    await page.getByLabel('Your staff code').fill(world.tenant.manager.code);
    await page.getByLabel('Your PIN').fill(world.tenant.manager.pin);
    await page.getByRole('button', { name: 'Pair register' }).click();
    await page.getByRole('region', { name: 'Current sale' }).waitFor();
    await page.getByRole('button', { name: 'Switch cashier' }).click();
    await signIn(page, world.tenant.cashier.code, world.tenant.cashier.pin);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

    // The API's process is gone and the browser has no network.
    await api!.stop('SIGKILL');
    await browser.context.setOffline(true);
    for (let sale = 1; sale <= SALES; sale += 1) {
      await tapProduct(page, 'Pen');
      if (sale === 5) {
        // A line discount within the cashier's limit (10 %).
        await page.getByRole('button', { name: 'Discount', exact: true }).click();
        await page
          .getByRole('group', { name: 'Discount on Pen' })
          .getByRole('button', { name: '10 %' })
          .click();
      }
      await page.getByRole('button', { name: /^Pay / }).click();
      if (sale === 10) {
        // A split tender: a voucher for €1, cash for the rest.
        await page.getByRole('button', { name: 'Other payment (card terminal, voucher…)' }).click();
        await page
          .getByRole('group', { name: 'Kind of payment' })
          .getByRole('button', { name: 'Voucher' })
          .click();
        await page.getByLabel('Amount', { exact: true }).fill('1');
        await page.getByRole('button', { name: 'Add voucher' }).click();
      }
      await page.getByRole('group', { name: 'Quick cash' }).getByRole('button').first().click();
      await page.getByRole('button', { name: 'Complete sale' }).click();
      await expect
        .poll(() => page.getByTestId('sale-status').textContent())
        .toMatch(/Saved on this register/);
      await page.getByRole('button', { name: 'New sale' }).click();
    }
    // Started again with no network and no API: the service worker serves the till.
    await page.reload();
    await syncButton().click();
    await expect.poll(() => page.getByTestId('sync-queued').textContent()).toBe(String(SALES));
    expect(await serverSales()).toEqual([]);

    // The API comes back; while the till replays, its process is killed, then started again.
    await startApi();
    await browser.context.setOffline(false);
    await expect
      .poll(async () => (await serverSales()).length, { timeout: 30_000, interval: 50 })
      .toBeGreaterThan(0);
    await api!.stop('SIGKILL');
    const queuedAtKill = Number(await page.getByTestId('sync-queued').textContent());
    await startApi();
    await expect.poll(() => page.getByTestId('sync-queued').textContent(), { timeout: 60_000 }).toBe('0');

    const sales = await serverSales();
    expect(sales).toHaveLength(SALES);
    expect(new Set(sales.map((sale) => sale.id)).size).toBe(SALES);
    const numbers = sales.map((sale) => Number(sale.receiptNumber!.split('-').at(-1))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: SALES }, (_, index) => index + 1));
    // Pen 3.33; the fifth sale 10 % off.
    expect(sales.filter((sale) => sale.total === 333)).toHaveLength(SALES - 1);
    expect(sales.filter((sale) => sale.total === 300)).toHaveLength(1);
    // Proof that the kill came while sales were still waiting (else this test proves less).
    expect(queuedAtKill).toBeGreaterThan(0);
    const tenders = await world.sql.query<{ method: string; amount: string }>(
      `select p.method, p.amount from "${world.schema}".payment p where p.method = 'external'`,
    );
    expect(tenders.rows).toEqual([{ method: 'external', amount: '100' }]);
  });
});
