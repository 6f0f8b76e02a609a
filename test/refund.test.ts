import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer, signupOrganizer } from "./support/fixtures";
import { call } from "./support/http";
import { gateway, getOrder, hold, order as placeOrder, invariantViolations, localPayment, paidOrder, pendingOrder, sectionSnapshot } from "./support/checkout";

describe("organizer refunds", () => {
  it("refunds the payment, revokes the tickets and puts the seats back on sale", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order, paid } = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    expect(paid.status).toBe("paid");

    const res = await call("POST", `/api/v1/admin/orders/${order.order_id}/refund`, { token: ev.organizerToken });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("refunded");
    expect(res.body.tickets.map((t: any) => t.status)).toEqual(["revoked", "revoked"]);
    const payment = await localPayment(order.payment.payment_id);
    expect(payment?.amount_refunded_cents).toBe(payment?.amount_cents);
    const seats = (await sectionSnapshot(ev.eventId, "R")).seats!;
    expect(seats.filter((s) => ["R-A-1", "R-A-2"].includes(s.label)).map((s) => s.status)).toEqual(["available", "available"]);
    const other = await signupBuyer();
    expect((await hold(ev, other, { seats: ["R-A-1"] })).seats).toEqual(["R-A-1"]);

    // Repeating the refund (say after a timeout) answers the same and changes nothing.
    const again = await call("POST", `/api/v1/admin/orders/${order.order_id}/refund`, { token: ev.organizerToken });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("refunded");
    expect((await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-A-1")?.status).toBe("held");
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("is for the event's organizer only; unpaid orders cannot be refunded", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    const path = `/api/v1/admin/orders/${order.order_id}/refund`;
    expect((await call("POST", path, { token: (await signupOrganizer()).token })).status).toBe(404);
    expect((await call("POST", path, { token: buyer.token })).status).toBe(403);
    expect((await call("POST", "/api/v1/admin/orders/ord_missing/refund", { token: ev.organizerToken })).status).toBe(404);
    expect((await getOrder(buyer, order.order_id)).body.status).toBe("paid");

    const pending = await pendingOrder(ev, buyer, { section: "GA", quantity: 1 });
    const refused = await call("POST", `/api/v1/admin/orders/${pending.order.order_id}/refund`, { token: ev.organizerToken });
    expect(refused.status).toBe(409);
    expect(await invariantViolations(ev)).toEqual([]);
  });
});

describe("event cancellation", () => {
  it("refunds every paid order, cancels unpaid ones and stops sales", async ({ expect }) => {
    const ev = await publishedEvent();
    const [b1, b2, b3] = await Promise.all([signupBuyer(), signupBuyer(), signupBuyer()]);
    const p1 = await paidOrder(ev, b1, { seats: ["R-B-1"] });
    const p2 = await paidOrder(ev, b2, { section: "GA", quantity: 2 });
    const pending = await pendingOrder(ev, b3, { seats: ["R-B-2"] });
    const spare = await hold(ev, b1, { seats: ["R-A-5"] });

    const path = `/api/v1/admin/events/${ev.eventId}/cancel`;
    expect((await call("POST", path, { token: (await signupOrganizer()).token })).status).toBe(404);
    expect((await call("POST", path, { token: b1.token })).status).toBe(403);
    const res = await call("POST", path, { token: ev.organizerToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ event_id: ev.eventId, status: "cancelled", orders_refunded: 2, orders_cancelled: 1 });

    expect((await getOrder(b1, p1.order.order_id)).body).toMatchObject({ status: "refunded", tickets: [{ status: "revoked" }] });
    expect((await getOrder(b2, p2.order.order_id)).body.tickets.map((t: any) => t.status)).toEqual(["revoked", "revoked"]);
    expect((await getOrder(b3, pending.order.order_id)).body.status).toBe("cancelled");
    expect((await localPayment(pending.order.payment.payment_id))?.status).toBe("canceled");
    const state = await env.DB.prepare("SELECT state FROM events WHERE id = ?").bind(ev.eventId).first<{ state: string }>();
    expect(state?.state).toBe("cancelled");
    const again = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: b1.token, body: { seats: ["R-A-4"] } });
    expect(again.status).toBe(422);
    const late = await placeOrder(b1, spare.hold_id);
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe("not_on_sale");
    expect((await sectionSnapshot(ev.eventId, "GA")).sold).toBe(0);
    // Repeating the cancel is harmless.
    expect((await call("POST", path, { token: ev.organizerToken })).body).toMatchObject({ orders_refunded: 0, orders_cancelled: 0 });
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("a payment authorized after the event was cancelled is voided, never captured", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-3"] });
    // The cancel lands between the buyer paying and the webhook arriving.
    await env.DB.prepare("UPDATE events SET state = 'cancelled' WHERE id = ?").bind(ev.eventId).run();
    expect((await gateway(order.payment.payment_id, "succeed")).status).toBe(200);
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "failed", failure_reason: "event_cancelled", tickets: [] });
    expect((await localPayment(order.payment.payment_id))?.status).toBe("canceled");
    expect((await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-A-3")?.status).toBe("available");
    expect(await invariantViolations(ev)).toEqual([]);
  });
});

describe("organizer order list", () => {
  it("lists the event's orders newest first with status filter and cursor paging; others' events 404", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 50 });
    const buyer = await signupBuyer();
    const paid = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    const pending = await Promise.all([1, 2, 3].map(() => pendingOrder(ev, buyer, { section: "GA", quantity: 1 })));
    const path = `/api/v1/admin/events/${ev.eventId}/orders`;

    const paidOnly = await call("GET", `${path}?status=paid`, { token: ev.organizerToken });
    expect(paidOnly.status).toBe(200);
    expect(paidOnly.body.orders.map((o: any) => o.order_id)).toEqual([paid.order.order_id]);
    expect(paidOnly.body.orders[0]).toMatchObject({ user_id: buyer.userId, tickets: [{ status: "valid" }] });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await call("GET", `${path}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: ev.organizerToken });
      expect(page.status).toBe(200);
      seen.push(...page.body.orders.map((o: any) => o.order_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual([paid.order.order_id, ...pending.map((p) => p.order.order_id)].sort());

    expect((await call("GET", path, { token: (await signupOrganizer()).token })).status).toBe(404);
    expect((await call("GET", path, { token: buyer.token })).status).toBe(403);
    expect((await call("GET", `${path}?status=bogus`, { token: ev.organizerToken })).status).toBe(400);
    expect((await call("GET", `${path}?cursor=nope`, { token: ev.organizerToken })).status).toBe(400);
  });
});
