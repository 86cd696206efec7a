// Scanning with the camera in Chromium: a fake camera films the EAN-13 of the Mug (a y4m video drawn
// by fake-camera.ts) and the item lands in the sale, as a wedge scan would put it there. Chromium on
// Linux has no BarcodeDetector, so this is the ZXing WebAssembly ponyfill, under the till's real
// Content-Security-Policy, loaded from the till's own server and, offline, from the service worker:
// nothing is fetched from anywhere else. A blocked camera says so in plain words.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarcodeVideo } from './fake-camera.ts';
import { expectAccessible, photograph, signedInTillForFile, type TillWorld } from './harness.ts';

const MUG_EAN = '4006381333931';

let till: TillWorld;
let videoDir: string;
/** Requests to anywhere but the till's own origin (a CDN for the .wasm would show up here). */
const foreign: string[] = [];
/** Console errors: a CSP refusal or a failed WebAssembly compile would show up here. */
const consoleErrors: string[] = [];
const wasmRequests: string[] = [];
const failedWasm: string[] = [];

beforeAll(async () => {
  videoDir = await mkdtemp(join(tmpdir(), 'cloudpos-camera-'));
  await writeBarcodeVideo(join(videoDir, 'mug.y4m'), MUG_EAN);
});

signedInTillForFile(
  'till-camera',
  (started) => {
    till = started;
    const origin = new URL(till.tillUrl()).origin;
    till.page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:'))
        foreign.push(request.url());
      if (request.url().endsWith('.wasm')) wasmRequests.push(request.url());
    });
    till.page.on('requestfailed', (request) => {
      if (request.url().endsWith('.wasm')) failedWasm.push(request.url());
    });
    till.page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  },
  {
    // The till's CSP enforced (the .wasm must be allowed by it), and a camera that films the Mug.
    browser: () => ({
      args: [
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${join(videoDir, 'mug.y4m')}`,
      ],
      permissions: ['camera'],
    }),
  },
);

afterAll(async () => {
  await rm(videoDir, { recursive: true, force: true });
});

const cartLines = () => till.page.locator('.cart-line .line-name').allTextContents();

describe('scanning with the camera', () => {
  it('adds the item the camera reads, once while it stays in view', async () => {
    const { page } = till;
    await page.getByRole('button', { name: 'Camera' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scan with the camera' });
    await dialog.waitFor();
    await expect
      .poll(() => dialog.getByTestId('camera-status').textContent(), { timeout: 30_000 })
      .toBe('Added Mug.');
    // The code stays in front of the camera: still one Mug.
    await page.waitForTimeout(1_000);
    expect(await cartLines()).toEqual(['Mug']);
    await expectAccessible(page, 'camera');
    await photograph(page, 'camera');

    await dialog.getByRole('button', { name: 'Close camera' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('sale-total').textContent()).toMatch(/3[.,]50/);
    expect(wasmRequests.length).toBeGreaterThan(0);
    for (const url of wasmRequests) expect(url).toMatch(/\/till\/assets\/zxing_reader-[\w-]+\.wasm$/);
    expect(foreign).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('scans offline, with the reader from the service worker', async () => {
    const { page } = till;
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await till.browser.context.setOffline(true);
    try {
      await page.reload();
      await page.getByRole('region', { name: 'Current sale' }).waitFor();
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByRole('button', { name: 'Camera' }).click();
      const dialog = page.getByRole('dialog', { name: 'Scan with the camera' });
      await expect
        .poll(() => dialog.getByTestId('camera-status').textContent(), { timeout: 30_000 })
        .toBe('Added Mug.');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await cartLines()).toEqual(['Mug']);
    } finally {
      await till.browser.context.setOffline(false);
    }
    expect(foreign).toEqual([]);
    expect(failedWasm).toEqual([]);
    // Offline, the till's calls to the API fail (and say so in the console); nothing else may.
    expect(consoleErrors.filter((text) => !text.includes('net::ERR_INTERNET_DISCONNECTED'))).toEqual([]);
  });

  it('says so when the camera is blocked', async () => {
    const { page } = till;
    await till.browser.context.clearPermissions();
    await page.getByRole('button', { name: 'Camera' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scan with the camera' });
    await expect
      .poll(() => dialog.getByRole('alert').textContent(), { timeout: 15_000 })
      .toBe(
        'The camera is blocked for the till. Allow the camera in the browser’s site settings, or use the scanner.',
      );
    await expectAccessible(page, 'camera blocked');
    await photograph(page, 'camera-blocked');
    await dialog.getByRole('button', { name: 'Close camera' }).click();
    await dialog.waitFor({ state: 'detached' });
  });
});
