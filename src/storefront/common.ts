/**
 * Loaded on every storefront page. A form sent twice (a double tap on "Log in" or "Pay") would
 * send two requests; the second press is ignored until the page changes.
 */
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
  if (form.dataset.sending === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "true";
  // A page restored from the back/forward cache keeps working.
  window.addEventListener("pageshow", () => delete form.dataset.sending, { once: true });
});

// Logging out forgets the offline copy of the tickets page on this device.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && new URL(form.action, location.href).pathname === "/logout" && "caches" in window) {
    void caches.keys().then((names) => Promise.all(names.filter((n) => n.startsWith("me-pages-")).map((n) => caches.delete(n))));
  }
});
