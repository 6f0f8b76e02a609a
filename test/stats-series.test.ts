/**
 * The stats time series (GET /api/v1/admin/events/{id}/stats): sales per minute and per day
 * from the trigger-kept buckets, refunds subtracted where they happen, the event's currency,
 * cancelled events, and check-ins per gate.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { paidOrder } from "./support/checkout";

const stats = (ev: { eventId: string; organizerToken: string }, query = "") =>
  call("GET", `/api/v1/admin/events/${ev.eventId}/stats${query}`, { token: ev.organizerToken });

/** An order row as checkout writes it, created at `createdAt` (then paid with `pay`). */
async function insertOrder(eventId: string, amount: number, createdAt: string) {
  const id = `ord_${crypto.randomUUID().replaceAll("-", "")}`;
  await env.DB.prepare(
    `INSERT INTO orders (id, user_id, event_id, hold_id, status, subtotal_cents, amount_cents, currency, hold_expires_at, created_at, updated_at)
     VALUES (?1, 'usr_x', ?2, ?3, 'pending_payment', ?4, ?4, 'usd', '2030-01-01T00:00:00.000Z', ?5, ?5)`,
  )
    .bind(id, eventId, `hld_${crypto.randomUUID()}`, amount, createdAt)
    .run();
  await env.DB.prepare(
    "INSERT INTO order_items (id, order_id, position, event_id, section_key, seat_label, price_cents) VALUES (?1, ?2, 0, ?3, 'GA', NULL, ?4)",
  )
    .bind(`itm_${crypto.randomUUID()}`, id, eventId, amount)
    .run();
  return id;
}
const pay = (orderId: string, at: string) =>
  env.DB.prepare("UPDATE orders SET status = 'paid', paid_at = ?2, updated_at = ?2 WHERE id = ?1").bind(orderId, at).run();

describe("sales series", () => {
  it("puts each sale in the minute and the day it was paid, zeros in between", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 50 });
    const a = await insertOrder(ev.eventId, 2500, "2026-03-01T10:00:10.000Z");
    const b = await insertOrder(ev.eventId, 5000, "2026-03-01T10:01:59.000Z");
    const c = await insertOrder(ev.eventId, 1000, "2026-03-02T09:00:00.000Z");
    await insertOrder(ev.eventId, 7777, "2026-03-01T10:02:00.000Z"); // never paid
    await pay(a, "2026-03-01T10:00:30.000Z");
    await pay(b, "2026-03-01T10:02:01.000Z");
    await pay(c, "2026-03-02T09:00:05.000Z");

    const res = await stats(ev, "?from=2026-03-01T10:00:00Z&minutes=4");
    expect(res.status).toBe(200);
    const pm = res.body.series.per_minute;
    expect(pm.map((p: any) => p.t)).toEqual([
      "2026-03-01T10:00:00.000Z",
      "2026-03-01T10:01:00.000Z",
      "2026-03-01T10:02:00.000Z",
      "2026-03-01T10:03:00.000Z",
    ]);
    expect(pm.map((p: any) => p.revenue_cents)).toEqual([2500, 0, 5000, 0]);
    expect(pm.map((p: any) => p.orders_paid)).toEqual([1, 0, 1, 0]);

    const days = res.body.series.per_day.filter((d: any) => d.t < "2026-03-03");
    expect(days).toEqual([
      expect.objectContaining({ t: "2026-03-01T00:00:00.000Z", orders_paid: 2, revenue_cents: 7500 }),
      expect.objectContaining({ t: "2026-03-02T00:00:00.000Z", orders_paid: 1, revenue_cents: 1000 }),
    ]);
    expect(res.body).toMatchObject({ orders: 3, revenue_cents: 8500, holds: { ordered: 4, paid: 3, conversion: 0.75 } });
    // Every order counts as placed (in the minute its items were written: now), the unpaid one too.
    expect(res.body.series.per_day.at(-1).orders_placed).toBe(4);
    // The day series runs on to today with empty days.
    expect(res.body.series.per_day.at(-1).t.slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
  });

  it("answers the last `minutes` minutes by default, ending now", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 5 });
    const res = await stats(ev, "?minutes=30");
    const pm = res.body.series.per_minute;
    expect(pm).toHaveLength(30);
    expect(Date.parse(pm.at(-1).t)).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - Date.parse(pm.at(-1).t)).toBeLessThan(120_000);
    expect(res.body.series.per_day).toEqual([]);
  });

  it.for([["?minutes=0"], ["?minutes=1441"], ["?minutes=x"], ["?from=yesterday"]])("refuses %s with 400", async ([q], { expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 5 });
    const res = await stats(ev, q);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
  });
});

