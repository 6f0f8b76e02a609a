/**
 * Refunds started at the payment provider (an organizer refunding a charge in Stripe's
 * dashboard) arrive only as signed webhooks. A full one must end the order exactly as our own
 * refund route does; a partial one only records the amount. Regression for: the webhook
 * acknowledged `charge.refunded` and did nothing, so a refunded buyer's tickets stayed valid.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer, type PublishedEvent, type User } from "./support/fixtures";
import { call } from "./support/http";
import {
  authorizeAtProvider,
  deliverWebhook,
  getOrder,
  hold,
  invariantViolations,
  localPayment,
  paidOrder,
  paymentIntentEvent,
  pendingOrder,
  sectionSnapshot,
  stripeSigned,
} from "./support/checkout";
import { partlyRefundedCharge, refund as recordedRefund, stripeEventOf } from "./payments-stripe-recordings";

const gatewayRefund = (paymentId: string, body?: unknown) =>
  call("POST", `/api/v1/test-gateway/payments/${paymentId}/refund`, body === undefined ? {} : { body });

/** `charge.refunded` as Stripe sends it: the recorded charge, for this payment and refunded total. */
const chargeRefunded = (paymentId: string, amount: number, refunded: number, created?: number) =>
  stripeEventOf(
    "charge.refunded",
    { ...partlyRefundedCharge, payment_intent: paymentId, amount, amount_captured: amount, amount_refunded: refunded, refunded: refunded >= amount },
    created,
  );

/** A `refund.*` event as Stripe sends it: the recorded Refund, for this payment. */
const refundEvent = (type: string, paymentId: string, r: { id: string; amount: number; status: string }, created?: number) =>
  stripeEventOf(type, { ...recordedRefund, payment_intent: paymentId, ...r }, created);

const deliverSigned = async (body: string) => deliverWebhook(body, await stripeSigned(body));

const seatStatus = async (ev: PublishedEvent, label: string) =>
  (await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === label)?.status;

const orderRow = (orderId: string) =>
  env.DB.prepare("SELECT status, failure_reason, refunded_cents, refunded_at, seats_returned_at, updated_at FROM orders WHERE id = ?")
    .bind(orderId)
    .first<{ status: string; failure_reason: string | null; refunded_cents: number; refunded_at: string | null; seats_returned_at: string | null; updated_at: string }>();

/** Everything a refund could touch for one order: the row, its tickets, its payment. */
async function orderState(orderId: string, paymentId: string) {
  const tickets = await env.DB.prepare("SELECT id, status, revoked_at FROM tickets WHERE order_id = ? ORDER BY id").bind(orderId).all();
  return { order: await orderRow(orderId), tickets: tickets.results, payment: await localPayment(paymentId) };
}

/** The buyer can hold exactly `n` more GA places before `limit_exceeded` (proves the quota the ledger counts). */
async function expectQuotaLeft(expect: any, ev: PublishedEvent, buyer: User, n: number) {
  if (n > 0) expect((await hold(ev, buyer, { section: "GA", quantity: n })).quantity).toBe(n);
  const over = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { section: "GA", quantity: 1 } });
  expect(over.status).toBe(422);
  expect(over.body.error.code).toBe("limit_exceeded");
}

