// ESC/POS receipts on a serial or USB printer, in Chromium against a real POS API. Headless
// Chromium has no serial device and no chooser to pick one in: the first test asks the browser's
// real Web Serial for a port and shows the till waiting while the (invisible) chooser is open. The
// others put a recording port or USB device at the boundary (navigator.serial and navigator.usb
// replaced by an init script; everything up to `writer.write` and `transferOut` is the till's real
// code): the bytes of a sale made online are the server's own, a sale made offline prints from the
// till's own rendering, a port that fails to open and a browser without Web Serial or WebUSB are
// explained. What a real printer does with the bytes is not tested here.
import { bearer } from '@cloudpos/pos-api/test-support';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  alertOf,
  expectAccessible,
  photograph,
  sellMugAndBread,
  signedInTillForFile,
  type TillWorld,
} from './harness.ts';

let till: TillWorld;
signedInTillForFile('till-printer', (started) => (till = started));

/**
 * The device boundary, chosen per page load by localStorage `test-printer`: `recording` (a port
 * whose writes are kept in window.printedBytes), `broken` (a port that fails to open, as an
 * unplugged adapter does), `none` (a browser without Web Serial and WebUSB); otherwise the browser's own.
 */
function deviceBoundary() {
  const mode = localStorage.getItem('test-printer');
  if (!mode) return;
  if (mode === 'none') {
    Object.defineProperty(navigator, 'serial', { value: undefined, configurable: true });
    Object.defineProperty(navigator, 'usb', { value: undefined, configurable: true });
    return;
  }
  const written: number[] = [];
  (window as unknown as { printedBytes: number[] }).printedBytes = written;
  const port = {
    getInfo: () => ({ usbVendorId: 0x0416, usbProductId: 0x5011 }),
    open: async (options: { baudRate: number }) => {
      if (mode === 'broken') throw new DOMException('Failed to open serial port.', 'NetworkError');
      if (options.baudRate !== 9600) throw new Error(`unexpected baud rate ${options.baudRate}`);
    },
    close: async () => undefined,
    writable: new WritableStream<Uint8Array>({
      write: (chunk) => {
        written.push(...chunk);
      },
    }),
  };
  const serial = {
    requestPort: async () => {
      localStorage.setItem('test-printer-granted', 'yes');
      return port;
    },
    getPorts: async () => (localStorage.getItem('test-printer-granted') ? [port] : []),
  };
  Object.defineProperty(navigator, 'serial', { value: serial, configurable: true });
  // A USB printer: interface 0 of the printer class (7) with bulk OUT endpoint 2.
  const device = {
    vendorId: 0x04b8,
    productId: 0x0202,
    manufacturerName: 'EPSON',
    productName: 'TM-T20',
    configuration: null as null | object,
    open: async () => undefined,
    close: async () => undefined,
    selectConfiguration: async (value: number) => {
      device.configuration = {
        configurationValue: value,
        interfaces: [
          {
            interfaceNumber: 0,
            alternate: {
              interfaceClass: 7,
              endpoints: [
                { endpointNumber: 1, direction: 'in', type: 'bulk' },
                { endpointNumber: 2, direction: 'out', type: 'bulk' },
              ],
            },
          },
        ],
      };
    },
    claimInterface: async (number: number) => {
      if (number !== 0) throw new Error(`claimed interface ${number}`);
    },
    releaseInterface: async () => undefined,
    transferOut: async (endpoint: number, data: Uint8Array) => {
      if (endpoint !== 2) throw new Error(`wrote to endpoint ${endpoint}`);
      written.push(...data);
      return { status: 'ok', bytesWritten: data.length };
    },
  };
  const usb = {
    requestDevice: async (options: { filters: { classCode?: number }[] }) => {
      if (options.filters[0]?.classCode !== 7) throw new DOMException('No device selected.', 'NotFoundError');
      localStorage.setItem('test-printer-granted', 'yes');
      return device;
    },
    getDevices: async () => (localStorage.getItem('test-printer-granted') ? [device] : []),
  };
  Object.defineProperty(navigator, 'usb', { value: usb, configurable: true });
}

async function useBoundary(page: Page, mode: 'recording' | 'broken' | 'none') {
  await page.evaluate((value) => localStorage.setItem('test-printer', value), mode);
  await page.reload();
  await page.getByRole('region', { name: 'Current sale' }).waitFor();
}

const printedBytes = (page: Page) =>
  page.evaluate(() => (window as unknown as { printedBytes: number[] }).printedBytes);

async function openSync(page: Page) {
  await page.getByRole('button', { name: /synced|to sync|Offline|attention/ }).click();
  await page.getByRole('heading', { name: 'Receipt printer' }).waitFor();
}

