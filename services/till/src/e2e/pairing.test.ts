// Pairing in Debian's Chromium against a real POS API (on the test PostgreSQL and Redis): a new
// account's first owner sets the store up on the till with the portal's setup code, and a second
// register pairs itself with a one-time pairing code an owner made; wrong, mistyped and used codes
// are refused in plain words. The screens are checked with axe-core and for touch targets, and
// photographed.
import {
  accessibilityViolations,
  launchChromium,
  screenshot,
  smallTouchTargets,
  VIEWPORTS,
  type ChromiumSession,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { bearer, sellingWorld, unsetTenant, type SellingWorld } from '@cloudpos/pos-api/test-support';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let world: SellingWorld;
let fresh: Awaited<ReturnType<typeof unsetTenant>>;
let browser: ChromiumSession;
let page: Page;
let port: number;
const pageErrors: string[] = [];

const tillOf = (slug: string) => `http://${slug}.localhost:${port}/till/`;

async function expectAccessible(name: string) {
  expect(await accessibilityViolations(page), `axe on ${name}`).toEqual([]);
  expect(await smallTouchTargets(page), `touch targets on ${name}`).toEqual([]);
}

async function photograph(name: string) {
  await screenshot(page, 'till', name);
  await page.setViewportSize(VIEWPORTS.phone);
  await screenshot(page, 'till', name);
  await page.setViewportSize(VIEWPORTS.tablet);
}

async function alertText(): Promise<string | null> {
  return page.getByRole('alert').textContent();
}

async function tapDigits(digits: string) {
  for (const digit of digits)
    await page
      .getByRole('group', { name: /Staff code|PIN/ })
      .getByRole('button', { name: digit, exact: true })
      .click();
}

async function signIn(code: string, pin: string) {
  await tapDigits(code);
  await page.getByRole('button', { name: 'Next' }).click();
  await tapDigits(pin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('region', { name: 'Current sale' }).waitFor();
}

/** Unpairs from the sync screen (an owner or manager is signed in, nothing waits to sync). */
async function unpair() {
  await page.getByRole('button', { name: /All synced|to sync/ }).click();
  await page.getByRole('button', { name: 'Unpair register' }).click();
  await page.getByRole('heading', { name: 'Pair this device as a register' }).waitFor();
}

async function api<T>(host: string, method: 'GET' | 'POST', url: string, token: string, payload?: object) {
  const response = await world.app.inject({
    method,
    url,
    headers: { host, ...bearer(token) },
    ...(payload ? { payload } : {}),
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json<T>();
}

/** The register's id and secret, as the till keeps them in IndexedDB. */
async function registerCredentials(): Promise<{ deviceId: string; deviceSecret: string }> {
  return page.evaluate(async () => {
    const request = indexedDB.open('cloudpos-till');
    const db = await new Promise<IDBDatabase>(
      (resolve) => (request.onsuccess = () => resolve(request.result)),
    );
    const read = db.transaction('meta').objectStore('meta').get('register');
    const register = await new Promise<{ deviceId: string; deviceSecret: string }>(
      (resolve) =>
        (read.onsuccess = () => resolve(read.result as { deviceId: string; deviceSecret: string })),
    );
    db.close();
    return { deviceId: register.deviceId, deviceSecret: register.deviceSecret };
  });
}

async function pairingCode(): Promise<string> {
  const { host, owner } = world.tenant;
  return (await api<{ code: string }>(host, 'POST', '/v1/devices/pairing-codes', owner.accessToken, {})).code;
}

beforeAll(async () => {
  world = await sellingWorld('till-pairing', {
    postgresUrl: inject('postgresUrl'),
    redisUrl: inject('redisUrl'),
  });
  fresh = await unsetTenant(world, 'till-fresh');
  await world.app.listen({ host: '127.0.0.1', port: 0 });
  port = (world.app.server.address() as AddressInfo).port;
  browser = await launchChromium({ bypassCSP: true });
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
});

afterAll(async () => {
  await browser?.close();
  expect(pageErrors).toEqual([]);
  await world?.close();
});

describe('setting up a new account’s store on the till', () => {
  it('makes the first owner and this register from the setup code, and signs the owner in', async () => {
    await page.goto(tillOf(fresh.slug));
    await page.getByRole('button', { name: 'Set up a new store' }).click();
    await page.getByLabel('Setup code').fill('ABCD-EFGH-IJKL');
    await page.getByLabel('Your name').fill('Fatima Founder');
    await page.getByLabel('Your staff code').fill('7000');
    await page.getByLabel('Choose a PIN (4 to 12 digits)').fill('7777');
    await page.getByLabel('The PIN again').fill('7778');
    await page.getByLabel('Name of this register').fill('Front counter');
    await page.getByRole('button', { name: 'Set up this store' }).click();
    await expect.poll(alertText).toBe('The two PINs are not the same. Type them again.');
    await page.getByLabel('The PIN again').fill('7777');
    await page.getByRole('button', { name: 'Set up this store' }).click();
    await expect.poll(alertText).toMatch(/setup code is not right/);
    await expectAccessible('setup');
    await photograph('setup');

    await page.getByLabel('Setup code').fill(fresh.setupCode.toLowerCase());
    await page.getByRole('button', { name: 'Set up this store' }).click();
    await page.getByRole('region', { name: 'Current sale' }).waitFor();
    await expect.poll(() => page.locator('.top-bar').textContent()).toContain('Fatima Founder');

    // On the server: the owner, and this register with the name typed; the PIN chosen works.
    await page.getByRole('button', { name: 'Switch cashier' }).click();
    await signIn('7000', '7777');
    const session = await world.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { host: fresh.host },
      payload: { ...(await registerCredentials()), staffCode: '7000', pin: '7777' },
    });
    expect(session.statusCode, session.body).toBe(200);
    const { accessToken, staff } = session.json<{ accessToken: string; staff: { role: string } }>();
    expect(staff.role).toBe('owner');
    const devices = await api<{ items: { name: string }[] }>(fresh.host, 'GET', '/v1/devices', accessToken);
    expect(devices.items.map((device) => device.name)).toEqual(['Front counter']);
  });

  it('refuses a second setup of the same account in plain words', async () => {
    await unpair();
    await page.getByRole('button', { name: 'Set up a new store' }).click();
    await page.getByLabel('Setup code').fill(fresh.setupCode);
    await page.getByLabel('Your name').fill('Mallory');
    await page.getByLabel('Your staff code').fill('6000');
    await page.getByLabel('Choose a PIN (4 to 12 digits)').fill('6666');
    await page.getByLabel('The PIN again').fill('6666');
    await page.getByRole('button', { name: 'Set up this store' }).click();
    await expect.poll(alertText).toMatch(/already set up. Ask an owner or a manager for a pairing code/);
  });
});

describe('setting up an account with several stores', () => {
  it('asks which store the new register is in, and gives it that store', async () => {
    const multi = await unsetTenant(world, 'till-multi');
    await world.sql.query(
      `insert into "${multi.schema}".store (id, code, name, timezone, currency)
       values (gen_random_uuid(), 'HARBOUR', 'Harbour', 'Europe/Berlin', 'EUR')`,
    );
    await page.goto(tillOf(multi.slug));
    await page.getByRole('button', { name: 'Set up a new store' }).click();
    await page.getByLabel('Setup code').fill(multi.setupCode);
    await page.getByLabel('Your name').fill('Nora Northwind');
    await page.getByLabel('Your staff code').fill('1000');
    await page.getByLabel('Choose a PIN (4 to 12 digits)').fill('4242');
    await page.getByLabel('The PIN again').fill('4242');
    await page.getByRole('button', { name: 'Set up this store' }).click();
    await page.getByRole('heading', { name: 'Which store is this register in?' }).waitFor();
    await expectAccessible('store-choice');
    await photograph('store-choice');
    await page.getByRole('button', { name: 'Harbour (HARBOUR)' }).click();
    await page.getByRole('region', { name: 'Current sale' }).waitFor();
    await expect.poll(() => page.locator('.top-bar').textContent()).toMatch(/^Harbour/);

    const session = await world.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { host: multi.host },
      payload: { ...(await registerCredentials()), staffCode: '1000', pin: '4242' },
    });
    expect(session.statusCode, session.body).toBe(200);
    const token = session.json<{ accessToken: string }>().accessToken;
    const stores = await api<{ items: { id: string; code: string }[] }>(
      multi.host,
      'GET',
      '/v1/stores',
      token,
    );
    const devices = await api<{ items: { storeId: string }[] }>(multi.host, 'GET', '/v1/devices', token);
    expect(devices.items.map((device) => device.storeId)).toEqual([
      stores.items.find((store) => store.code === 'HARBOUR')!.id,
    ]);
  });
});

