// What the portal's browser tests share: the page checks every main page gets (axe-core, touch
// targets, a photograph at phone and tablet size), the console errors of a page, and a log-in.
import {
  accessibilityViolations,
  screenshot,
  smallTouchTargets,
  VIEWPORTS,
  type ChromiumSession,
} from '@cloudpos/harness';
import { expect } from 'vitest';

export type Page = Awaited<ReturnType<ChromiumSession['context']['newPage']>>;

/** axe-core clean, touch targets ≥ 44 px, and photographed at both sizes (`portal-<name>-<size>.png`). */
export async function checkPage(page: Page, name: string): Promise<void> {
  for (const viewport of ['phone', 'tablet'] as const) {
    await page.setViewportSize(VIEWPORTS[viewport]);
    expect(await accessibilityViolations(page), `${name} at ${viewport}`).toEqual([]);
    expect(await smallTouchTargets(page), `${name} at ${viewport}`).toEqual([]);
    await screenshot(page, 'portal', name);
  }
}

/** The console errors the page logs from now on, for a test's last assertion. */
export function consoleErrorsOf(page: Page, from?: string): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    const where = message.location().url;
    if (message.type() === 'error' && (from === undefined || where.startsWith(from)))
      errors.push(`${message.text()} (${where})`);
  });
  return errors;
}

/** Logs a merchant in through the portal's form; resolves on the start page. */
export async function logIn(page: Page, portalUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${portalUrl}/login`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${portalUrl}/`);
}

/**
 * On the till's pairing screen: "Set up a new store" with the portal's setup code, as the first owner
 * (staff code 1000, PIN 4826) on a register named Counter; waits for the sell screen.
 */
export async function setUpTillAsOwner(page: Page, setupCode: string, ownerName: string): Promise<void> {
  await page.getByRole('button', { name: 'Set up a new store' }).click();
  await page.getByLabel('Setup code').fill(setupCode);
  await page.getByLabel('Your name').fill(ownerName);
  await page.getByLabel('Your staff code').fill('1000');
  await page.getByLabel('Choose a PIN (4 to 12 digits)').fill('4826');
  await page.getByLabel('The PIN again').fill('4826');
  await page.getByLabel('Name of this register').fill('Counter');
  await page.getByRole('button', { name: 'Set up this store' }).click();
  await page.getByRole('region', { name: 'Current sale' }).waitFor();
}