describe("a full refund made at the provider", () => {
  it("through the local test gateway: order refunded, tickets revoked, seats back on sale, quota freed", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { max_tickets_per_user: 2 } });
    const buyer = await signupBuyer();
    const { order, paid } = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    expect(paid.tickets.map((t: any) => t.status)).toEqual(["valid", "valid"]);
    await expectQuotaLeft(expect, ev, buyer, 0);

    const res = await gatewayRefund(order.payment.payment_id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ payment_id: order.payment.payment_id, outcome: "refund", amount_cents: 10000, refunded_cents: 10000 });
    expect(res.body.refund_id).toMatch(/^re_local_/);
    // Both events Stripe sends for a refund were delivered; whichever came second found the work done.
    expect(res.body.webhooks).toEqual([{ received: true }, { received: true }]);

    const after = (await getOrder(buyer, order.order_id)).body;
    expect(after).toMatchObject({ status: "refunded", failure_reason: "refunded_at_provider", refunded_cents: 10000 });
    expect(after.tickets.map((t: any) => t.status)).toEqual(["revoked", "revoked"]);
    expect((await localPayment(order.payment.payment_id))?.amount_refunded_cents).toBe(10000);
    expect([await seatStatus(ev, "R-A-1"), await seatStatus(ev, "R-A-2")]).toEqual(["available", "available"]);
    // The buyer's two places count no more: they can hold two again, and not three.
    await expectQuotaLeft(expect, ev, buyer, 2);
    const other = await signupBuyer();
    expect((await hold(ev, other, { seats: ["R-A-1"] })).seats).toEqual(["R-A-1"]);
    expect(await invariantViolations(ev)).toEqual([]);

    // Nothing is left to refund at the provider.
    const again = await gatewayRefund(order.payment.payment_id);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "payment_not_refundable", details: { status: "refunded" } });
  });

  it("Stripe's charge.refunded alone (as the Stripe provider parses it) ends the order the same way", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { section: "GA", quantity: 3 });
    expect((await sectionSnapshot(ev.eventId, "GA")).sold).toBe(3);
    const res = await deliverSigned(chargeRefunded(order.payment.payment_id, 7500, 7500));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true });
    const after = (await getOrder(buyer, order.order_id)).body;
    expect(after).toMatchObject({ status: "refunded", refunded_cents: 7500 });
    expect(after.tickets.map((t: any) => t.status)).toEqual(["revoked", "revoked", "revoked"]);
    expect((await sectionSnapshot(ev.eventId, "GA")).sold).toBe(0);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("Stripe's refund.* events alone add up: two partial refunds make a full one", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { seats: ["R-B-1", "R-B-2"] });
    const pi = order.payment.payment_id;
    await deliverSigned(refundEvent("refund.created", pi, { id: "re_part_1", amount: 4000, status: "succeeded" }));
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "paid", refunded_cents: 4000, tickets: [{ status: "valid" }, { status: "valid" }] });
    // The same refund reported again (refund.updated, charge.refund.updated) is not counted twice.
    await deliverSigned(refundEvent("refund.updated", pi, { id: "re_part_1", amount: 4000, status: "succeeded" }));
    await deliverSigned(refundEvent("charge.refund.updated", pi, { id: "re_part_1", amount: 4000, status: "succeeded" }));
    expect((await orderRow(order.order_id))?.refunded_cents).toBe(4000);
    // A refund that failed is not money returned.
    await deliverSigned(refundEvent("refund.failed", pi, { id: "re_part_x", amount: 6000, status: "failed" }));
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "paid", refunded_cents: 4000 });

    await deliverSigned(refundEvent("refund.created", pi, { id: "re_part_2", amount: 6000, status: "pending" }));
    const after = (await getOrder(buyer, order.order_id)).body;
    expect(after).toMatchObject({ status: "refunded", refunded_cents: 10000 });
    expect(after.tickets.map((t: any) => t.status)).toEqual(["revoked", "revoked"]);
    expect(await seatStatus(ev, "R-B-1")).toBe("available");
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("recorded before the order is paid, it ends the order as soon as the saga marks it paid", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-5"] });
    const pi = order.payment.payment_id;
    // The refund is on record while the order is still pending (as after a crash between capture and tickets).
    expect((await deliverSigned(chargeRefunded(pi, 5000, 5000))).status).toBe(200);
    expect((await orderRow(order.order_id))).toMatchObject({ status: "pending_payment", refunded_cents: 5000 });
    await authorizeAtProvider(pi);
    await deliverSigned(paymentIntentEvent("payment_intent.amount_capturable_updated", pi));
    const after = (await getOrder(buyer, order.order_id)).body;
    expect(after).toMatchObject({ status: "refunded", failure_reason: "refunded_at_provider", tickets: [{ status: "revoked" }] });
    expect(await seatStatus(ev, "R-A-5")).toBe("available");
    expect(await invariantViolations(ev)).toEqual([]);
  });
});

