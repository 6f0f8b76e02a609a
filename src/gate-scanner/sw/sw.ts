/// <reference lib="webworker" />
/**
 * Keeps the app shell (HTML, JS, CSS, icons, the ZXing wasm) in a cache named for the build,
 * so the scanner opens and reloads with no network. API calls are never cached: the bundle and
 * scan log live in IndexedDB, where the app decides what is fresh.
 */
export {};
declare const self: ServiceWorkerGlobalScope;
/** Injected by scripts/build-gate.mjs: a hash of every shell file, and their names. */
declare const __BUILD_ID__: string;
declare const __SHELL__: string[];

const CACHE = `gate-shell-${__BUILD_ID__}`;
const scope = new URL(self.registration.scope);
const shellUrls = __SHELL__.map((f) => new URL(f, scope).href);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(shellUrls.map((u) => new Request(u, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("gate-shell-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (req.mode === "navigate") {
    // Any page of the app (with or without an #enroll fragment or query) is the shell.
    event.respondWith(caches.match(scope.href, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
    return;
  }
  const key = url.origin + url.pathname;
  if (shellUrls.includes(key)) event.respondWith(caches.match(key, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
});
