/**
 * The storefront pages as the server renders them (no browser): seat buttons and their names,
 * event states, the forms that work without scripts, checkout, the local test payment page,
 * Stripe's Payment Element, tickets, and what personal pages tell caches.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, it } from "vitest";
import { app } from "../src/worker/index";
import { db } from "../src/platform/db/client";
import { orders } from "../src/platform/db/schema";
import { BINDINGS } from "../src/worker/middleware/rate-limit";
import { pendingOrder } from "./support/checkout";
import { publishedEvent, signupBuyer, type User } from "./support/fixtures";
import { call } from "./support/http";

const SAME = { "Sec-Fetch-Site": "same-origin" };

async function page(path: string, opts: { user?: User; form?: Record<string, string | string[]>; env?: Env } = {}) {
  const headers: Record<string, string> = { ...SAME };
  if (opts.user) headers.Cookie = `session=${opts.user.token}`;
  let body: string | undefined;
  if (opts.form) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.form)) for (const one of ([] as string[]).concat(v)) params.append(k, one);
    body = params.toString();
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  const req = new Request(`http://localhost${path}`, { method: opts.form ? "POST" : "GET", headers, body, redirect: "manual" });
  let res: Response;
  if (opts.env) {
    const ctx = createExecutionContext();
    res = await app.fetch(req, opts.env, ctx);
    await waitOnExecutionContext(ctx);
  } else res = await exports.default.fetch(req);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The seat buttons of a page, in document order: [seat id, accessible name]. */
const seatButtons = (html: string) => [...html.matchAll(/<g role="button"[^>]*data-seat="([^"]+)"[^>]*aria-label="([^"]+)"/g)].map((m) => [m[1], m[2]]);

describe("home", () => {
  it("searches through the event search (text, city, category, dates) and pages with 'More events'", async ({ expect }) => {
    const category = `cat${crypto.randomUUID().slice(0, 8)}`;
    const organizer = (await publishedEvent({ overrides: { category, name: "Paging first" } })).organizer;
    for (let i = 0; i < 20; i++) await publishedEvent({ organizer, overrides: { category, name: `Paging ${i}` } });
    const names = (html: string) => [...html.matchAll(/<h2><a href="\/events\/[^"]+">([^<]+)<\/a><\/h2>/g)].map((m) => m[1]);
    const first = await page(`/?category=${category}`);
    expect(names(first.text)).toHaveLength(20);
    const next = /<a class="button" href="([^"]+)" rel="next">/.exec(first.text)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toContain(`category=${category}`);
    const second = await page(next!);
    expect(names(second.text)).toHaveLength(1);
    expect(second.text).not.toContain('rel="next"');
    expect(new Set([...names(first.text), ...names(second.text)]).size).toBe(21);

    const one = await page(`/?q=${encodeURIComponent("Paging first")}&category=${category}&city=testville`);
    expect(names(one.text)).toEqual(["Paging first"]);
    expect(one.text).toContain('value="Paging first"');
    const none = await page(`/?category=${category}&city=Elsewhere`);
    expect(none.text).toContain("No events match.");
    const dated = await page(`/?category=${category}&from=2020-01-01&to=2020-12-31`);
    expect(names(dated.text)).toEqual([]);
    const bad = await page(`/?from=2027-01-02&to=2027-01-01`);
    expect(bad.text).toContain("to must not be before from.");
  });
});

