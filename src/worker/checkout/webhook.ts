import { isoNow } from "../../durable-objects/checkout/order-rows";
import type { CallContext } from "../../shared/call-context";
import { refundedInFull } from "../../shared/order-state";
import { ApiError } from "../errors";
import { paymentProvider } from "../../platform/payments";
import { recordProviderRefund } from "./provider-refunds";

export type WebhookOutcome = { received: true; duplicate?: true; ignored?: string };

/**
 * The payment webhook, for both providers and the local test gateway: verify the signature
 * (bad or stale -> 400, nothing changes), skip event ids already handled, hand the event
 * to the order's saga, then record it handled. Unknown payments and informational events are
 * acknowledged and ignored.
 * Refunds are recorded on the order; one that returns the whole amount of a paid order (made
 * in the provider's dashboard) has the saga refund the order as our own refund does.
 */
export async function receiveWebhook(env: Env, rawBody: string, signature: string | undefined, ctx?: CallContext): Promise<WebhookOutcome> {
  const event = await paymentProvider(env).verifyWebhook(rawBody, signature);
  if (!event) {
    throw new ApiError(400, "invalid_signature", "The webhook signature is missing, invalid or too old.");
  }
  if (event.type === "ignored" || !event.paymentId) return { received: true, ignored: event.providerType };

  const receivedAt = isoNow();
  const { processed, order } = await processedAndOrder(env, event.id, event.paymentId);
  if (processed) return { received: true, duplicate: true };

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
  // Recorded only after the saga took it: a delivery that failed before this is processed again.
  await recordProcessed(env, { id: event.id, type: event.type, paymentId: event.paymentId, receivedAt });
  return order ? { received: true } : { received: true, ignored: "unknown_payment" };
}

/**
 * Whether the event was handled already, and the order of its payment: two reads in one D1 call.
 * Nothing is written on receipt: until the saga has taken the event there is nothing to dedupe
 * (concurrent deliveries both reach the saga, which handles a payment event once).
 */
async function processedAndOrder(env: Pick<Env, "DB">, id: string, paymentId: string) {
  const [seen, order] = await env.DB.batch<{ processed_at: string | null } | { id: string }>([
    env.DB.prepare("SELECT processed_at FROM webhook_events WHERE id = ?").bind(id),
    env.DB.prepare("SELECT id FROM orders WHERE payment_id = ?").bind(paymentId),
  ]);
  const processedAt = (seen?.results[0] as { processed_at: string | null } | undefined)?.processed_at;
  return { processed: Boolean(processedAt), order: order?.results[0] as { id: string } | undefined };
}

/**
 * The event handled: one write, after the saga took it, so every later delivery is a duplicate.
 * A row left unprocessed by an older deploy (which recorded events on receipt) is completed.
 */
async function recordProcessed(env: Pick<Env, "DB">, e: { id: string; type: string; paymentId: string; receivedAt: string }): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO webhook_events (id, type, payment_id, received_at, processed_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET processed_at = coalesce(webhook_events.processed_at, excluded.processed_at)`,
  )
    .bind(e.id, e.type, e.paymentId, e.receivedAt, isoNow())
    .run();
}
