/**
 * Every organizer console route: another organizer's event (or order) is a 404, exactly like a
 * missing one, and a buyer is a 403; neither changes anything.
 */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer, signupOrganizer } from "./support/fixtures";
import { call } from "./support/http";
import { paidOrder } from "./support/checkout";

describe("console ownership", () => {
  it("answers 404 to another organizer and 403 to a buyer on every console route", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    const other = await signupOrganizer();
    const e = `/api/v1/admin/events/${ev.eventId}`;
    const routes: [string, string, unknown?][] = [
      ["GET", e],
      ["PATCH", e, { name: "Sneaky" }],
      ["GET", `${e}/stats`],
      ["GET", `${e}/orders`],
      ["GET", `${e}/orders?q=x`],
      ["GET", `${e}/exports/orders.csv`],
      ["GET", `${e}/exports/attendees.csv`],
      ["GET", `${e}/gate-devices`],
      ["POST", `${e}/gate-devices`, { name: "Sneaky" }],
      ["GET", `${e}/promo-codes`],
      ["POST", `${e}/promo-codes`, { code: "SNEAKY", percent_off: 100 }],
      ["PATCH", `${e}/waiting-room`, { admit_per_minute: 5 }],
      ["POST", `${e}/publish`],
      ["POST", `${e}/cancel`],
      ["GET", `/api/v1/admin/orders/${order.order_id}`],
      ["POST", `/api/v1/admin/orders/${order.order_id}/refund`],
    ];
    for (const [method, path, body] of routes) {
      const asOther = await call(method, path, { token: other.token, body });
      expect([path, asOther.status, asOther.body?.error?.code]).toEqual([path, 404, "not_found"]);
      const asBuyer = await call(method, path, { token: buyer.token, body });
      expect([path, asBuyer.status, asBuyer.body?.error?.code]).toEqual([path, 403, "forbidden"]);
    }
    // The console pages: same answers, as pages (the session cookie instead of a bearer token).
    const pagesOf = [
      `/admin/events/${ev.eventId}`,
      `/admin/events/${ev.eventId}/edit`,
      `/admin/events/${ev.eventId}/dashboard`,
      `/admin/events/${ev.eventId}/orders`,
      `/admin/events/${ev.eventId}/door`,
      `/admin/events/${ev.eventId}/cancel`,
      `/admin/orders/${order.order_id}`,
    ];
    const asCookie = (token: string) => ({ headers: { Cookie: `session=${token}` } });
    for (const page of pagesOf) {
      const mine = await call("GET", page, asCookie(ev.organizerToken));
      // (The edit page of a published event sends the organizer back to the event: fetch follows.)
      expect([page, mine.status]).toEqual([page, 200]);
      const asOther = await call("GET", page, asCookie(other.token));
      expect([page, asOther.status]).toEqual([page, 404]);
      const asBuyer = await call("GET", page, asCookie(buyer.token));
      expect([page, asBuyer.status]).toEqual([page, 403]);
      expect(String(asBuyer.body)).not.toContain(ev.eventId);
    }
    // Form posts too (same-origin, so only the role and ownership can refuse them).
    const post = (path: string, token: string, body: string) =>
      call("POST", path, { rawBody: body, headers: { Cookie: `session=${token}`, "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin" } });
    for (const [path, body] of [
      [`/admin/events/${ev.eventId}/cancel`, ""],
      [`/admin/events/${ev.eventId}/door`, "name=Sneaky"],
      [`/admin/orders/${order.order_id}/refund`, "confirm=yes"],
    ] as const) {
      expect([path, (await post(path, buyer.token, body)).status]).toEqual([path, 403]);
      const res = await exports.default.fetch(`http://localhost${path}`, {
        method: "POST",
        body,
        redirect: "manual",
        headers: { Cookie: `session=${other.token}`, "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin" },
      });
      // Refused by the API (404), shown as the page's error or as a notice on the way back.
      expect([path, res.status === 404 || (res.status === 303 && /error=/.test(res.headers.get("location") ?? ""))]).toEqual([path, true]);
    }
    // Without a session, a console page asks for a log-in.
    const anon = await exports.default.fetch(`http://localhost/admin/events/${ev.eventId}`, { redirect: "manual" });
    expect([anon.status, anon.headers.get("location")]).toEqual([303, `/login?next=${encodeURIComponent(`/admin/events/${ev.eventId}`)}`]);

    // Nothing changed: the order is paid, no device or promo code was made, the event is on sale.
    const owner = { token: ev.organizerToken };
    expect((await call("GET", `/api/v1/admin/orders/${order.order_id}`, owner)).body.status).toBe("paid");
    expect((await call("GET", `${e}/gate-devices`, owner)).body.devices).toEqual([]);
    expect((await call("GET", `${e}/promo-codes`, owner)).body.promo_codes).toEqual([]);
    const row = await env.DB.prepare("SELECT state, waiting_room FROM events WHERE id = ?").bind(ev.eventId).first<{ state: string; waiting_room: string | null }>();
    expect(row).toEqual({ state: "published", waiting_room: null });
  });
});
