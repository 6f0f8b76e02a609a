/**
 * The request id reaches the objects: their JSON lines (saga steps, section refusals, queue and
 * waitlist joins) carry the `request_id` of the request that caused them, and alarm work says
 * `trigger: "alarm"` with no request id. Objects run in this isolate, so console is spied on here.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ledgerForNewHold } from "../src/durable-objects/buyer-ledger-handle";
import { expireHold, paidOrder } from "./support/checkout";
import { admitNextTick, publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { backdateHold, section } from "./support/inventory-fixtures";

type Line = Record<string, unknown> & { msg: string };
let lines: Line[] = [];

beforeEach(() => {
  lines = [];
  const capture = (...args: unknown[]) => {
    if (typeof args[0] !== "string" || !args[0].startsWith("{")) return;
    try {
      lines.push(JSON.parse(args[0]));
    } catch {
      // not a JSON line
    }
  };
  vi.spyOn(console, "log").mockImplementation(capture);
  vi.spyOn(console, "error").mockImplementation(capture);
});
afterEach(() => vi.restoreAllMocks());

/** A `cf-ray` of our own, so each request's id is known before it is sent. */
const ray = () => `${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("")}-LIS`;
const of = (msg: string, match: Record<string, unknown> = {}) =>
  lines.filter((l) => l.msg === msg && Object.entries(match).every(([k, v]) => l[k] === v));

async function holdAndOrder(seats: string[]) {
  const ev = await publishedEvent();
  const buyer = await signupBuyer();
  const holdRay = ray();
  const hold = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats }, headers: { "cf-ray": holdRay } });
  if (hold.status !== 201) throw new Error(`hold: ${hold.status}`);
  const orderRay = ray();
  const order = await call("POST", "/api/v1/orders", {
    token: buyer.token,
    body: { hold_id: hold.body.hold_id },
    headers: { "Idempotency-Key": crypto.randomUUID(), "cf-ray": orderRay },
  });
  if (order.status !== 201) throw new Error(`order: ${order.status}`);
  expect(order.headers.get("X-Request-Id")).toBe(orderRay);
  return { ev, buyer, hold: hold.body, order: order.body, orderRay };
}

