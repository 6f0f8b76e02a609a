/**
 * Every organizer console route: another organizer's event (or order) is a 404, exactly like a
 * missing one, and a buyer is a 403; neither changes anything.
 */
import { env } from "cloudflare:workers";
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
    // Nothing changed: the order is paid, no device or promo code was made, the event is on sale.
    const owner = { token: ev.organizerToken };
    expect((await call("GET", `/api/v1/admin/orders/${order.order_id}`, owner)).body.status).toBe("paid");
    expect((await call("GET", `${e}/gate-devices`, owner)).body.devices).toEqual([]);
    expect((await call("GET", `${e}/promo-codes`, owner)).body.promo_codes).toEqual([]);
    const row = await env.DB.prepare("SELECT state, waiting_room FROM events WHERE id = ?").bind(ev.eventId).first<{ state: string; waiting_room: string | null }>();
    expect(row).toEqual({ state: "published", waiting_room: null });
  });
});
