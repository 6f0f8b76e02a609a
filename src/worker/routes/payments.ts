import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { receiveWebhook } from "../checkout/webhook";
import { ApiError, conflict, notFound } from "../errors";
import { paymentProvider } from "../payments";

/** Payment webhook and the local test gateway. */
export const paymentsRoutes = new Hono<AppEnv>();

paymentsRoutes.post("/api/v1/payments/webhook", async (c) => {
  // Verified over the exact bytes received, so the body is read as text, never re-serialized.
  const outcome = await receiveWebhook(c.env, await c.req.text(), c.req.header("Stripe-Signature"));
  return c.json(outcome);
});

/**
 * The local provider's stand-in for a buyer's card: `succeed` authorizes, `fail` declines.
 * Either one delivers the provider's signed webhook to the webhook handler above and answers
 * with what that handler said. With a real provider configured these routes do not exist.
 */
for (const outcome of ["succeed", "fail"] as const) {
  paymentsRoutes.post(`/api/v1/test-gateway/payments/:paymentId/${outcome}`, async (c) => {
    const gateway = paymentProvider(c.env).testGateway;
    if (!gateway) throw new ApiError(404, "not_found", `No route for POST ${c.req.path}.`);
    const paymentId = c.req.param("paymentId");
    const r = await gateway[outcome](paymentId);
    if (!r.ok && r.reason === "not_found") throw notFound("Payment");
    if (!r.ok) throw conflict("payment_not_pending", `The payment is ${r.status}; it cannot ${outcome} now.`, { status: r.status });
    const delivered = await receiveWebhook(c.env, r.webhook.rawBody, r.webhook.signature);
    return c.json({ payment_id: paymentId, outcome, webhook: delivered });
  });
}
