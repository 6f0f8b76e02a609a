import Stripe from "stripe";
import type { PaymentEvent, PaymentEventType, RefundReport } from "./provider";

/** Stripe's default: a signed delivery older than five minutes is a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const cryptoProvider = Stripe.createSubtleCryptoProvider();

const HANDLED: Record<string, PaymentEventType> = {
  "payment_intent.amount_capturable_updated": "authorized",
  "payment_intent.payment_failed": "failed",
  "payment_intent.succeeded": "captured",
  "payment_intent.canceled": "cancelled",
  "charge.refunded": "refunded",
  "refund.created": "refunded",
  "refund.updated": "refunded",
  "refund.failed": "refunded",
  "charge.refund.updated": "refunded",
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
  // Own keys only: a type named like a built-in (`constructor`) must not find Object.prototype's.
  let type: PaymentEventType = Object.hasOwn(HANDLED, event.type) ? HANDLED[event.type]! : "ignored";
  const object = event.data?.object as unknown as Record<string, unknown> | undefined;
  let paymentId: string | null = null;
  if (object?.object === "payment_intent" && typeof object.id === "string") paymentId = object.id;
  else if (typeof object?.payment_intent === "string") paymentId = object.payment_intent;
  const refund = type === "refunded" && object ? refundReport(object) : undefined;
  // A refund event we cannot read is acknowledged, never guessed at.
  if (type === "refunded" && !refund) type = "ignored";
  return {
    id: event.id,
    type: paymentId ? type : "ignored",
    paymentId,
    providerType: event.type,
    created: typeof event.created === "number" ? event.created : 0,
    ...(refund && paymentId ? { refund } : {}),
  };
}

const cents = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A Charge carries the refunded total; a Refund carries its own amount and status. */
function refundReport(object: Record<string, unknown>): RefundReport | undefined {
  if (object.object === "charge" && cents(object.amount_refunded)) {
    return { kind: "total", refundedCents: object.amount_refunded };
  }
  if (object.object === "refund" && typeof object.id === "string" && cents(object.amount) && typeof object.status === "string") {
    return { kind: "refund", refundId: object.id, amountCents: object.amount, status: object.status };
  }
  return undefined;
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
