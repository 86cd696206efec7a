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
