import { eq } from "drizzle-orm";
import { isoNow } from "../../durable-objects/checkout/order-rows";
import type { CallContext } from "../../shared/call-context";
import { refundedInFull } from "../../shared/order-state";
import { db } from "../../platform/db/client";
import { orders } from "../../platform/db/schema";
import { ApiError } from "../errors";
import { paymentProvider } from "../../platform/payments";
import { recordProviderRefund } from "./provider-refunds";

export type WebhookOutcome = { received: true; duplicate?: true; ignored?: string };

/**
 * The payment webhook, for both providers and the local test gateway: verify the signature
 * (bad or stale -> 400, nothing changes), skip event ids already handled, and hand the event
 * to the order's saga. Unknown payments and informational events are acknowledged and ignored.
 * Refunds are recorded on the order; one that returns the whole amount of a paid order (made
 * in the provider's dashboard) has the saga refund the order as our own refund does.
 */
export async function receiveWebhook(env: Env, rawBody: string, signature: string | undefined, ctx?: CallContext): Promise<WebhookOutcome> {
  const event = await paymentProvider(env).verifyWebhook(rawBody, signature);
  if (!event) {
    throw new ApiError(400, "invalid_signature", "The webhook signature is missing, invalid or too old.");
  }
  if (event.type === "ignored" || !event.paymentId) return { received: true, ignored: event.providerType };

  const seen = await recordEvent(env, event.id, event.type, event.paymentId);
  if (seen?.processed_at) return { received: true, duplicate: true };

  const order = await findOrderByPayment(env, event.paymentId);
  // Our own capture/cancel/refund echo back as events; the saga already acted on them.
  if (order && (event.type === "authorized" || event.type === "failed")) {
    await env.CHECKOUT.getByName(order.id).paymentEvent(order.id, event.type, ctx);
  }
  if (order && event.type === "refunded" && event.refund) {
    const now = await recordProviderRefund(env, order.id, event.paymentId, event.refund, event.created);
    // The echo of our own refund finds the order refunded already; a partial refund leaves it paid.
    // An order still being fulfilled is checked by the saga once it is paid.
    if (now?.status === "paid" && refundedInFull(now)) await env.CHECKOUT.getByName(order.id).resume(order.id, ctx);
  }
  // Marked only after the saga took it: a delivery that failed before this is processed again.
  await markProcessed(env, event.id);
  return order ? { received: true } : { received: true, ignored: "unknown_payment" };
}

/** Recorded and looked up in one statement (the no-op update makes RETURNING answer for a known id too). */
function recordEvent(env: Pick<Env, "DB">, id: string, type: string, paymentId: string) {
  return env.DB.prepare(
    `INSERT INTO webhook_events (id, type, payment_id) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING processed_at`,
  )
    .bind(id, type, paymentId)
    .first<{ processed_at: string | null }>();
}

async function markProcessed(env: Pick<Env, "DB">, id: string): Promise<void> {
  await env.DB.prepare("UPDATE webhook_events SET processed_at = ? WHERE id = ?").bind(isoNow(), id).run();
}

function findOrderByPayment(env: Pick<Env, "DB">, paymentId: string): Promise<{ id: string } | undefined> {
  return db(env).select({ id: orders.id }).from(orders).where(eq(orders.paymentId, paymentId)).get();
}
