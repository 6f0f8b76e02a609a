/// <reference lib="webworker" />
/**
 * The service worker of `/me`: tickets stay readable with no network. Pages and the
 * storefront's assets are fetched from the network first and the last good copy is kept; with
 * no network, that copy answers. Nothing else is touched (API calls go straight through).
 */
export {};
declare const self: ServiceWorkerGlobalScope;

const CACHE = "me-pages-v1";
const ASSETS = ["/store/store.css", "/store/common.js", "/store/me.js"];
const origin = self.location.origin;

/** Keeps a copy of a page only when it is the page itself (not a redirect to log in). */
async function keep(cache: Cache, req: Request, res: Response): Promise<void> {
  if (res.ok && !res.redirected && res.type === "basic") await cache.put(req, res.clone());
}

self.addEventListener("install", (event) => {
  // The page that registered this worker was loaded before it existed: fetch it again now, so
  // the very first offline visit already has it.
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const url of ["/me", ...ASSETS]) {
        try {
          const req = new Request(url, { credentials: "same-origin", cache: "no-store" });
          await keep(cache, req, await fetch(req));
        } catch {
          // Offline during install: the next online visit fills the cache.
        }
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("me-pages-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== origin) return;
  const isPage = req.mode === "navigate" && url.pathname === "/me";
  const isAsset = url.pathname.startsWith("/store/");
  if (!isPage && !isAsset) return;
  const key = isPage ? "/me" : url.pathname;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const res = await fetch(req);
        await keep(cache, new Request(key), res);
        return res;
      } catch {
        const hit = await cache.match(key);
        if (hit) return hit;
        return new Response("<!doctype html><title>Offline</title><p>You are offline and this page was not saved yet. Open it once with a connection.</p>", {
          status: 503,
          headers: { "Content-Type": "text/html; charset=utf-8" },
        });
      }
    })(),
  );
});
