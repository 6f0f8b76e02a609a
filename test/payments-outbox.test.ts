/**
 * The local payment provider delivers each webhook until our webhook acknowledges it, as
 * Stripe does: a crash between a payment's change and the delivery of its event, or a failed
 * delivery, ends with the order as the provider left it, without anyone calling again.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { app } from "../src/worker/index";
import { LocalProvider } from "../src/platform/payments/local";
import { handleOutboxBatch, sweepBackoffSeconds } from "../src/platform/payments/local-outbox";
import { gateway, getOrder, localPayment, paidOrder, pendingOrder } from "./support/checkout";
import { publishedEvent, signupBuyer, type User } from "./support/fixtures";

/** Polls the order until `status` (the outbox's sweep runs on a queue, seconds later). */
async function waitForStatus(buyer: User, orderId: string, status: string, timeoutMs = 25_000) {
  const until = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < until) {
    last = (await getOrder(buyer, orderId)).body;
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`order ${orderId} still ${last?.status}, not ${status}`);
}

/** Polls until every outbox event of the payment is acknowledged (marked just after the webhook answered). */
async function allDelivered(paymentId: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const events = await outbox(paymentId);
    if (events.every((e) => e.delivered_at !== null)) return events;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`payment ${paymentId} has unacknowledged webhooks`);
}

const outbox = (paymentId: string) =>
  env.DB.prepare("SELECT type, attempts, delivered_at, last_error FROM local_payment_webhooks WHERE payment_id = ? ORDER BY created_at, rowid")
    .bind(paymentId)
    .all<{ type: string; attempts: number; delivered_at: string | null; last_error: string | null }>()
    .then((r) => r.results);

/** An env whose webhook handling fails: the checkout saga cannot be reached. */
const unreachableSaga = () =>
  ({
    ...env,
    CHECKOUT: {
      getByName() {
        throw new Error("simulated outage: checkout unreachable");
      },
    },
  }) as unknown as Env;