describe('a receipt printer over Web Serial or WebUSB', () => {
  it('asks the browser’s own Web Serial for a port, and waits for the person to choose one', async () => {
    const { page } = till;
    expect(await page.evaluate(() => 'serial' in navigator && 'usb' in navigator)).toBe(true);
    await openSync(page);
    expect(await page.getByTestId('printer-status').textContent()).toBe('No receipt printer connected.');
    await expectAccessible(page, 'printer settings');
    // The real requestPort: Chromium opens its port chooser, which headless never shows, so the
    // promise stays pending. The till waits for the choice and says what to do.
    await page.getByRole('button', { name: 'Connect serial printer' }).click();
    await expect
      .poll(() => page.getByTestId('printer-waiting').textContent())
      .toBe('Choose the printer in the browser’s list (plug it in first).');
    expect(await page.getByRole('button', { name: 'Connect serial printer' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('printer-status').textContent()).toBe('No receipt printer connected.');
  });

  it('prints a sale made online with the server’s bytes, and one made offline with its own', async () => {
    const { page, world } = till;
    await page.addInitScript(deviceBoundary);
    await useBoundary(page, 'recording');
    await openSync(page);
    await page.getByRole('button', { name: 'Connect serial printer' }).click();
    await expect
      .poll(() => page.getByTestId('printer-status').textContent())
      .toBe('Connected: Serial printer (USB 0416:5011).');
    await photograph(page, 'printer-connected');
    await page.getByRole('button', { name: 'Back to selling' }).click();

    await sellMugAndBread(page);
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
    const number = (await page.getByTestId('receipt-number').textContent())!;
    await page.getByRole('button', { name: 'Receipt printer' }).click();
    await expect
      .poll(() => page.getByTestId('printer-result').textContent())
      .toBe('Printed on Serial printer (USB 0416:5011).');
    const found = await world.app.inject({
      method: 'GET',
      url: `/v1/sales/by-receipt/${number}`,
      headers: { host: world.tenant.host, ...bearer(world.tenant.owner.accessToken) },
    });
    const server = await world.app.inject({
      method: 'GET',
      url: `/v1/sales/${found.json<{ id: string }>().id}/receipt?format=escpos&width=42`,
      headers: { host: world.tenant.host, ...bearer(world.tenant.owner.accessToken) },
    });
    expect(Buffer.from(await printedBytes(page)).equals(server.rawPayload)).toBe(true);
    await expectAccessible(page, 'receipt with printer');
    await page.getByRole('button', { name: 'New sale' }).click();

    await till.browser.context.setOffline(true);
    await sellMugAndBread(page);
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toMatch(/^Saved on this register/);
    const offlineNumber = (await page.getByTestId('receipt-number').textContent())!;
    const before = (await printedBytes(page)).length;
    await page.getByRole('button', { name: 'Receipt printer' }).click();
    await expect
      .poll(() => page.getByTestId('printer-result').textContent())
      .toBe('Printed on Serial printer (USB 0416:5011).');
    const offline = Buffer.from((await printedBytes(page)).slice(before));
    // ESC @ (initialize) first, a cut at the end, the drawer kick (cash), the number and the total.
    expect([...offline.subarray(0, 2)]).toEqual([0x1b, 0x40]);
    expect(offline.includes(Buffer.from([0x1d, 0x56]))).toBe(true);
    expect(offline.includes(Buffer.from([0x1b, 0x70]))).toBe(true);
    expect(offline.includes(offlineNumber)).toBe(true);
    expect(offline.toString('latin1')).toMatch(/TOTAL EUR +5\.50/u);
    await photograph(page, 'printer-offline-receipt');
    await till.browser.context.setOffline(false);
    await expect
      .poll(() => page.getByTestId('sale-status').textContent(), { timeout: 20_000 })
      .toBe('Saved on the server.');
    await page.getByRole('button', { name: 'New sale' }).click();
  });

  it('prints on a USB printer through WebUSB’s printer interface', async () => {
    const { page } = till;
    await useBoundary(page, 'recording');
    await openSync(page);
    await page.getByRole('button', { name: 'Connect USB printer' }).click();
    await expect
      .poll(() => page.getByTestId('printer-status').textContent())
      .toBe('Connected: EPSON TM-T20 (USB).');
    await page.getByRole('button', { name: 'Back to selling' }).click();
    await sellMugAndBread(page);
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');
    await page.getByRole('button', { name: 'Receipt printer' }).click();
    await expect
      .poll(() => page.getByTestId('printer-result').textContent())
      .toBe('Printed on EPSON TM-T20.');
    const bytes = Buffer.from(await printedBytes(page));
    expect([...bytes.subarray(0, 2)]).toEqual([0x1b, 0x40]);
    expect(bytes.includes((await page.getByTestId('receipt-number').textContent())!)).toBe(true);
    await page.getByRole('button', { name: 'New sale' }).click();
  });

  it('explains a port that fails to open, and a browser without Web Serial or WebUSB', async () => {
    const { page } = till;
    await useBoundary(page, 'broken');
    await openSync(page);
    await page.getByRole('button', { name: 'Connect serial printer' }).click();
    await expect
      .poll(() => page.getByTestId('printer-status').textContent())
      .toBe('Connected: Serial printer (USB 0416:5011).');
    await page.getByRole('button', { name: 'Back to selling' }).click();
    await sellMugAndBread(page);
    await page.getByRole('button', { name: 'Receipt printer' }).click();
    await expect
      .poll(alertOf(page))
      .toBe('The printer could not be opened or stopped answering: check its cable and power.');
    await page.getByRole('button', { name: 'New sale' }).click();

    await useBoundary(page, 'none');
    await openSync(page);
    expect(await page.getByTestId('printer-unsupported').textContent()).toMatch(
      /^This browser cannot talk to receipt printers directly \(no Web Serial or WebUSB\)/,
    );
    expect(await page.getByRole('button', { name: /^Connect/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Forget printer' }).click();
    await expect
      .poll(() => page.getByTestId('printer-status').textContent())
      .toBe('No receipt printer connected.');
    await photograph(page, 'printer-unsupported');
  });
});
