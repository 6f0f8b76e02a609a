// Tickets stay readable offline: a service worker keeps the last /me page (and its styles).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("/sw-me.js", { scope: "/me" })
    .then(() => navigator.serviceWorker.ready)
    .then(() => (document.body.dataset.offlineReady = "true"))
    .catch(() => {
      // Without a service worker the page still works online.
    });
}
document.body.dataset.ready = "true";