describe("request id in the checkout saga's lines", () => {
  it("order, payment and refund: each saga step line carries the id of the request that ran it", async () => {
    const { ev, order, orderRay } = await holdAndOrder(["R-A-1", "R-A-2"]);
    expect(of("saga_step", { order_id: order.order_id, goal: "expire", outcome: "queued" })).toEqual([
      expect.objectContaining({ request_id: orderRay, trigger: "request" }),
    ]);

    const payRay = ray();
    const paid = await call("POST", `/api/v1/test-gateway/payments/${order.payment.payment_id}/succeed`, { headers: { "cf-ray": payRay } });
    expect(paid.status).toBe(200);
    expect(paid.body.webhook).toMatchObject({ received: true });
    // The webhook was delivered inline, inside the payment's request: the saga ran under its id.
    const fulfil = of("saga_step", { order_id: order.order_id, goal: "fulfil" });
    expect(fulfil).toEqual([expect.objectContaining({ request_id: payRay, trigger: "request", outcome: "done", queued_by: payRay, attempt: 1 })]);
    const status = await env.DB.prepare("SELECT status FROM orders WHERE id = ?").bind(order.order_id).first<{ status: string }>();
    expect(status?.status).toBe("paid");

    const refundRay = ray();
    const refund = await call("POST", `/api/v1/admin/orders/${order.order_id}/refund`, { token: ev.organizer.token, headers: { "cf-ray": refundRay } });
    expect(refund.status).toBe(200);
    expect(of("saga_step", { order_id: order.order_id, goal: "end" })).toEqual([
      expect.objectContaining({ request_id: refundRay, trigger: "request", reason: "refunded_by_organizer", outcome: "done", status: "refunded" }),
    ]);
    // No saga line of this order carries an id other than the three requests'.
    const ids = new Set(of("saga_step", { order_id: order.order_id }).map((l) => l.request_id));
    expect([...ids].sort()).toEqual([orderRay, payRay, refundRay].sort());
  });

  it("a payment's confirm carries the webhook request's id on to the ledger and the section", async () => {
    const { ev, hold, order } = await holdAndOrder(["R-A-3"]);
    // The section let the hold lapse (its alarm ran) while the ledger still counts it held: the
    // ledger asks the section, the section refuses, and both say so under the payment's id.
    const sectionStub = section(ev.eventId, "R");
    await backdateHold(sectionStub, hold.hold_id, Date.now() - 1);
    await runDurableObjectAlarm(sectionStub);
    lines = [];
    const payRay = ray();
    const paid = await call("POST", `/api/v1/test-gateway/payments/${order.payment.payment_id}/succeed`, { headers: { "cf-ray": payRay } });
    expect(paid.status).toBe(200);
    expect(of("section_confirm_refused", { hold_id: hold.hold_id })).toEqual([
      expect.objectContaining({ request_id: payRay, trigger: "request", event_id: ev.eventId, section: "R", reason: "expired" }),
    ]);
    expect(of("ledger_confirm_failed", { hold_id: hold.hold_id })).toEqual([
      expect.objectContaining({ request_id: payRay, trigger: "request", reason: "expired" }),
    ]);
    const status = await env.DB.prepare("SELECT status, failure_reason FROM orders WHERE id = ?").bind(order.order_id).first<{ status: string; failure_reason: string }>();
    expect(status).toEqual({ status: "failed", failure_reason: "hold_expired" });
  });

  it("a step the alarm runs logs trigger alarm, no request id, and the request that queued it", async () => {
    const { ev, buyer, hold, order, orderRay } = await holdAndOrder(["R-B-1"]);
    // No payment came: the hold and the order's grace run out, and the alarm fails the order.
    await expireHold(ev.eventId, buyer.userId, hold.hold_id, ["R"]);
    await env.DB.prepare("UPDATE orders SET hold_expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 120_000).toISOString(), order.order_id).run();
    const saga = env.CHECKOUT.getByName(order.order_id);
    await runInDurableObject(saga, (_i, state) => {
      state.storage.sql.exec("UPDATE work SET due_at = ? WHERE goal = 'expire'", Date.now() - 1);
    });
    lines = [];
    expect(await runDurableObjectAlarm(saga)).toBe(true);
    expect(of("saga_step", { order_id: order.order_id, goal: "expire" })).toEqual([
      expect.objectContaining({ request_id: null, trigger: "alarm", outcome: "done", queued_by: orderRay }),
    ]);
    const status = await env.DB.prepare("SELECT status FROM orders WHERE id = ?").bind(order.order_id).first<{ status: string }>();
    expect(status?.status).toBe("failed");
  });
});

describe("request id through the hold path and the joins", () => {
  it("a hold's request id goes Worker -> ledger -> section: the section's refusal line carries it", async () => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    // A first hold warms the Worker's event facts; then only the section learns of a cancel,
    // as when the facts are stale: the section refuses, and says so with the request's id.
    expect((await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-A-1"] } })).status).toBe(201);
    const hour = 3_600_000;
    await section(ev.eventId, "R").setSale({ state: "cancelled", onSaleAt: new Date(Date.now() - hour).toISOString(), endsAt: new Date(Date.now() + hour).toISOString() });
    lines = [];
    const holdRay = ray();
    const refused = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-A-3"] }, headers: { "cf-ray": holdRay } });
    expect(refused.status).toBe(422);
    expect(of("section_hold_refused", { event_id: ev.eventId })).toEqual([
      expect.objectContaining({ request_id: holdRay, trigger: "request", section: "R", reason: "event_cancelled" }),
    ]);
    expect(of("section_hold_refused", { event_id: ev.eventId })[0]).not.toHaveProperty("ok");

    // The field is the ledger's to pass on, whoever calls it.
    const requestId = ray();
    const ledger = ledgerForNewHold(env, ev.eventId, buyer.userId, 64);
    const r = await ledger.stub.createHold({
      requestId,
      shard: ledger.shard,
      eventId: ev.eventId,
      userId: buyer.userId,
      items: [{ section: "R", seats: ["R-A-4"] }],
      holdTtlSeconds: 300,
      maxTicketsPerUser: 8,
    });
    expect(r).toMatchObject({ ok: false });
    expect(of("section_hold_refused", { event_id: ev.eventId }).at(-1)).toMatchObject({ request_id: requestId });
  });

  it("a waiting-room join and its admission tick: the join carries the request id, the tick says alarm", async () => {
    const ev = await publishedEvent({ overrides: { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 300 } } });
    const buyer = await signupBuyer();
    const joinRay = ray();
    const joined = await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: buyer.token, body: {}, headers: { "cf-ray": joinRay } });
    expect(joined.status).toBe(201);
    expect(of("queue_join", { event_id: ev.eventId })).toEqual([
      expect.objectContaining({ request_id: joinRay, trigger: "request", user_id: buyer.userId, queue_id: joined.body.queue_id }),
    ]);
    await admitNextTick(ev.eventId);
    expect(of("admission_tick", { event_id: ev.eventId })).toEqual([expect.objectContaining({ request_id: null, trigger: "alarm", admitted: 1 })]);
  });

  it("a resale hold carries its request's id to the ledger: a refused one says so under that id", async () => {
    const ev = await publishedEvent();
    const seller = await signupBuyer();
    const bought = await paidOrder(ev, seller, { seats: ["R-A-1"] });
    const listed = await call("POST", `/api/v1/tickets/${bought.paid.tickets[0].ticket_id}/resale`, { token: seller.token, body: { price_cents: 4500 } });
    expect(listed.status).toBe(201);
    const first = await signupBuyer();
    expect((await call("POST", `/api/v1/resale/${listed.body.listing_id}/holds`, { token: first.token })).status).toBe(201);
    lines = [];
    // A second buyer finds the listing held: the ledger refuses, and names the request.
    const second = await signupBuyer();
    const holdRay = ray();
    const refused = await call("POST", `/api/v1/resale/${listed.body.listing_id}/holds`, { token: second.token, headers: { "cf-ray": holdRay } });
    expect(refused.status).toBe(409);
    expect(of("ledger_hold_refused", { listing_id: listed.body.listing_id })).toEqual([
      expect.objectContaining({ request_id: holdRay, trigger: "request", user_id: second.userId, reason: "listing_unavailable" }),
    ]);
  });

  it("a waitlist offer's ledger hold names what started the match pass: a section's pool notice is trigger pool, no request", async () => {
    // One ticket per buyer: the waiting buyer holds one already, so the ledger refuses the offer
    // on the quota, and its refusal line shows the cause the waitlist passed on.
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 2 }], gaCapacity: 0, overrides: { max_tickets_per_user: 1 } });
    const holder = await signupBuyer();
    const freed = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: holder.token, body: { seats: [ev.seatIds[0]] } });
    expect(freed.status).toBe(201);
    const buyer = await signupBuyer();
    expect((await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: [ev.seatIds[1]] } })).status).toBe(201);
    expect((await call("POST", `/api/v1/events/${ev.eventId}/waitlist`, { token: buyer.token, body: { quantity: 1 } })).status).toBe(201);
    lines = [];
    // The release pools the seat; the section tells the waitlist after its answer, so the pass
    // is the section's notice, not the release's request.
    expect((await call("DELETE", `/api/v1/holds/${freed.body.hold_id}`, { token: holder.token, headers: { "cf-ray": ray() } })).status).toBe(200);
    const refused = await vi.waitFor(
      () => {
        const l = of("ledger_hold_refused", { event_id: ev.eventId, user_id: buyer.userId });
        if (l.length === 0) throw new Error("no offer yet");
        return l;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(refused).toEqual([expect.objectContaining({ request_id: null, trigger: "pool", reason: "limit_exceeded", from_pool: true })]);
  });

  it("a waitlist join carries the request id", async () => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 1 }], gaCapacity: 0 });
    const first = await signupBuyer();
    const h = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: first.token, body: { seats: ev.seatIds } });
    expect(h.status).toBe(201);
    const buyer = await signupBuyer();
    const joinRay = ray();
    const joined = await call("POST", `/api/v1/events/${ev.eventId}/waitlist`, { token: buyer.token, body: { quantity: 1 }, headers: { "cf-ray": joinRay } });
    expect(joined.status).toBe(201);
    expect(of("waitlist_join", { event_id: ev.eventId })).toEqual([
      expect.objectContaining({ request_id: joinRay, trigger: "request", user_id: buyer.userId, outcome: "waiting" }),
    ]);
  });
});
