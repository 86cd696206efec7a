import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchChromium,
  smallTouchTargets,
  type ChromiumSession,
} from './browser.ts';

describe("Debian's Chromium through playwright-core", () => {
  let browser: ChromiumSession;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('serves localhost as a secure context: storage, service worker and Web Locks exist', async () => {
    const server: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end('<!doctype html><title>t</title><main><h1>Till</h1></main>');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const page = await browser.context.newPage();
      await page.goto(`http://localhost:${(server.address() as AddressInfo).port}/`);
      const apis = await page.evaluate(() => ({
        secure: isSecureContext,
        indexedDB: typeof indexedDB,
        serviceWorker: typeof navigator.serviceWorker,
        locks: typeof navigator.locks,
      }));
      expect(apis).toEqual({ secure: true, indexedDB: 'object', serviceWorker: 'object', locks: 'object' });
      await page.close();
    } finally {
      server.close();
    }
  });

  it('reports an unlabelled input and a small button, and passes a labelled page', async () => {
    const page = await browser.context.newPage();
    await page.setContent(
      '<html lang="en"><head><title>t</title></head><body><main><input type="text"><button style="width:20px;height:20px">x</button></main></body></html>',
    );
    expect((await accessibilityViolations(page)).map((v) => v.id)).toContain('label');
    expect(await smallTouchTargets(page)).toHaveLength(2);

    await page.setContent(
      '<html lang="en"><head><title>t</title></head><body><main><label>Code <input type="text" style="height:48px;width:200px"></label><button style="width:48px;height:48px">Pay</button></main></body></html>',
    );
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await smallTouchTargets(page)).toEqual([]);
    await page.close();
  });
});