describe("a partial refund made at the provider", () => {
  it("is recorded and keeps the order paid and its tickets valid; the rest refunded later ends it", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { seats: ["R-A-3", "R-A-4"] });
    const pi = order.payment.payment_id;

    // Sent as `curl -d` would (form-labelled JSON): read as the partial refund it asks for.
    const part = await call("POST", `/api/v1/test-gateway/payments/${pi}/refund`, {
      rawBody: '{"amount_cents": 2500}',
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ amount_cents: 2500, refunded_cents: 2500 });
    const kept = (await getOrder(buyer, order.order_id)).body;
    expect(kept).toMatchObject({ status: "paid", refunded_cents: 2500 });
    expect(kept.tickets.map((t: any) => t.status)).toEqual(["valid", "valid"]);
    expect([await seatStatus(ev, "R-A-3"), await seatStatus(ev, "R-A-4")]).toEqual(["sold", "sold"]);

    const tooMuch = await gatewayRefund(pi, { amount_cents: 7501 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error).toMatchObject({ code: "refund_exceeds_payment", details: { refundable_cents: 7500 } });
    expect((await localPayment(pi))?.amount_refunded_cents).toBe(2500);

    expect((await gatewayRefund(pi, { amount_cents: 7500 })).body).toMatchObject({ refunded_cents: 10000 });
    const ended = (await getOrder(buyer, order.order_id)).body;
    expect(ended).toMatchObject({ status: "refunded", refunded_cents: 10000 });
    expect(ended.tickets.map((t: any) => t.status)).toEqual(["revoked", "revoked"]);

    // A late, stale charge.refunded (the first partial total) changes nothing.
    const before = await orderState(order.order_id, pi);
    await deliverSigned(chargeRefunded(pi, 10000, 2500, Math.floor(Date.now() / 1000) - 60));
    expect(await orderState(order.order_id, pi)).toEqual(before);
    expect(await invariantViolations(ev)).toEqual([]);
  });
});

describe("echoes and redeliveries", () => {
  it("the echo of our own organizer refund changes nothing", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { max_tickets_per_user: 2 } });
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { seats: ["R-B-3", "R-B-4"] });
    const pi = order.payment.payment_id;
    const refunded = await call("POST", `/api/v1/admin/orders/${order.order_id}/refund`, { token: ev.organizerToken });
    expect(refunded.body).toMatchObject({ status: "refunded", failure_reason: "refunded_by_organizer", refunded_cents: 10000 });
    // The seats are sold on to someone else, and the buyer uses the freed quota, before the echo arrives.
    const other = await signupBuyer();
    await hold(ev, other, { seats: ["R-B-3", "R-B-4"] });
    await hold(ev, buyer, { section: "GA", quantity: 2 });
    const before = await orderState(order.order_id, pi);

    const echoes = [
      chargeRefunded(pi, 10000, 10000),
      refundEvent("refund.created", pi, { id: "re_ours", amount: 10000, status: "succeeded" }),
      refundEvent("refund.updated", pi, { id: "re_ours", amount: 10000, status: "succeeded" }),
    ];
    for (const body of echoes) expect((await deliverSigned(body)).body).toEqual({ received: true });

    expect(await orderState(order.order_id, pi)).toEqual(before);
    expect([await seatStatus(ev, "R-B-3"), await seatStatus(ev, "R-B-4")]).toEqual(["held", "held"]);
    await expectQuotaLeft(expect, ev, buyer, 0);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("the echo of an event cancellation's refunds changes nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { section: "GA", quantity: 2 });
    const pi = order.payment.payment_id;
    const cancelled = await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken });
    expect(cancelled.body).toMatchObject({ orders_refunded: 1 });
    const before = await orderState(order.order_id, pi);
    expect(before.order).toMatchObject({ status: "refunded", failure_reason: "event_cancelled", refunded_cents: 5000 });
    await deliverSigned(chargeRefunded(pi, 5000, 5000));
    await deliverSigned(refundEvent("refund.created", pi, { id: "re_cancel", amount: 5000, status: "succeeded" }));
    expect(await orderState(order.order_id, pi)).toEqual(before);
    expect((await sectionSnapshot(ev.eventId, "GA")).sold).toBe(0);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("racing and repeated deliveries of one provider refund end the order once", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { max_tickets_per_user: 2 } });
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    const pi = order.payment.payment_id;
    const body = chargeRefunded(pi, 10000, 10000);
    const sig = await stripeSigned(body);
    const results = await Promise.all(Array.from({ length: 8 }, () => deliverWebhook(body, sig)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await orderRow(order.order_id))).toMatchObject({ status: "refunded", refunded_cents: 10000 });

    // Seats and quota were returned once: taken again now, later deliveries must not free them a second time.
    const other = await signupBuyer();
    await hold(ev, other, { seats: ["R-A-1", "R-A-2"] });
    await hold(ev, buyer, { section: "GA", quantity: 2 });
    const before = await orderState(order.order_id, pi);
    expect((await deliverWebhook(body, sig)).body).toEqual({ received: true, duplicate: true });
    await deliverSigned(chargeRefunded(pi, 10000, 10000));
    await Promise.all([1, 2, 3].map(() => deliverSigned(refundEvent("refund.created", pi, { id: "re_dash", amount: 10000, status: "succeeded" }))));
    expect(await orderState(order.order_id, pi)).toEqual(before);
    expect([await seatStatus(ev, "R-A-1"), await seatStatus(ev, "R-A-2")]).toEqual(["held", "held"]);
    await expectQuotaLeft(expect, ev, buyer, 0);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("racing refunds at the test gateway never return more than was paid", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { section: "GA", quantity: 4 });
    const pi = order.payment.payment_id;
    const results = await Promise.all(Array.from({ length: 6 }, () => gatewayRefund(pi, { amount_cents: 4000 })));
    // 10000 paid: two refunds of 4000 fit, the rest are refused.
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    expect(results.filter((r) => r.status === 422).every((r) => r.body.error.details.refundable_cents === 2000)).toBe(true);
    expect(results.filter((r) => r.status === 422)).toHaveLength(4);
    expect((await localPayment(pi))?.amount_refunded_cents).toBe(8000);
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "paid", refunded_cents: 8000 });
    expect(await invariantViolations(ev)).toEqual([]);
  });
});

