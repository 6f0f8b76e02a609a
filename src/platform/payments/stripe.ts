import Stripe from "stripe";
import type {
  Authorization,
  AuthorizationRequest,
  CancelResult,
  CaptureResult,
  PaymentEvent,
  PaymentProvider,
  RefundResult,
} from "./provider";
import { verifyStripeSignedEvent } from "./stripe-signature";

export interface StripeProviderOptions {
  secretKey: string;
  webhookSecret: string;
  /** Injected in tests to answer with recorded Stripe responses; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** PaymentIntents with manual capture through the Stripe SDK's fetch client. */
export class StripeProvider implements PaymentProvider {
  readonly name = "stripe";
  readonly #stripe: Stripe;
  readonly #webhookSecret: string;

  constructor(opts: StripeProviderOptions) {
    this.#stripe = new Stripe(opts.secretKey, {
      httpClient: Stripe.createFetchHttpClient(opts.fetch),
      maxNetworkRetries: 2,
    });
    this.#webhookSecret = opts.webhookSecret;
  }

  async createAuthorization(req: AuthorizationRequest): Promise<Authorization> {
    const intent = await this.#stripe.paymentIntents.create(
      {
        amount: req.amountCents,
        currency: req.currency,
        capture_method: "manual",
        automatic_payment_methods: { enabled: true },
        metadata: { order_id: req.orderId },
      },
      { idempotencyKey: req.idempotencyKey },
    );
    return { paymentId: intent.id, clientSecret: intent.client_secret };
  }

  async capture(paymentId: string): Promise<CaptureResult> {
    try {
      const intent = await this.#stripe.paymentIntents.capture(paymentId, {}, { idempotencyKey: `capture-${paymentId}` });
      return intent.status === "succeeded" ? { ok: true } : { ok: false, reason: "not_capturable", status: intent.status };
    } catch (err) {
      if (!isUnexpectedState(err)) throw err;
      // A retried capture after a lost response: captured already is success.
      const intent = await this.#stripe.paymentIntents.retrieve(paymentId);
      return intent.status === "succeeded" ? { ok: true } : { ok: false, reason: "not_capturable", status: intent.status };
    }
  }

  async cancel(paymentId: string): Promise<CancelResult> {
    try {
      await this.#stripe.paymentIntents.cancel(paymentId, {}, { idempotencyKey: `cancel-${paymentId}` });
      return { ok: true };
    } catch (err) {
      if (!isUnexpectedState(err)) throw err;
      const intent = await this.#stripe.paymentIntents.retrieve(paymentId);
      if (intent.status === "canceled") return { ok: true };
      if (intent.status === "succeeded") return { ok: false, reason: "already_captured" };
      throw err;
    }
  }

  async refund(paymentId: string): Promise<RefundResult> {
    try {
      // Idempotency key per payment: a retried refund never refunds twice.
      await this.#stripe.refunds.create({ payment_intent: paymentId }, { idempotencyKey: `refund-${paymentId}` });
      return { ok: true };
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "charge_already_refunded") {
        return { ok: true };
      }
      if (!isUnexpectedState(err)) throw err;
      const intent = await this.#stripe.paymentIntents.retrieve(paymentId);
      return { ok: false, reason: "not_captured", status: intent.status };
    }
  }

  verifyWebhook(rawBody: string, signature: string | undefined): Promise<PaymentEvent | null> {
    return verifyStripeSignedEvent(rawBody, signature, this.#webhookSecret);
  }
}

function isUnexpectedState(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "payment_intent_unexpected_state";
}
