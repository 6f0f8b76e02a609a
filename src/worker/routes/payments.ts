import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { receiveWebhook, type WebhookOutcome } from "../checkout/webhook";
import { ApiError, conflict, notFound, unprocessable } from "../errors";
import { paymentProvider, type OutboxWebhook, type TestGateway } from "../../platform/payments";
import { deliver, handleOutboxBatch } from "../../platform/payments/local-outbox";
import { callContext } from "../observability/request-log";
import type { CallContext } from "../../shared/call-context";
import { optionalJsonBody } from "../validation";

/** Payment webhook and the local test gateway. */
export const paymentsRoutes = new Hono<AppEnv>();

paymentsRoutes.post("/api/v1/payments/webhook", async (c) => {
  // Verified over the exact bytes received, so the body is read as text, never re-serialized.
  const outcome = await receiveWebhook(c.env, await c.req.text(), c.req.header("Stripe-Signature"), callContext(c));
  // The outcome beside the request line: duplicates and ignored events are worth counting.
  console.log(JSON.stringify({ msg: "webhook", request_id: c.get("requestId"), ...outcome }));
  return c.json(outcome);
});

/**
 * With a real provider configured the test-gateway routes do not exist: this answers the
 * app's 404 before anything else (body validation included) runs.
 */
const testGatewayOnly = createMiddleware<AppEnv & { Variables: { gateway: TestGateway } }>(async function testGatewayOnly(c, next) {
  const gateway = paymentProvider(c.env).testGateway;
  if (!gateway) throw new ApiError(404, "not_found", `No route for ${c.req.method} ${c.req.path}.`);
  c.set("gateway", gateway);
  await next();
});

/**
 * Our webhook handler as the outbox's receiver: it throws (a non-2xx) unless it acknowledged.
 * An inline delivery runs in the test-gateway request that caused it, so the saga's lines carry
 * that request's id; a sweep has no request (`trigger: "queue"`).
 */
const toWebhook = (env: Env, ctx: CallContext) => (rawBody: string, signature: string) => receiveWebhook(env, rawBody, signature, ctx);

/** What the webhook said to one delivery; `received: false` when it failed and the outbox will deliver it again. */
async function delivered(env: Env, webhook: OutboxWebhook, ctx: CallContext): Promise<WebhookOutcome | { received: false }> {
  const r = await deliver(env, webhook, toWebhook(env, ctx));
  return r.ok ? r.answer : { received: false };
}

/**
 * The local provider's stand-in for a buyer's card: `succeed` authorizes, `fail` declines.
 * Either one delivers the provider's signed webhook to the webhook handler above and answers
 * with what that handler said. Asked again after the payment moved, it delivers the same event
 * again (`redelivered: true`) instead of refusing: the retry of a request whose answer was lost.
 */
for (const outcome of ["succeed", "fail"] as const) {
  paymentsRoutes.post(`/api/v1/test-gateway/payments/:paymentId/${outcome}`, testGatewayOnly, async (c) => {
    const paymentId = c.req.param("paymentId");
    const r = await c.get("gateway")[outcome](paymentId);
    if (!r.ok && r.reason === "not_found") throw notFound("Payment");
    if (!r.ok) throw conflict("payment_not_pending", `The payment is ${r.status}; it cannot ${outcome} now.`, { status: r.status });
    const webhook = await delivered(c.env, r.webhook, callContext(c));
    return c.json({ payment_id: paymentId, outcome, webhook, ...(r.redelivered ? { redelivered: true } : {}) });
  });
}

/** Strict, so that a misspelt `amount` is refused instead of silently refunding everything. */
const RefundBody = z.strictObject({ amount_cents: z.int().min(1).max(100_000_000).optional() });

/**
 * The provider's side of a refund made in its dashboard (not through our refund route): the
 * rest of the payment, or `amount_cents` of it. Delivers the provider's signed webhooks for it
 * (`charge.refunded`, `refund.created`) and answers with what the webhook handler said.
 */
paymentsRoutes.post("/api/v1/test-gateway/payments/:paymentId/refund", testGatewayOnly, async (c) => {
  const paymentId = c.req.param("paymentId");
  const { amount_cents } = await optionalJsonBody(c.req.raw, RefundBody);
  const r = await c.get("gateway").refund(paymentId, amount_cents);
  if (!r.ok && r.reason === "not_found") throw notFound("Payment");
  if (!r.ok && r.reason === "not_refundable") {
    throw conflict("payment_not_refundable", `The payment is ${r.status}; there is nothing to refund.`, { status: r.status });
  }
  if (!r.ok) {
    throw unprocessable("refund_exceeds_payment", "The refund is larger than what is left of the payment.", {
      refundable_cents: r.refundableCents,
    });
  }
  const webhooks: Awaited<ReturnType<typeof delivered>>[] = [];
  for (const w of r.webhooks) {
    const outcome = await delivered(c.env, w, callContext(c));
    webhooks.push(outcome);
    // In order: the outbox delivers the rest after this one.
    if (!outcome.received) break;
  }
  return c.json({
    payment_id: paymentId,
    outcome: "refund" as const,
    refund_id: r.refundId,
    amount_cents: r.amountCents,
    refunded_cents: r.refundedCents,
    webhooks,
  });
});

/** The LOCAL_PAYMENT_WEBHOOKS consumer: redelivers the local provider's unacknowledged webhooks. */
export const handleLocalWebhookBatch = (batch: MessageBatch<unknown>, env: Env) => handleOutboxBatch(batch, env, toWebhook(env, { trigger: "queue" }));
