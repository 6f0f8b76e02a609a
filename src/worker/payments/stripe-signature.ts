import Stripe from "stripe";
import type { PaymentEvent, PaymentEventType } from "./provider";

/** Stripe's default: a signed delivery older than five minutes is a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const cryptoProvider = Stripe.createSubtleCryptoProvider();

const HANDLED: Record<string, PaymentEventType> = {
  "payment_intent.amount_capturable_updated": "authorized",
  "payment_intent.payment_failed": "failed",
  "payment_intent.succeeded": "captured",
  "payment_intent.canceled": "cancelled",
  "charge.refunded": "refunded",
};

/**
 * Verifies a `Stripe-Signature` header (`t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>`)
 * with the Stripe SDK and normalizes the event. Both providers sign this way.
 */
export async function verifyStripeSignedEvent(
  rawBody: string,
  signature: string | undefined,
  secret: string,
): Promise<PaymentEvent | null> {
  if (!signature) return null;
  let event: Stripe.Event;
  try {
    event = await Stripe.webhooks.constructEventAsync(
      rawBody,
      signature,
      secret,
      WEBHOOK_TOLERANCE_SECONDS,
      cryptoProvider,
    );
  } catch {
    return null;
  }
  return normalize(event);
}

function normalize(event: Stripe.Event): PaymentEvent {
  const type = HANDLED[event.type] ?? "ignored";
  const object = event.data?.object as { id?: unknown; object?: unknown; payment_intent?: unknown } | undefined;
  let paymentId: string | null = null;
  if (object?.object === "payment_intent" && typeof object.id === "string") paymentId = object.id;
  else if (typeof object?.payment_intent === "string") paymentId = object.payment_intent;
  return { id: event.id, type: paymentId ? type : "ignored", paymentId, providerType: event.type };
}

/** Signs a payload exactly as Stripe does (used by the local provider's test gateway). */
export async function stripeSignature(rawBody: string, secret: string, timestamp = Math.floor(Date.now() / 1000)) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${rawBody}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${timestamp},v1=${hex}`;
}
