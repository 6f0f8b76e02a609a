import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import {
  authorizeAtProvider,
  deliverWebhook,
  expireHold,
  gateway,
  getOrder,
  hold,
  invariantViolations,
  localPayment,
  paymentIntentEvent,
  pendingOrder,
  sectionSnapshot,
  stripeSigned,
} from "./support/checkout";

const ticketCount = async (orderId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE order_id = ?").bind(orderId).first<{ n: number }>())!.n;

describe("payment webhook", () => {
  it("rejects a bad signature, a stale timestamp and a missing header with 400, changing nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-1"] });
    await authorizeAtProvider(order.payment.payment_id);
    const body = paymentIntentEvent("payment_intent.amount_capturable_updated", order.payment.payment_id);
    const attempts = [
      await deliverWebhook(body, await stripeSigned(body, { secret: "whsec_not_the_secret" })),
      await deliverWebhook(body, await stripeSigned(body, { timestamp: Math.floor(Date.now() / 1000) - 3600 })),
      await deliverWebhook(body),
      await deliverWebhook(body.replace("requires_capture", "succeeded"), await stripeSigned(body)),
      await deliverWebhook(body, "t=123,v1=deadbeef"),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_signature");
    }
    expect((await getOrder(buyer, order.order_id)).body.status).toBe("pending_payment");
    expect((await sectionSnapshot(ev.eventId, "R")).held).toBe(1);
    const seen = await env.DB.prepare("SELECT count(*) AS n FROM webhook_events WHERE payment_id = ?").bind(order.payment.payment_id).first<{ n: number }>();
    expect(seen!.n).toBe(0);

    // The same event, correctly signed (by the Stripe SDK's helper), is accepted.
    const ok = await deliverWebhook(body, await stripeSigned(body));
    expect(ok.status).toBe(200);
    expect((await getOrder(buyer, order.order_id)).body.status).toBe("paid");
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("a duplicate delivery of the same event changes nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { section: "GA", quantity: 2 });
    await authorizeAtProvider(order.payment.payment_id);
    const body = paymentIntentEvent("payment_intent.amount_capturable_updated", order.payment.payment_id);
    const sig = await stripeSigned(body);
    const results = await Promise.all([deliverWebhook(body, sig), deliverWebhook(body, sig), deliverWebhook(body, sig)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const again = await deliverWebhook(body, sig);
    expect(again.body).toMatchObject({ received: true, duplicate: true });
    // A different event id for the same authorization (provider retry with a new event) is also harmless.
    const other = paymentIntentEvent("payment_intent.amount_capturable_updated", order.payment.payment_id);
    expect((await deliverWebhook(other, await stripeSigned(other))).status).toBe(200);
    expect(await ticketCount(order.order_id)).toBe(2);
    expect((await sectionSnapshot(ev.eventId, "GA")).sold).toBe(2);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("a late failure after success is ignored; success after failure voids the authorization", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const a = await pendingOrder(ev, buyer, { seats: ["R-A-2"] });
    await gateway(a.order.payment.payment_id, "succeed");
    const lateFail = paymentIntentEvent("payment_intent.payment_failed", a.order.payment.payment_id);
    expect((await deliverWebhook(lateFail, await stripeSigned(lateFail))).status).toBe(200);
    expect((await getOrder(buyer, a.order.order_id)).body.status).toBe("paid");
    expect(await ticketCount(a.order.order_id)).toBe(1);

    // Reordered: the failure is processed first, then a success for the same payment arrives.
    const b = await pendingOrder(ev, buyer, { seats: ["R-A-3"] });
    const fail = paymentIntentEvent("payment_intent.payment_failed", b.order.payment.payment_id);
    const success = paymentIntentEvent("payment_intent.amount_capturable_updated", b.order.payment.payment_id);
    await deliverWebhook(fail, await stripeSigned(fail));
    await authorizeAtProvider(b.order.payment.payment_id);
    await deliverWebhook(success, await stripeSigned(success));
    const failed = (await getOrder(buyer, b.order.order_id)).body;
    expect(failed).toMatchObject({ status: "failed", failure_reason: "payment_failed", tickets: [] });
    expect((await localPayment(b.order.payment.payment_id))?.status).toBe("canceled");
    const seat = (await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-A-3");
    expect(seat?.status).toBe("available");
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("events for unknown payments and other event types are acknowledged and ignored", async ({ expect }) => {
    const unknown = paymentIntentEvent("payment_intent.amount_capturable_updated", "pi_unknown");
    expect((await deliverWebhook(unknown, await stripeSigned(unknown))).body).toMatchObject({ received: true, ignored: "unknown_payment" });
    const other = JSON.stringify({ id: "evt_x", object: "event", type: "customer.created", data: { object: { id: "cus_1", object: "customer" } } });
    expect((await deliverWebhook(other, await stripeSigned(other))).body).toMatchObject({ received: true, ignored: "customer.created" });
  });
});

describe("payment outcomes through the local test gateway", () => {
  it("a failed payment fails the order and frees the seats at once", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-B-1", "R-B-2"] });
    const res = await gateway(order.payment.payment_id, "fail");
    expect(res.status).toBe(200);
    const o = (await getOrder(buyer, order.order_id)).body;
    expect(o).toMatchObject({ status: "failed", failure_reason: "payment_failed", tickets: [] });
    const other = await signupBuyer();
    const again = await hold(ev, other, { seats: ["R-B-1", "R-B-2"] });
    expect(again.seats).toEqual(["R-B-1", "R-B-2"]);
    expect((await gateway(order.payment.payment_id, "succeed")).status).toBe(409);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("success after the hold expired and its seats were taken: authorization cancelled, never captured", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold: h, order } = await pendingOrder(ev, buyer, { seats: ["R-B-4"] });
    await expireHold(ev.eventId, buyer.userId, h.hold_id, ["R"]);
    const other = await signupBuyer();
    await hold(ev, other, { seats: ["R-B-4"] });

    expect((await gateway(order.payment.payment_id, "succeed")).status).toBe(200);
    const o = (await getOrder(buyer, order.order_id)).body;
    expect(o).toMatchObject({ status: "failed", failure_reason: "hold_expired", tickets: [] });
    expect((await localPayment(order.payment.payment_id))?.status).toBe("canceled");
    const seat = (await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-B-4");
    expect(seat?.status).toBe("held");
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("unknown payments are 404 at the test gateway", async ({ expect }) => {
    const res = await gateway("pi_local_doesnotexist", "succeed");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});
