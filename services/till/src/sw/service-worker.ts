// The till's service worker: keeps the app shell (index.html and the hashed bundles listed in
// precache.json) so the till starts with no network. Pages are fetched from the network first
// (a new deploy is picked up at once) and from the cache when the network fails; bundles come
// from the cache first (their names change with their content). API calls are never touched.
// The webworker lib types `self` as a plain worker; this file runs as a service worker.
const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = 'cloudpos-till-shell';
const SCOPE = new URL(sw.registration.scope);
const SHELL = new URL('./', SCOPE).href;

async function precache(): Promise<void> {
  const manifest = (await (await fetch(new URL('precache.json', SCOPE), { cache: 'no-store' })).json()) as {
    files: string[];
  };
  const urls = manifest.files.map((file) => new URL(file, SCOPE).href);
  const cache = await caches.open(CACHE);
  await cache.addAll(urls.map((url) => new Request(url, { cache: 'reload' })));
  // Bundles of earlier builds are no longer needed.
  for (const request of await cache.keys()) {
    if (!urls.includes(request.url)) await cache.delete(request);
  }
}

/** The static routing API (Chromium 123+): requests outside the till go to the network without waking this worker. */
interface RoutingInstallEvent extends ExtendableEvent {
  addRoutes?(rules: { condition: { not: { urlPattern: string } }; source: 'network' }[]): Promise<void>;
}

sw.addEventListener('install', (event: RoutingInstallEvent) => {
  // API calls (a sale's commit, its replay) then skip the worker's fetch event altogether.
  const routes = event.addRoutes?.([
    { condition: { not: { urlPattern: `${SCOPE.pathname}*` } }, source: 'network' },
  ]);
  event.waitUntil(Promise.all([routes?.catch(() => {}), precache().then(() => sw.skipWaiting())]));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname))
    return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(SHELL, { ignoreVary: true })) ?? Response.error()),
    );
    return;
  }
  event.respondWith(
    // ignoreVary: the API's CORS layer varies on Origin, which module scripts send and addAll does not.
    caches.match(request, { ignoreVary: true }).then((cached) => cached ?? fetch(request)),
  );
});
