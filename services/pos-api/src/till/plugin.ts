// Serves the till (the Vite-built static app in services/till/dist) at /till/ on every host the
// API answers, so the till calls the API on its own origin and the host names the tenant.
// Cache rules: hashed bundles forever; the page, the service worker, its precache list and the
// manifest never without asking (a new deploy reaches every register at its next start). Paths
// under /till/ that name no file get the app's page (client-side screens), except missing files
// (a name with an extension), which are 404.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { problem } from '../errors.ts';

export interface TillAppOptions {
  /** The built till (services/till/dist); when it is missing, /till/ says how to build it. */
  dir: string;
}

/**
 * The till's own Content-Security-Policy: everything from its origin, styles inline for the
 * receipt's HTML, WebAssembly compiled from its own files (the camera's barcode reader; this allows
 * no eval of JavaScript), and no upgrade-insecure-requests (a register on http://<slug>.localhost).
 */
export const TILL_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "frame-src 'self' about:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NO_CACHE = new Set(['index.html', 'sw.js', 'precache.json', 'manifest.webmanifest']);

function cacheHeaders(reply: FastifyReply, path: string): void {
  const name = basename(path);
  if (NO_CACHE.has(name)) reply.header('cache-control', 'no-cache');
  else if (path.includes('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
  else reply.header('cache-control', 'public, max-age=3600');
  if (name === 'sw.js') reply.header('service-worker-allowed', '/till/');
  if (name === 'manifest.webmanifest') reply.header('content-type', 'application/manifest+json');
}

export async function tillApp(app: FastifyInstance, { dir }: TillAppOptions): Promise<void> {
  app.get('/till', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/till/', 308));

  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/till/*', { schema: { hide: true } }, async () => {
      throw problem('till_not_built', `no till build in ${dir}: run npm run build -w @cloudpos/till`);
    });
    return;
  }

  await app.register(
    async (till) => {
      till.addHook('onSend', async (_request, reply, payload) => {
        reply.header('content-security-policy', TILL_CSP);
        return payload;
      });
      await till.register(fastifyStatic, {
        root: dir,
        prefix: '/',
        decorateReply: false,
        // /till/ itself is the page (no-cache, by its name).
        index: ['index.html'],
        wildcard: true,
        setHeaders: (reply: FastifyReply, path: string) => cacheHeaders(reply, path),
        schemaHide: true,
      });
      // The app's page for / and for every client-side path; a missing file stays a 404.
      till.setNotFoundHandler(async (request, reply) => {
        const path = new URL(request.url, 'http://till').pathname;
        if (request.method !== 'GET' && request.method !== 'HEAD') throw problem('route_not_found');
        if (!path.startsWith('/till/') || /\.[a-z0-9]+$/i.test(basename(path)))
          throw problem('route_not_found');
        cacheHeaders(reply, 'index.html');
        return reply.type('text/html; charset=utf-8').send(await readIndex(dir));
      });
    },
    { prefix: '/till' },
  );
}

/** Read per request (a small file): a rebuild is served at once, with no restart. */
async function readIndex(dir: string): Promise<Buffer> {
  return readFile(join(dir, 'index.html'));
}
