// What the till's Chromium tests share: a selling world (real POS API on the test PostgreSQL and
// Redis, listening on a free port), Chromium with one page, a register paired with a one-time code,
// and the few gestures every test makes (the PIN pad, tapping products, paying cash).
import {
  accessibilityViolations,
  launchChromium,
  screenshot,
  smallTouchTargets,
  StripeFake,
  VIEWPORTS,
  type ChromiumSession,
} from '@cloudpos/harness';
import { bearer, sellingWorld, type SellingWorld } from '@cloudpos/pos-api/test-support';
import type { AddressInfo } from 'node:net';
import type {} from '@cloudpos/harness/vitest/provided';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';

export interface TillWorld {
  world: SellingWorld;
  browser: ChromiumSession;
  page: Page;
  port: number;
  /** Uncaught errors in the till's pages: the test file fails with any. */
  pageErrors: string[];
  tillUrl(slug?: string): string;
  close(): Promise<void>;
}

/** How Chromium is launched: extra flags (a fake camera), permissions, or the page's CSP enforced. */
export type BrowserOptions = Parameters<typeof launchChromium>[0];

export async function startTillWorld(
  prefix: string,
  infra: { postgresUrl: string; redisUrl: string },
  env?: Record<string, string>,
  // The till's CSP is bypassed unless a file asks for it: most tests look at other things.
  browserOptions: BrowserOptions = { bypassCSP: true },
): Promise<TillWorld> {
  const world = await sellingWorld(prefix, infra, env ? { env } : {});
  await world.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (world.app.server.address() as AddressInfo).port;
  const browser = await launchChromium(browserOptions);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
  return {
    world,
    browser,
    page,
    port,
    pageErrors,
    // Chromium resolves every *.localhost name to the loopback address: the host names the tenant.
    tillUrl: (slug = world.tenant.slug) => `http://${slug}.localhost:${port}/till/`,
    async close() {
      await browser.close();
      await world.close();
    },
  };
}

/** A call to the API as the tenant's owner (or with `token`), expecting success. */
export async function ownerApi<T>(
  world: SellingWorld,
  method: 'GET' | 'POST',
  url: string,
  payload?: object,
  token = world.tenant.owner.accessToken,
): Promise<T> {
  const response = await world.app.inject({
    method,
    url,
    headers: { host: world.tenant.host, ...bearer(token) },
    ...(payload ? { payload } : {}),
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json<T>();
}

export async function expectAccessible(page: Page, name: string) {
  expect(await accessibilityViolations(page), `axe on ${name}`).toEqual([]);
  expect(await smallTouchTargets(page), `touch targets on ${name}`).toEqual([]);
}

/** Screenshots at tablet and phone size, back to tablet after. */
export async function photograph(page: Page, name: string) {
  await screenshot(page, 'till', name);
  await page.setViewportSize(VIEWPORTS.phone);
  await screenshot(page, 'till', name);
  await page.setViewportSize(VIEWPORTS.tablet);
}

export async function tapDigits(page: Page, digits: string) {
  for (const digit of digits)
    await page
      .getByRole('group', { name: /Staff code|PIN/ })
      .getByRole('button', { name: digit, exact: true })
      .click();
}

export async function signIn(page: Page, code: string, pin: string) {
  await tapDigits(page, code);
  await page.getByRole('button', { name: 'Next' }).click();
  await tapDigits(page, pin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('region', { name: 'Current sale' }).waitFor();
}

/** Pairs the page's till with a fresh pairing code and signs `staff` in. */
export async function pairAndSignIn(till: TillWorld, staff: { code: string; pin: string }) {
  const { code } = await ownerApi<{ code: string }>(till.world, 'POST', '/v1/devices/pairing-codes', {});
  await till.page.goto(till.tillUrl());
  await till.page.getByLabel('Pairing code').fill(code);
  await till.page.getByRole('button', { name: 'Pair register' }).click();
  await till.page.locator('.notice').waitFor();
  await signIn(till.page, staff.code, staff.pin);
}

/**
 * A signed-in till shared by a test file's tests: before them, a selling world on the test
 * PostgreSQL and Redis, Chromium, and a register paired with a one-time code where `staff` (the
 * cashier by default) signs in; after them, everything closed, and the file fails on any uncaught
 * error in the till's pages. `ready` hands the till over (call it from inside the test file).
 */
export function signedInTillForFile(
  prefix: string,
  ready: (till: TillWorld) => void,
  options: {
    /** The API's environment, read when the world starts (after the file's earlier beforeAll hooks). */
    env?: () => Record<string, string>;
    staff?: (world: SellingWorld) => { code: string; pin: string };
    /** How Chromium is launched, read when the world starts (see startTillWorld). */
    browser?: () => BrowserOptions;
  } = {},
): void {
  let till: TillWorld | undefined;
  beforeAll(async () => {
    till = await startTillWorld(
      prefix,
      { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') },
      options.env?.(),
      ...(options.browser ? [options.browser()] : []),
    );
    ready(till);
    await pairAndSignIn(till, options.staff?.(till.world) ?? till.world.tenant.cashier);
  });
  afterAll(async () => {
    await till?.close();
    expect(till?.pageErrors ?? []).toEqual([]);
  });
}

/**
 * Stripe's HTTP fake for a test file's card payments: started before the file's tests (call it
 * before signedInTillForFile, whose `env` may then read it), stopped after them.
 */
export function stripeFakeForFile(ready: (fake: StripeFake) => void): void {
  let fake: StripeFake | undefined;
  beforeAll(async () => {
    fake = await StripeFake.start();
    ready(fake);
  });
  afterAll(async () => {
    await fake?.stop();
  });
}

/**
 * Completes the sale on the tender screen, waits until the server has it, starts a new sale and
 * returns the sale as the server stored it (found by its receipt number).
 */
export async function completeSaleOnServer<T>(till: TillWorld): Promise<T> {
  const { page } = till;
  await page.getByRole('button', { name: 'Complete sale' }).click();
  await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
  const label = (await page.getByTestId('receipt-number').textContent())!;
  await page.getByRole('button', { name: 'New sale' }).click();
  return ownerApi<T>(till.world, 'GET', `/v1/sales/by-receipt/${encodeURIComponent(label)}`);
}

export async function tapProduct(page: Page, name: string) {
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
}

export const alertOf = (page: Page) => () => page.getByRole('alert').textContent();

/** A Mug and a Bread (5.50) paid with a 10 note; the receipt screen stays open. */
export async function sellMugAndBread(page: Page): Promise<void> {
  await tapProduct(page, 'Mug');
  await tapProduct(page, 'Bread');
  await page.getByRole('button', { name: /^Pay / }).click();
  await page.getByLabel('Cash received').fill('10');
  await page.getByRole('button', { name: 'Complete sale' }).click();
  await page.getByTestId('receipt-number').waitFor();
}
