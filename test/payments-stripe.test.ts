import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, it } from "vitest";
import { app } from "../src/worker/index";
import { LocalProvider } from "../src/platform/payments/local";
import { StripeProvider } from "../src/platform/payments/stripe";
import {
  PI_ID,
  canceledIntent,
  capturedIntent,
  createdIntent,
  partlyRefundedCharge,
  refund,
  stripeEventOf,
  unexpectedStateError,
} from "./payments-stripe-recordings";
import { stripeSigned } from "./support/checkout";

interface Recorded {
  method: string;
  path: string;
  headers: Headers;
  form: URLSearchParams;
}

/** A fetch that answers Stripe API calls from the recordings, in the order given, and logs each request. */
function replay(answers: [status: number, body: unknown][]) {
  const requests: Recorded[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    requests.push({ method: req.method, path: url.pathname, headers: req.headers, form: new URLSearchParams(await req.text()) });
    const next = answers.shift();
    if (!next) throw new Error(`unexpected Stripe call ${req.method} ${url.pathname}`);
    return new Response(JSON.stringify(next[1]), { status: next[0], headers: { "Content-Type": "application/json", "Request-Id": "req_test" } });
  }) as typeof fetch;
  return { fetchFn, requests };
}

const provider = (fetchFn: typeof fetch) =>
  new StripeProvider({ secretKey: "sk_test_51Fake", webhookSecret: env.PAYMENT_WEBHOOK_SECRET, fetch: fetchFn });