describe("refunds subtract", () => {
  it("an organizer refund takes the order, its tickets and its money out, in the minute of the refund", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 4 }], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const one = await paidOrder(ev, buyer, { section: "GA", quantity: 2 });
    await paidOrder(ev, buyer, { seats: ["R-A-1"] });
    const before = (await stats(ev)).body;
    expect(before).toMatchObject({ orders: 2, revenue_cents: 2 * 2500 + 5000, totals: { tickets_sold: 3, refunded_cents: 0 } });

    const refund = await call("POST", `/api/v1/admin/orders/${one.order.order_id}/refund`, { token: ev.organizerToken });
    expect(refund.status).toBe(200);
    const after = (await stats(ev)).body;
    expect(after).toMatchObject({
      orders: 1,
      revenue_cents: 5000,
      totals: { orders_paid: 2, orders_refunded: 1, tickets_sold: 1, gross_cents: 10000, refunded_cents: 5000, revenue_cents: 5000 },
    });
    const minutes = after.series.per_minute;
    expect(minutes.reduce((n: number, p: any) => n + p.refunded_cents, 0)).toBe(5000);
    expect(minutes.reduce((n: number, p: any) => n + p.revenue_cents, 0)).toBe(5000);
    expect(after.sections.find((s: any) => s.key === "GA")).toMatchObject({ sold: 0, available: 10 });
  });

  it("a partial refund at the provider lowers revenue but keeps the order and its tickets", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const p = await paidOrder(ev, buyer, { section: "GA", quantity: 2 });
    const r = await call("POST", `/api/v1/test-gateway/payments/${p.order.payment.payment_id}/refund`, { body: { amount_cents: 1200 } });
    expect(r.status).toBe(200);
    const s = (await stats(ev)).body;
    expect(s).toMatchObject({ orders: 1, revenue_cents: 5000 - 1200, totals: { tickets_sold: 2, refunded_cents: 1200 } });
    // The rest refunded at the provider ends the order: everything is out.
    await call("POST", `/api/v1/test-gateway/payments/${p.order.payment.payment_id}/refund`);
    expect((await stats(ev)).body).toMatchObject({ orders: 0, revenue_cents: 0, totals: { tickets_sold: 0, refunded_cents: 5000 } });
  });
});

describe("currency and cancelled events", () => {
  it("answers in the event's currency (jpy: whole yen)", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10, overrides: { currency: "JPY", price_tiers: { standard: 5000, ga: 3000 } } });
    const buyer = await signupBuyer();
    await paidOrder(ev, buyer, { section: "GA", quantity: 3 });
    const s = (await stats(ev)).body;
    expect(s).toMatchObject({ currency: "jpy", revenue_cents: 9000, totals: { gross_cents: 9000 } });
    expect(s.series.per_minute.reduce((n: number, p: any) => n + p.revenue_cents, 0)).toBe(9000);
  });

  it("a cancelled event shows its status, and every refunded order subtracted", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 4 }], gaCapacity: 10 });
    const [b1, b2] = await Promise.all([signupBuyer(), signupBuyer()]);
    await paidOrder(ev, b1, { section: "GA", quantity: 1 });
    await paidOrder(ev, b2, { seats: ["R-A-2", "R-A-3"] });
    expect((await stats(ev)).body).toMatchObject({ status: "on_sale", orders: 2, revenue_cents: 12500, refunds_pending: 0 });

    const cancel = await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken });
    expect(cancel.body.orders_refunded).toBe(2);
    const s = (await stats(ev)).body;
    expect(s).toMatchObject({
      status: "cancelled",
      orders: 0,
      revenue_cents: 0,
      refunds_pending: 0,
      totals: { orders_paid: 2, orders_refunded: 2, gross_cents: 12500, refunded_cents: 12500, tickets_sold: 0 },
    });
    expect(s.cancelled_at).toEqual(expect.any(String));
  });
});