describe("event page", () => {
  it("draws every reserved seat as a button named '<label>, <status>, <price>', rows in layout order", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "B", seats: 3 }, { label: "A", seats: 2 }], gaCapacity: 20 });
    const buyer = await signupBuyer();
    await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-A-2"] } });
    const res = await page(`/events/${ev.eventId}`);
    expect(res.status).toBe(200);
    expect(seatButtons(res.text)).toEqual([
      ["R-B-1", "R-B-1, available, $50.00"],
      ["R-B-2", "R-B-2, available, $50.00"],
      ["R-B-3", "R-B-3, available, $50.00"],
      ["R-A-1", "R-A-1, available, $50.00"],
      ["R-A-2", "R-A-2, held, $50.00"],
    ]);
    // One tab stop per section: the first available seat.
    expect(res.text.match(/tabindex="0"[^>]*data-seat/g)).toHaveLength(1);
    expect(res.text).toContain("General admission · standing · $25.00");
    expect(res.text).toContain("20 places left");
    expect(res.text).toMatch(/<select id="ga-GA" name="quantity">/);
  });

  it("shows the sale's state: countdown before it opens, sold out, cancelled", async ({ expect }) => {
    const onSaleAt = new Date(Date.now() + 3 * 24 * 3600_000).toISOString();
    const soon = await publishedEvent({ overrides: { on_sale_at: onSaleAt } });
    const early = await page(`/events/${soon.eventId}`);
    expect(early.text).toContain(`role="timer" aria-live="off" data-countdown-to="${onSaleAt}"`);
    expect(early.text).toContain("On sale soon");

    const tiny = await publishedEvent({ rows: [{ label: "A", seats: 1 }], gaCapacity: 0 });
    await call("POST", `/api/v1/events/${tiny.eventId}/holds`, { token: (await signupBuyer()).token, body: { seats: ["R-A-1"] } });
    expect((await page(`/events/${tiny.eventId}`)).text).toContain("Sold out: every ticket is held or sold.");

    const gone = await publishedEvent();
    await call("POST", `/api/v1/admin/events/${gone.eventId}/cancel`, { token: gone.organizerToken });
    const cancelled = await page(`/events/${gone.eventId}`);
    expect(cancelled.text).toContain("This event was cancelled.");
    expect(seatButtons(cancelled.text)).toEqual([]);

    const missing = await page("/events/evt_nope");
    expect(missing.status).toBe(404);
    expect(missing.text).toContain("See all events");
  });
});

describe("holding without scripts", () => {
  it("the GA form holds and goes to checkout; a taken seat is a sentence on the event page; no session goes to log in", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const ga = await page(`/events/${ev.eventId}/holds`, { user: buyer, form: { section: "GA", quantity: "2" } });
    expect(ga.status).toBe(303);
    expect(ga.headers.get("Location")).toMatch(/^\/checkout\/hld_/);

    const other = await signupBuyer();
    await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: other.token, body: { seats: ["R-A-1"] } });
    const taken = await page(`/events/${ev.eventId}/holds`, { user: buyer, form: { seats: ["R-A-1", "R-A-2"] } });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain("Just taken by someone else: R-A-1. Pick other seats.");
    expect(seatButtons(taken.text).find(([id]) => id === "R-A-2")?.[1]).toBe("R-A-2, available, $50.00");

    const anonymous = await page(`/events/${ev.eventId}/holds`, { form: { section: "GA", quantity: "1" } });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("Location")).toBe(`/login?next=${encodeURIComponent(`/events/${ev.eventId}`)}`);
  });
});

describe("refused holds are sentences", () => {
  it("past the per-buyer limit, and when rate limited (with Retry-After)", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { max_tickets_per_user: 3 } });
    const buyer = await signupBuyer();
    await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { section: "GA", quantity: 2 } });
    const limit = await page(`/events/${ev.eventId}/holds`, { user: buyer, form: { section: "GA", quantity: "2" } });
    expect(limit.status).toBe(422);
    expect(limit.text).toContain("You have reached the limit of 3 tickets per buyer for this event (held and bought together).");

    // The hold limit's binding, as it answers a buyer past the limit.
    const binding = BINDINGS.hold.user;
    const strict = { ...env, [binding]: { limit: async () => ({ success: false }) } } as Env;
    const other = await signupBuyer();
    const second = await page(`/events/${ev.eventId}/holds`, { user: other, form: { section: "GA", quantity: "1" }, env: strict });
    expect(second.status).toBe(429);
    const wait = Number(second.headers.get("Retry-After"));
    expect(wait).toBeGreaterThan(0);
    expect(second.text).toContain(`Too many tries in a short time. Try again in ${wait} seconds.`);
  });
});

