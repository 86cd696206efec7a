// The till's static files at /till/ on a tenant's host: the SPA fallback, cache headers (the
// service worker never cached without asking), its own CSP, and a clear answer when not built.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '@cloudpos/harness/vitest/provided';
import type { PosApi } from '../app.ts';
import { testApp } from '../test-support.ts';
import { TILL_CSP } from './plugin.ts';

let dir: string;
let redis: Redis;
let app: PosApi;
const host = 'shop.localhost';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-till-dist-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Till</title>');
  await writeFile(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  await writeFile(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, 'manifest.webmanifest'), '{}');
  redis = new Redis(inject('redisUrl'));
  app = await testApp({ databaseUrl: inject('postgresUrl'), redis, mode: 'pooled', env: { TILL_DIR: dir } });
});
afterAll(async () => {
  await app.close();
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

describe('the till at /till/', () => {
  it('serves the page at /till/ and for client-side paths, never cached without asking', async () => {
    for (const url of ['/till/', '/till/sell', '/till/sync/now']) {
      const response = await app.inject({ url, headers: { host } });
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('<title>Till</title>');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toBe(TILL_CSP);
    }
  });

  it('redirects /till to /till/', async () => {
    const response = await app.inject({ url: '/till', headers: { host } });
    expect(response.statusCode).toBe(308);
    expect(response.headers.location).toBe('/till/');
  });

  it('serves the service worker with no-cache and hashed bundles as immutable', async () => {
    const worker = await app.inject({ url: '/till/sw.js', headers: { host } });
    expect(worker.statusCode, worker.body).toBe(200);
    expect(worker.headers['cache-control']).toBe('no-cache');
    expect(worker.headers['content-type']).toMatch(/javascript/);
    const bundle = await app.inject({ url: '/till/assets/app-abc123.js', headers: { host } });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const manifest = await app.inject({ url: '/till/manifest.webmanifest', headers: { host } });
    expect(manifest.headers['cache-control']).toBe('no-cache');
  });

  it('answers a missing file with 404 problem details, not the page', async () => {
    const response = await app.inject({ url: '/till/assets/app-gone.js', headers: { host } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'route_not_found' });
  });

  it('says how to build the till when it is not built', async () => {
    const bare = await testApp({
      databaseUrl: inject('postgresUrl'),
      redis,
      mode: 'pooled',
      env: { TILL_DIR: join(dir, 'nothing-here') },
    });
    const response = await bare.inject({ url: '/till/', headers: { host } });
    await bare.close();
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'till_not_built' });
  });
});