describe("holds and sections", () => {
  it("counts places held now and calls out sections about to sell out", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 20 }], gaCapacity: 100 });
    const buyer = await signupBuyer();
    await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2", "R-A-3", "R-A-4", "R-A-5", "R-A-6", "R-A-7", "R-A-8"] });
    const other = await signupBuyer();
    const h = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: other.token, body: { section: "GA", quantity: 3 } });
    expect(h.status).toBe(201);
    const s = (await stats(ev)).body;
    expect(s.holds.in_flight).toBe(3);
    // 12 of 20 seats left is not yet "selling out"; hold 3 more and it is (at most 10 left).
    expect(s.selling_out).toEqual([]);
    const h2 = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: other.token, body: { seats: ["R-A-9", "R-A-10"] } });
    expect(h2.status).toBe(201);
    const s2 = (await stats(ev)).body;
    expect(s2.selling_out).toEqual(["R"]);
    expect(s2.sections.find((x: any) => x.key === "R")).toMatchObject({ available: 10, held: 2, sold: 8, selling_out: true, sold_out: false });
    expect(s2.holds.in_flight).toBe(5);
  });
});

describe("check-ins per gate", () => {
  it("counts entries per device per minute of the scanner's clock", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const p = await paidOrder(ev, buyer, { section: "GA", quantity: 3 });
    const [t1, t2, t3] = p.paid.tickets.map((t: any) => t.ticket_id);
    const devA = (await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name: "North" } })).body;
    const devB = (await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name: "South" } })).body;
    const upload = (dev: any, scans: unknown[]) =>
      call("POST", `/api/v1/gate/events/${ev.eventId}/scans`, { token: dev.token, body: { device_id: dev.device_id, scans } });
    expect((await upload(devA, [
      { ticket_id: t1, scanned_at: "2026-05-01T19:00:05Z", verdict: "valid" },
      { ticket_id: t2, scanned_at: "2026-05-01T19:01:05Z", verdict: "valid" },
    ])).status).toBe(200);
    // Re-sending a batch counts nothing twice.
    await upload(devA, [{ ticket_id: t1, scanned_at: "2026-05-01T19:00:05Z", verdict: "valid" }]);
    await upload(devB, [
      { ticket_id: t3, scanned_at: "2026-05-01T19:01:30Z", verdict: "valid" },
      { ticket_id: t1, scanned_at: "2026-05-01T19:01:40Z", verdict: "duplicate" },
    ]);
    const s = (await stats(ev, "?from=2026-05-01T19:00:00Z&minutes=3")).body;
    expect(s.checkins.entries).toBe(3);
    const byName = Object.fromEntries(s.checkins.per_gate.map((g: any) => [g.name, g]));
    expect(byName.North).toMatchObject({ scans: 2, entries: 2 });
    expect(byName.North.per_minute.map((m: any) => m.entries)).toEqual([1, 1, 0]);
    expect(byName.South).toMatchObject({ scans: 2, entries: 1 });
    expect(byName.South.per_minute.map((m: any) => [m.scans, m.entries])).toEqual([[0, 0], [2, 1], [0, 0]]);
  });
});
