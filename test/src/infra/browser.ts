/// <reference lib="dom" />
// Debian's Chromium driven by playwright-core, for the browser apps' tests (till, portal): a fresh
// profile per launch, no network chatter of its own, screenshots at the sizes people use, and an
// axe-core accessibility check. Playwright's own browser build is never downloaded (ensure-tools
// installs Debian's `chromium`).
import axe from 'axe-core';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { repoRoot } from '../tools/catalog.ts';
import { which } from '../tools/exec.ts';

/** The sizes every screen is looked at: a cashier's tablet (landscape) and a phone. */
export const VIEWPORTS = {
  tablet: { width: 1180, height: 820 },
  phone: { width: 390, height: 844 },
} as const;

export type ViewportName = keyof typeof VIEWPORTS;

/** Where test runs write screenshots (ignored by git; copy the current few to docs/ by hand). */
export const SCREENSHOT_DIR = join(repoRoot, 'test-results', 'screenshots');

export interface ChromiumSession {
  /**
   * A persistent context (service workers, IndexedDB and storage persist across pages and reloads,
   * as on a real device) in its own throw-away profile.
   */
  context: BrowserContext;
  close(): Promise<void>;
}

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--no-first-run',
  '--no-default-browser-check',
  '--metrics-recording-only',
];

/**
 * Launches Debian's Chromium headless with a fresh profile. `args` come after the usual flags (a
 * fake camera: `--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<file>`).
 */
export async function launchChromium({
  args = [],
  ...options
}: BrowserContextOptions & { args?: string[] } = {}): Promise<ChromiumSession> {
  const executablePath = (await which('chromium')) ?? '/usr/bin/chromium';
  const profile = await mkdtemp(join(tmpdir(), 'cloudpos-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...FLAGS, ...args],
    viewport: VIEWPORTS.tablet,
    ...options,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as `<app>-<name>-<viewport>.png` under SCREENSHOT_DIR. */
export async function screenshot(page: Page, app: string, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const size = page.viewportSize();
  const viewport =
    Object.entries(VIEWPORTS).find(([, v]) => v.width === size?.width)?.[0] ?? `${size?.width ?? 0}w`;
  const path = join(SCREENSHOT_DIR, `${app}-${name}-${viewport}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is now and returns its violations, so a
 * test can `expect(await accessibilityViolations(page)).toEqual([])` and read what failed.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated by the driver, not as an inline <script>: the page's Content-Security-Policy (the
  // till's allows no inline script) applies to the page's own scripts, not to the test's.
  await page.evaluate(axe.source);
  const results = await page.evaluate(async () => {
    const run = (globalThis as unknown as { axe: typeof axe }).axe.run;
    return run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact ?? null,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
}

/** Touch targets smaller than 44×44 CSS pixels among the visible buttons, links and inputs. */
export async function smallTouchTargets(page: Page, minimum = 44): Promise<string[]> {
  return page.evaluate((min) => {
    const small: string[] = [];
    for (const element of document.querySelectorAll<HTMLElement>(
      'button, a[href], input:not([type=hidden]), select, [role=button]',
    )) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.width < min || box.height < min) {
        const label = element.getAttribute('aria-label') ?? element.textContent?.trim() ?? element.tagName;
        small.push(`${label.slice(0, 40)} (${Math.round(box.width)}×${Math.round(box.height)})`);
      }
    }
    return small;
  }, minimum);
}