describe("test-gateway refund: bad input", () => {
  it("answers the contract's JSON error and changes nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { seats: ["R-B-5"] });
    const pi = order.payment.payment_id;
    const before = await orderState(order.order_id, pi);
    const webhookRows = () => env.DB.prepare("SELECT count(*) AS n FROM webhook_events WHERE payment_id = ?").bind(pi).first<{ n: number }>();
    const seen = (await webhookRows())!.n;

    const invalidBodies: unknown[] = [
      { amount_cents: 0 },
      { amount_cents: -100 },
      { amount_cents: 12.5 },
      { amount_cents: "1000" },
      { amount_cents: null },
      { amount: 1000 },
      [1000],
      "1000",
    ];
    for (const body of invalidBodies) {
      const res = await gatewayRefund(pi, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    }
    const raw = (rawBody: string, contentType: string) =>
      call("POST", `/api/v1/test-gateway/payments/${pi}/refund`, { rawBody, headers: { "Content-Type": contentType } });
    for (const res of [
      await raw("{amount_cents: 10", "application/json"),
      // Not labelled JSON (as `curl -d` sends it): still read, never skipped into a full refund.
      await raw('{"amount": 1000}', "application/x-www-form-urlencoded"),
      await raw("amount_cents=1000", "application/x-www-form-urlencoded"),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    }

    const tooLarge = await gatewayRefund(pi, { amount_cents: 5001 });
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body.error.code).toBe("refund_exceeds_payment");

    const unknown = await gatewayRefund("pi_local_doesnotexist");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");

    expect(await orderState(order.order_id, pi)).toEqual(before);
    expect((await webhookRows())!.n).toBe(seen);
    expect(await seatStatus(ev, "R-B-5")).toBe("sold");

    // A payment not captured yet has nothing to refund.
    const pending = await pendingOrder(ev, buyer, { seats: ["R-A-4"] });
    const notCaptured = await gatewayRefund(pending.order.payment.payment_id);
    expect(notCaptured.status).toBe(409);
    expect(notCaptured.body.error).toMatchObject({ code: "payment_not_refundable", details: { status: "requires_payment_method" } });
    expect((await getOrder(buyer, pending.order.order_id)).body.status).toBe("pending_payment");
    expect(await invariantViolations(ev)).toEqual([]);
  });
});