describe("StripeProvider (recorded Stripe responses, no network)", () => {
  it("authorizes with manual capture, the order id in metadata and an idempotency key", async ({ expect }) => {
    const { fetchFn, requests } = replay([[200, createdIntent]]);
    const auth = await provider(fetchFn).createAuthorization({
      orderId: "ord_0123456789abcdefghjk",
      amountCents: 12000,
      currency: "usd",
      idempotencyKey: "order-ord_0123456789abcdefghjk",
    });
    expect(auth).toEqual({ paymentId: PI_ID, clientSecret: createdIntent.client_secret });
    const [req] = requests;
    expect(req).toMatchObject({ method: "POST", path: "/v1/payment_intents" });
    expect(req!.headers.get("Authorization")).toBe("Bearer sk_test_51Fake");
    expect(req!.headers.get("Idempotency-Key")).toBe("order-ord_0123456789abcdefghjk");
    expect(Object.fromEntries(req!.form)).toMatchObject({
      amount: "12000",
      currency: "usd",
      capture_method: "manual",
      "metadata[order_id]": "ord_0123456789abcdefghjk",
    });
  });

  it("captures; a capture repeated after a lost answer counts as done", async ({ expect }) => {
    const first = replay([[200, capturedIntent]]);
    expect(await provider(first.fetchFn).capture(PI_ID)).toEqual({ ok: true });
    expect(first.requests[0]).toMatchObject({ method: "POST", path: `/v1/payment_intents/${PI_ID}/capture` });

    const repeated = replay([
      [400, unexpectedStateError("succeeded")],
      [200, capturedIntent],
    ]);
    expect(await provider(repeated.fetchFn).capture(PI_ID)).toEqual({ ok: true });
    expect(repeated.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v1/payment_intents/${PI_ID}/capture`,
      `GET /v1/payment_intents/${PI_ID}`,
    ]);

    const gone = replay([
      [400, unexpectedStateError("canceled")],
      [200, canceledIntent],
    ]);
    expect(await provider(gone.fetchFn).capture(PI_ID)).toEqual({ ok: false, reason: "not_capturable", status: "canceled" });
  });

  it("cancels an authorization, and reports one that was captured already", async ({ expect }) => {
    const ok = replay([[200, canceledIntent]]);
    expect(await provider(ok.fetchFn).cancel(PI_ID)).toEqual({ ok: true });
    expect(ok.requests[0]).toMatchObject({ method: "POST", path: `/v1/payment_intents/${PI_ID}/cancel` });

    const late = replay([
      [400, unexpectedStateError("succeeded")],
      [200, capturedIntent],
    ]);
    expect(await provider(late.fetchFn).cancel(PI_ID)).toEqual({ ok: false, reason: "already_captured" });
  });

  it("refunds with one idempotency key per payment", async ({ expect }) => {
    const { fetchFn, requests } = replay([[200, refund]]);
    expect(await provider(fetchFn).refund(PI_ID)).toEqual({ ok: true });
    expect(requests[0]).toMatchObject({ method: "POST", path: "/v1/refunds" });
    expect(requests[0]!.form.get("payment_intent")).toBe(PI_ID);
    expect(requests[0]!.headers.get("Idempotency-Key")).toBe(`refund-${PI_ID}`);
  });

  it("verifies Stripe-signed webhooks and normalizes them", async ({ expect }) => {
    const p = provider(replay([]).fetchFn);
    const authorized = JSON.stringify({
      id: "evt_3SVxYzAbCdEfGhIj0Auth",
      object: "event",
      created: 1763788900,
      type: "payment_intent.amount_capturable_updated",
      data: { object: { ...createdIntent, status: "requires_capture", amount_capturable: 12000 } },
    });
    expect(await p.verifyWebhook(authorized, await stripeSigned(authorized))).toEqual({
      id: "evt_3SVxYzAbCdEfGhIj0Auth",
      type: "authorized",
      paymentId: PI_ID,
      providerType: "payment_intent.amount_capturable_updated",
      created: 1763788900,
    });
    // Refund news in both of Stripe's shapes: the charge's refunded total, or one refund.
    const verify = async (body: string) => p.verifyWebhook(body, await stripeSigned(body));
    expect(await verify(stripeEventOf("charge.refunded", partlyRefundedCharge, 1763789000))).toMatchObject({
      type: "refunded",
      paymentId: PI_ID,
      created: 1763789000,
      refund: { kind: "total", refundedCents: 4000 },
    });
    for (const type of ["refund.created", "refund.updated", "refund.failed", "charge.refund.updated"]) {
      expect(await verify(stripeEventOf(type, refund))).toMatchObject({
        type: "refunded",
        paymentId: PI_ID,
        providerType: type,
        refund: { kind: "refund", refundId: refund.id, amountCents: 12000, status: "succeeded" },
      });
    }
    // A refund event without the amounts it should carry is acknowledged but not acted on.
    const { amount_refunded: _a, ...noTotal } = partlyRefundedCharge;
    expect(await verify(stripeEventOf("charge.refunded", noTotal))).toMatchObject({ type: "ignored", paymentId: PI_ID });
    expect(await verify(stripeEventOf("refund.created", { ...refund, amount: "12000" }))).toMatchObject({ type: "ignored" });
    expect(await p.verifyWebhook(authorized, await stripeSigned(authorized, { timestamp: Math.floor(Date.now() / 1000) - 301 }))).toBeNull();
    expect(await p.verifyWebhook(authorized, undefined)).toBeNull();
  });
});

describe("provider selection", () => {
  it("with STRIPE_SECRET_KEY set, the test gateway does not exist", async ({ expect }) => {
    const stripeEnv = { ...env, STRIPE_SECRET_KEY: "sk_test_51Fake" } as Env;
    for (const action of ["succeed", "fail", "refund"]) {
      const ctx = createExecutionContext();
      // An invalid refund body too: the route is absent, so nothing validates it.
      const init = { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"amount_cents": -1}' };
      const res = await app.fetch(new Request(`http://localhost/api/v1/test-gateway/payments/pi_x/${action}`, init), stripeEnv, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status, action).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
  });

  it("the local provider's webhooks pass the Stripe SDK's own verification", async ({ expect }) => {
    const local = new LocalProvider(env);
    const auth = await local.createAuthorization({ orderId: "ord_x", amountCents: 500, currency: "usd", idempotencyKey: crypto.randomUUID() });
    const r = await local.testGateway.succeed(auth.paymentId);
    if (!r.ok) throw new Error(r.reason);
    const event = await Stripe.webhooks.constructEventAsync(
      r.webhook.rawBody,
      r.webhook.signature,
      env.PAYMENT_WEBHOOK_SECRET,
      300,
      Stripe.createSubtleCryptoProvider(),
    );
    expect(event.type).toBe("payment_intent.amount_capturable_updated");
    expect(event.data.object).toMatchObject({ id: auth.paymentId, object: "payment_intent", status: "requires_capture", capture_method: "manual" });

    // A dashboard refund: the charge (refunded total) and the refund, as Stripe sends them.
    await env.DB.prepare("UPDATE local_payments SET status = 'succeeded' WHERE id = ?").bind(auth.paymentId).run();
    const refunded = await local.testGateway.refund(auth.paymentId, 200);
    if (!refunded.ok) throw new Error(refunded.reason);
    const events = await Promise.all(
      refunded.webhooks.map((w) =>
        Stripe.webhooks.constructEventAsync(w.rawBody, w.signature, env.PAYMENT_WEBHOOK_SECRET, 300, Stripe.createSubtleCryptoProvider()),
      ),
    );
    expect(events.map((e) => e.type)).toEqual(["charge.refunded", "refund.created"]);
    expect(events[0]!.data.object).toMatchObject({ object: "charge", payment_intent: auth.paymentId, amount: 500, amount_refunded: 200, refunded: false });
    expect(events[1]!.data.object).toMatchObject({ id: refunded.refundId, object: "refund", payment_intent: auth.paymentId, amount: 200, status: "succeeded" });
  });
});