describe('pairing a register with a one-time code', () => {
  it('pairs with a code an owner made, and a cashier sells on the new register', async () => {
    const code = await pairingCode();
    await page.goto(tillOf(world.tenant.slug));
    await page.getByRole('heading', { name: 'Pair this device as a register' }).waitFor();
    await page.getByLabel('Pairing code').fill('ABC');
    await page.getByRole('button', { name: 'Pair register' }).click();
    await expect.poll(alertText).toMatch(/A pairing code has 8 letters and digits/);
    await page.getByLabel('Pairing code').fill('ZZZZ-ZZZZ');
    await page.getByRole('button', { name: 'Pair register' }).click();
    await expect.poll(alertText).toBe('That pairing code is not right. Check it and try again.');
    await expectAccessible('pair-code');
    await photograph('pair-code');

    // Typed as people type: lower case, without the dash.
    await page.getByLabel('Pairing code').fill(code.toLowerCase().replace('-', ''));
    await page.getByLabel('Name of this register').fill('Counter 2');
    await page.getByRole('button', { name: 'Pair register' }).click();
    await expect
      .poll(() => page.locator('.notice').textContent())
      .toMatch(/^This device is now register T\d+ of Main\. Sign in to sell\.$/);
    await signIn(world.tenant.cashier.code, world.tenant.cashier.pin);

    await page.getByRole('button', { name: /^Mug/ }).click();
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByLabel('Cash received').fill('5');
    await page.getByRole('button', { name: 'Complete sale' }).click();
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
    const label = await page.getByTestId('receipt-number').textContent();

    const { host, owner } = world.tenant;
    const devices = await api<{ items: { id: string; name: string; code: string; storeId: string }[] }>(
      host,
      'GET',
      '/v1/devices',
      owner.accessToken,
    );
    const paired = devices.items.find((device) => device.name === 'Counter 2');
    expect(paired?.storeId).toBeTruthy();
    const sales = await api<{ items: { receiptNumber: string; total: number }[] }>(
      host,
      'GET',
      `/v1/sales?deviceId=${paired!.id}`,
      owner.accessToken,
    );
    expect(sales.items).toEqual([expect.objectContaining({ receiptNumber: label, total: 350 })]);
    expect(label).toBe(`MAIN-${paired!.code}-000001`);
    await page.getByRole('button', { name: 'New sale' }).click();

    // A used code pairs nothing more.
    await page.getByRole('button', { name: 'Switch cashier' }).click();
    await signIn(world.tenant.manager.code, world.tenant.manager.pin);
    await unpair();
    await page.getByLabel('Pairing code').fill(code);
    await page.getByRole('button', { name: 'Pair register' }).click();
    await expect.poll(alertText).toBe('That pairing code was already used. Ask for a new one.');
    const after = await api<{ items: unknown[] }>(host, 'GET', '/v1/devices', owner.accessToken);
    expect(after.items).toHaveLength(devices.items.length);
  });
});
