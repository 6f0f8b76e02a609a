import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { receiveWebhook } from "../checkout/webhook";
import { ApiError, conflict, notFound, unprocessable } from "../errors";
import { paymentProvider, type TestGateway } from "../../platform/payments";
import { optionalJsonBody } from "../validation";

/** Payment webhook and the local test gateway. */
export const paymentsRoutes = new Hono<AppEnv>();

paymentsRoutes.post("/api/v1/payments/webhook", async (c) => {
  // Verified over the exact bytes received, so the body is read as text, never re-serialized.
  const outcome = await receiveWebhook(c.env, await c.req.text(), c.req.header("Stripe-Signature"));
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
 * The local provider's stand-in for a buyer's card: `succeed` authorizes, `fail` declines.
 * Either one delivers the provider's signed webhook to the webhook handler above and answers
 * with what that handler said.
 */
for (const outcome of ["succeed", "fail"] as const) {
  paymentsRoutes.post(`/api/v1/test-gateway/payments/:paymentId/${outcome}`, testGatewayOnly, async (c) => {
    const paymentId = c.req.param("paymentId");
    const r = await c.get("gateway")[outcome](paymentId);
    if (!r.ok && r.reason === "not_found") throw notFound("Payment");
    if (!r.ok) throw conflict("payment_not_pending", `The payment is ${r.status}; it cannot ${outcome} now.`, { status: r.status });
    const delivered = await receiveWebhook(c.env, r.webhook.rawBody, r.webhook.signature);
    return c.json({ payment_id: paymentId, outcome, webhook: delivered });
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
  const delivered = [];
  for (const w of r.webhooks) delivered.push(await receiveWebhook(c.env, w.rawBody, w.signature));
  return c.json({
    payment_id: paymentId,
    outcome: "refund" as const,
    refund_id: r.refundId,
    amount_cents: r.amountCents,
    refunded_cents: r.refundedCents,
    webhooks: delivered,
  });
});