// The sweep runs on a queue seconds later: room for a loaded machine.
describe("local provider webhook outbox", { timeout: 60_000 }, () => {
  it("a crash after the payment moved and before its webhook went out: the order still gets paid", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-1"] });
    const paymentId = order.payment.payment_id;
    // The provider's side of "succeed", and then nothing: the isolate died before delivering.
    const moved = await new LocalProvider(env).testGateway.succeed(paymentId);
    expect(moved.ok).toBe(true);
    expect((await localPayment(paymentId))?.status).toBe("requires_capture");
    expect((await getOrder(buyer, order.order_id)).body.status).toBe("pending_payment");

    const paid = await waitForStatus(buyer, order.order_id, "paid");
    expect(paid.tickets).toHaveLength(1);
    expect((await localPayment(paymentId))?.status).toBe("succeeded");
    expect(await allDelivered(paymentId)).toEqual([
      expect.objectContaining({ type: "payment_intent.amount_capturable_updated", delivered_at: expect.any(String) }),
    ]);
  });

  it("a delivery that fails is retried by the outbox until acknowledged", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-2"] });
    const paymentId = order.payment.payment_id;
    const res = await app.request(`/api/v1/test-gateway/payments/${paymentId}/succeed`, { method: "POST" }, unreachableSaga());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ payment_id: paymentId, outcome: "succeed", webhook: { received: false } });
    const [pending] = await outbox(paymentId);
    expect(pending).toMatchObject({ attempts: 1, delivered_at: null, last_error: expect.stringContaining("simulated outage") });

    await waitForStatus(buyer, order.order_id, "paid");
    const [done] = await allDelivered(paymentId);
    expect(done!.delivered_at).not.toBeNull();
    expect(done!.attempts).toBeGreaterThanOrEqual(2);
  });

  it("a retried succeed after the payment moved delivers the same event again instead of 409", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-3"] });
    const paymentId = order.payment.payment_id;
    await new LocalProvider(env).testGateway.succeed(paymentId);

    const retried = await gateway(paymentId, "succeed");
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ payment_id: paymentId, outcome: "succeed", redelivered: true, webhook: { received: true } });
    expect((await getOrder(buyer, order.order_id)).body.status).toBe("paid");
    // Once more: the same event, now a duplicate for the webhook; still one event in the outbox.
    const again = await gateway(paymentId, "succeed");
    expect(again.body).toMatchObject({ redelivered: true, webhook: { received: true, duplicate: true } });
    expect(await outbox(paymentId)).toHaveLength(1);
    // A decline cannot follow an authorization.
    const fail = await gateway(paymentId, "fail");
    expect(fail.status).toBe(409);
    expect(fail.body.error.code).toBe("payment_not_pending");
  });

  it("a retried fail on a declined order answers the same decline", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-4"] });
    const paymentId = order.payment.payment_id;
    expect((await gateway(paymentId, "fail")).status).toBe(200);
    await waitForStatus(buyer, order.order_id, "failed");
    const retried = await gateway(paymentId, "fail");
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ redelivered: true, webhook: { received: true, duplicate: true } });
    expect((await gateway(paymentId, "succeed")).status).toBe(409);
  });

  it("a refund made at the provider whose webhooks were lost still ends the order", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { seats: ["R-B-1"] });
    const paymentId = order.payment.payment_id;
    const res = await app.request(`/api/v1/test-gateway/payments/${paymentId}/refund`, { method: "POST" }, unreachableSaga());
    expect(res.status).toBe(200);
    // Delivered in order: the first failed, so the second waits for the outbox.
    expect(((await res.json()) as { webhooks: unknown[] }).webhooks).toEqual([{ received: false }]);
    const refunded = await waitForStatus(buyer, order.order_id, "refunded");
    expect(refunded.tickets.every((t: { status: string }) => t.status === "revoked")).toBe(true);
    expect((await allDelivered(paymentId)).filter((e) => e.type !== "payment_intent.amount_capturable_updated").map((e) => [e.type, e.delivered_at !== null])).toEqual([
      ["charge.refunded", true],
      ["refund.created", true],
    ]);
  });

  it("the sweep retries with growing delays while delivery fails, and acks once all is acknowledged", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { seats: ["R-A-5"] });
    const paymentId = order.payment.payment_id;
    await new LocalProvider(env).testGateway.succeed(paymentId);
    const outcomes: string[] = [];
    const batch = (attempts: number) =>
      ({
        queue: "local-payment-webhooks",
        messages: [
          {
            id: "m",
            timestamp: new Date(),
            attempts,
            body: { kind: "local_payment_webhooks", payment_id: paymentId },
            ack: () => outcomes.push("ack"),
            retry: (o?: { delaySeconds?: number }) => outcomes.push(`retry after ${o?.delaySeconds}s`),
          },
        ],
      }) as unknown as MessageBatch<unknown>;
    const refuse = async () => {
      throw new Error("503 from the webhook");
    };
    await handleOutboxBatch(batch(1), env, refuse);
    await handleOutboxBatch(batch(4), env, refuse);
    await handleOutboxBatch(batch(20), env, refuse);
    expect(outcomes).toEqual([`retry after ${sweepBackoffSeconds(1)}s`, `retry after ${sweepBackoffSeconds(4)}s`, "retry after 3600s"]);
    expect([sweepBackoffSeconds(1), sweepBackoffSeconds(4)]).toEqual([10, 80]);
    const seen: string[] = [];
    await handleOutboxBatch(batch(21), env, async (rawBody) => seen.push(JSON.parse(rawBody).type));
    expect(outcomes.at(-1)).toBe("ack");
    // The same event, unless the real queue's sweep already delivered it.
    expect(seen.length).toBeLessThanOrEqual(1);
    expect((await outbox(paymentId))[0]!.delivered_at).not.toBeNull();
  });
});
