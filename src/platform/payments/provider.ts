/**
 * The one payment interface. Checkout talks only to this; which provider stands behind it
 * (Stripe, or the local one used in development and tests) is decided in `index.ts`.
 * Every method is idempotent: the checkout saga retries steps after crashes.
 */

/** Normalized webhook event types; anything else the provider sends is `ignored`. */
export type PaymentEventType = "authorized" | "failed" | "captured" | "cancelled" | "refunded" | "ignored";

export interface PaymentEvent {
  /** The provider's event id: redeliveries carry the same id. */
  id: string;
  type: PaymentEventType;
  /** Null for ignored events that are not about a payment. */
  paymentId: string | null;
  /** The provider's own event type, for logs. */
  providerType: string;
  /** When the provider created the event (unix seconds): orders late deliveries about one refund. */
  created: number;
  /** What a `refunded` event says about the money returned. */
  refund?: RefundReport;
}

/**
 * Refund news in either of Stripe's shapes: `charge.refunded` carries the payment's refunded
 * total so far; `refund.*` and `charge.refund.updated` describe one refund and its status.
 */
export type RefundReport =
  | { kind: "total"; refundedCents: number }
  | { kind: "refund"; refundId: string; amountCents: number; status: string };

export interface AuthorizationRequest {
  orderId: string;
  amountCents: number;
  currency: string;
  /** Same key, same authorization: a retried create never authorizes twice. */
  idempotencyKey: string;
}

export interface Authorization {
  paymentId: string;
  clientSecret: string | null;
}

/** `not_capturable`: the authorization is gone (cancelled, expired, failed). */
export type CaptureResult = { ok: true } | { ok: false; reason: "not_capturable"; status: string };
/** `already_captured`: too late to void; the money was taken and must be refunded instead. */
export type CancelResult = { ok: true } | { ok: false; reason: "already_captured" };
export type RefundResult = { ok: true } | { ok: false; reason: "not_captured"; status: string };

/** Signed delivery of a webhook as the real provider would send it (local provider only). */
export interface SignedWebhook {
  rawBody: string;
  signature: string;
}

/** Signed delivery of an outbox event; `id` is the provider's event id, the same on every delivery. */
export type OutboxWebhook = SignedWebhook & { id: string };

export type TestGatewayResult =
  /** `redelivered`: the payment had moved already; this is the event sent for that move. */
  | { ok: true; webhook: OutboxWebhook; redelivered: boolean }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "not_pending"; status: string };

export type TestGatewayRefundResult =
  | { ok: true; refundId: string; amountCents: number; refundedCents: number; webhooks: OutboxWebhook[] }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "not_refundable"; status: string }
  | { ok: false; reason: "amount_too_large"; refundableCents: number };

/** Present only on the local provider: drives payments the way a buyer's card would. */
export interface TestGateway {
  succeed(paymentId: string): Promise<TestGatewayResult>;
  fail(paymentId: string): Promise<TestGatewayResult>;
  /**
   * A refund started at the provider (an organizer in its dashboard): the remaining amount,
   * or `amountCents` of it. Returns the webhooks the provider sends for it.
   */
  refund(paymentId: string, amountCents?: number): Promise<TestGatewayRefundResult>;
}

export interface PaymentProvider {
  readonly name: string;
  /** Authorizes the amount with manual capture: nothing is charged until `capture`. */
  createAuthorization(req: AuthorizationRequest): Promise<Authorization>;
  capture(paymentId: string): Promise<CaptureResult>;
  /** Voids an uncaptured authorization. */
  cancel(paymentId: string): Promise<CancelResult>;
  /** Refunds a captured payment in full. */
  refund(paymentId: string): Promise<RefundResult>;
  /** Verifies `Stripe-Signature` and normalizes the event; null when the signature is bad or stale. */
  verifyWebhook(rawBody: string, signature: string | undefined): Promise<PaymentEvent | null>;
  readonly testGateway?: TestGateway;
}
