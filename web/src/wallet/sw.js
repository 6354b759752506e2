// The service worker: precaches the app shell at install and serves it cache-first, so the app
// opens with no network. API answers (/v1/...) are never cached here: the app keeps what it
// verified in IndexedDB and says when it is offline. The build stamps VERSION and FILES.

const VERSION = '__VERSION__';
const FILES = [/* __FILES__ */];
const CACHE = `tenge-wallet-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('tenge-wallet-') && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  if (!url.pathname.startsWith(new URL('./', self.registration.scope).pathname)) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      // Navigations of any in-app URL get the shell; the hash picks the screen.
      const key = event.request.mode === 'navigate' ? './' : event.request;
      const hit = await cache.match(key, { ignoreSearch: event.request.mode === 'navigate' });
      return hit || fetch(event.request);
    }),
  );
});