describe("checkout and payment pages", () => {
  it("checkout counts down the hold, orders with the promo code, pays on the test payment page, and shows the tickets", async ({ expect }) => {
    const ev = await publishedEvent();
    await call("POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, { token: ev.organizerToken, body: { code: "HALF", percent_off: 50 } });
    const buyer = await signupBuyer();
    const held = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-B-1", "R-B-2"] } });
    const checkout = await page(`/checkout/${held.body.hold_id}`, { user: buyer });
    expect(checkout.status).toBe(200);
    expect(checkout.headers.get("Cache-Control")).toBe("private, no-store");
    expect(checkout.text).toContain(`role="timer" aria-live="off" id="hold-timer" data-expires-at="${held.body.expires_at}"`);
    expect(checkout.text).toContain("R-B-1, R-B-2");

    // Someone else's hold is not there for this buyer.
    expect((await page(`/checkout/${held.body.hold_id}`, { user: await signupBuyer() })).status).toBe(404);

    const key = /name="idempotency_key" value="([^"]+)"/.exec(checkout.text)![1]!;
    const placed = await page(`/checkout/${held.body.hold_id}`, { user: buyer, form: { idempotency_key: key, promo_code: "HALF" } });
    expect(placed.status).toBe(303);
    const payPath = placed.headers.get("Location")!;
    expect(payPath).toMatch(/^\/orders\/ord_\w+\/pay$/);
    const pay = await page(payPath, { user: buyer });
    expect(pay.text).toContain("Test payment");
    expect(pay.text).toContain("−$50.00");
    expect(pay.text).toContain("Pay $50.00");

    const paid = await page(payPath, { user: buyer, form: { outcome: "succeed" } });
    expect(paid.status).toBe(303);
    const orderPath = paid.headers.get("Location")!;
    const order = await page(orderPath, { user: buyer });
    expect(order.text).toMatch(/data-status="paid"/);
    expect(order.text.match(/<svg role="img" aria-label="QR code of the ticket for R-B-[12]"/g)).toHaveLength(2);
    const tickets = await call("GET", "/api/v1/me/tickets", { token: buyer.token });
    for (const t of tickets.body.tickets) expect(order.text).toContain(`data-jwt="${t.jwt}"`);
    // The same ticket page reads the same on /me.
    const me = await page("/me", { user: buyer });
    expect(me.text.match(/class="ticket ticket-valid"/g)).toHaveLength(2);
    expect(me.text).toContain('src="/store/me.js"');
  });

  it("cancel on checkout releases the hold at once and goes back to the event page", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const held = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-A-3"] } });
    const res = await page(`/checkout/${held.body.hold_id}/cancel`, { user: buyer, form: {} });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/events/${ev.eventId}#released`);
    expect((await call("GET", `/api/v1/holds/${held.body.hold_id}`, { token: buyer.token })).status).toBe(404);
    const gone = await page(`/checkout/${held.body.hold_id}`, { user: buyer });
    expect(gone.text).toContain("Your hold expired or was released");
    expect(gone.text).toContain(`href="/events/${ev.eventId}">Pick again`);
  });

  it("with Stripe, the payment page mounts the Payment Element with the order's client_secret", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-4"] });
    // The order as Stripe would have left it (Stripe itself cannot be reached from tests).
    const secret = `pi_3Test${crypto.randomUUID().slice(0, 8)}_secret_abc`;
    await db(env)
      .update(orders)
      .set({ paymentProvider: "stripe", paymentId: secret.split("_secret_")[0], clientSecret: secret })
      .where(eq(orders.id, order.order_id));
    const stripeEnv = { ...env, STRIPE_SECRET_KEY: "sk_test_51Fake", STRIPE_PUBLISHABLE_KEY: "pk_test_51Fake" } as Env;
    const pay = await page(`/orders/${order.order_id}/pay`, { user: buyer, env: stripeEnv });
    expect(pay.status).toBe(200);
    expect(pay.text).toContain('<script src="https://js.stripe.com/v3/"></script>');
    expect(pay.text).toContain(`data-client-secret="${secret}"`);
    expect(pay.text).toContain('data-publishable-key="pk_test_51Fake"');
    expect(pay.text).toContain(`data-return-url="http://localhost/orders/${order.order_id}"`);
    expect(pay.text).toContain('src="/store/stripe-pay.js"');
    expect(pay.text).not.toContain("Test payment");

    const { STRIPE_PUBLISHABLE_KEY: _k, ...noKey } = stripeEnv as Env & { STRIPE_PUBLISHABLE_KEY: string };
    const unset = await page(`/orders/${order.order_id}/pay`, { user: buyer, env: noKey as Env });
    expect(unset.text).toContain("Card payments are not set up on this site yet");
    expect(unset.text).not.toContain(secret);
  });

  it("pages that need an account send the visitor to log in and back", async ({ expect }) => {
    for (const path of ["/me", "/checkout/hld_x", "/orders/ord_x", "/orders/ord_x/pay"]) {
      const res = await page(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("Location"), path).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
  });
});
