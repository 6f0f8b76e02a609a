import { idFromBytes, newId } from "../../shared/ids";
import type {
  Authorization,
  AuthorizationRequest,
  CancelResult,
  CaptureResult,
  PaymentEvent,
  PaymentProvider,
  RefundResult,
  TestGateway,
  TestGatewayRefundResult,
  TestGatewayResult,
} from "./provider";
import { scheduleSweep, signed, type OutboxEnv } from "./local-outbox";
import { verifyStripeSignedEvent } from "./stripe-signature";

const AUTHORIZED = "payment_intent.amount_capturable_updated";
const DECLINED = "payment_intent.payment_failed";

type LocalStatus = "requires_payment_method" | "requires_capture" | "succeeded" | "canceled";

interface LocalPaymentRow {
  id: string;
  amount_cents: number;
  currency: string;
  status: LocalStatus;
  client_secret: string;
  metadata: string;
  amount_refunded_cents: number;
  created_at: string;
}

/**
 * A stand-in for Stripe that keeps its PaymentIntents in D1 and follows the same states
 * (requires_payment_method -> requires_capture -> succeeded | canceled). Its test gateway
 * plays the buyer's card: it changes the state and returns the webhook Stripe would send,
 * signed with PAYMENT_WEBHOOK_SECRET in Stripe's scheme, for delivery to the webhook route.
 * Like Stripe, it delivers each webhook until our endpoint acknowledges it (`local-outbox.ts`).
 */
export class LocalProvider implements PaymentProvider {
  readonly name = "local";
  readonly testGateway: TestGateway;

  constructor(private readonly env: OutboxEnv) {
    this.testGateway = {
      succeed: (id) => this.#simulate(id, "succeed"),
      fail: (id) => this.#simulate(id, "fail"),
      refund: (id, amountCents) => this.#refundAtProvider(id, amountCents),
    };
  }

  async createAuthorization(req: AuthorizationRequest): Promise<Authorization> {
    // Like Stripe's Idempotency-Key: a retried create returns the payment it made before. The id
    // is derived from the key, so creates racing with one key insert one row (the primary key
    // decides, in one statement) and finding it again is a key lookup rather than a scan.
    const id = await paymentIdFor(req.idempotencyKey);
    const clientSecret = `${id}_secret_${newId("cs").slice(3)}`;
    const [, found] = await this.env.DB.batch([
      this.env.DB.prepare(
        "INSERT INTO local_payments (id, amount_cents, currency, status, client_secret, metadata) VALUES (?, ?, ?, 'requires_payment_method', ?, ?) ON CONFLICT (id) DO NOTHING",
      ).bind(id, req.amountCents, req.currency, clientSecret, JSON.stringify({ order_id: req.orderId, idempotency_key: req.idempotencyKey })),
      this.env.DB.prepare("SELECT id, client_secret FROM local_payments WHERE id = ?").bind(id),
    ]);
    const row = (found!.results as Pick<LocalPaymentRow, "id" | "client_secret">[])[0]!;
    return { paymentId: row.id, clientSecret: row.client_secret };
  }

  async capture(paymentId: string): Promise<CaptureResult> {
    const row = await this.#move(paymentId, ["requires_capture"], "succeeded");
    if (!row) return { ok: false, reason: "not_capturable", status: "missing" };
    return row.status === "succeeded" ? { ok: true } : { ok: false, reason: "not_capturable", status: row.status };
  }

  async cancel(paymentId: string): Promise<CancelResult> {
    const row = await this.#move(paymentId, ["requires_payment_method", "requires_capture"], "canceled");
    if (row?.status === "succeeded") return { ok: false, reason: "already_captured" };
    return { ok: true };
  }

  async refund(paymentId: string): Promise<RefundResult> {
    await this.env.DB.prepare(
      "UPDATE local_payments SET amount_refunded_cents = amount_cents WHERE id = ? AND status = 'succeeded'",
    )
      .bind(paymentId)
      .run();
    const row = await this.#get(paymentId);
    if (row?.status === "succeeded") return { ok: true };
    return { ok: false, reason: "not_captured", status: row?.status ?? "missing" };
  }

  verifyWebhook(rawBody: string, signature: string | undefined): Promise<PaymentEvent | null> {
    return verifyStripeSignedEvent(rawBody, signature, this.env.PAYMENT_WEBHOOK_SECRET);
  }

  /** Conditional state change; returns the row as it is afterwards (or null when unknown). */
  async #move(paymentId: string, from: LocalStatus[], to: LocalStatus): Promise<LocalPaymentRow | null> {
    const placeholders = from.map(() => "?").join(", ");
    const moved = await this.env.DB.prepare(
      `UPDATE local_payments SET status = ? WHERE id = ? AND status IN (${placeholders}) RETURNING *`,
    )
      .bind(to, paymentId, ...from)
      .first<LocalPaymentRow>();
    return moved ?? (await this.#get(paymentId));
  }

  #get(paymentId: string): Promise<LocalPaymentRow | null> {
    return this.env.DB.prepare("SELECT * FROM local_payments WHERE id = ?").bind(paymentId).first<LocalPaymentRow>();
  }

  /**
   * The buyer's card: `succeed` authorizes (requires_payment_method -> requires_capture), `fail`
   * declines (Stripe's intent stays in requires_payment_method, so only pending ones decline).
   * The change and its webhook event are one D1 batch (the outbox, see `local-outbox.ts`).
   * Asked again once the payment has moved, it answers the event it sent for that move, to be
   * delivered again: a retry after a lost answer or a crash is never a dead end.
   */
  async #simulate(paymentId: string, outcome: "succeed" | "fail"): Promise<TestGatewayResult> {
    const row = await this.#get(paymentId);
    if (!row) return { ok: false, reason: "not_found" };
    const type = outcome === "succeed" ? AUTHORIZED : DECLINED;
    if (row.status === "requires_payment_method") {
      const event = stripeEvent(type, paymentIntentObject(type, row));
      await scheduleSweep(this.env, paymentId);
      const write = this.#outboxInsert(event, paymentId, type);
      const [, inserted] =
        outcome === "succeed"
          ? await this.env.DB.batch([
              this.env.DB.prepare("UPDATE local_payments SET status = 'requires_capture' WHERE id = ? AND status = 'requires_payment_method'").bind(
                paymentId,
              ),
              write("changes() = 1"),
            ])
          : [undefined, await write("EXISTS (SELECT 1 FROM local_payments WHERE id = ? AND status = 'requires_payment_method')", paymentId).run()];
      if ((inserted?.meta.changes ?? 0) === 1) return { ok: true, webhook: await signed(this.env, event.id, JSON.stringify(event)), redelivered: false };
      // Another request changed the payment in between: answer as things now stand.
      return this.#simulate(paymentId, outcome);
    }
    // The newest card outcome is this one: the same event again, for the outbox to deliver.
    const last = await this.env.DB.prepare(
      `SELECT id, type, body FROM local_payment_webhooks WHERE payment_id = ? AND type IN (?, ?)
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    )
      .bind(paymentId, AUTHORIZED, DECLINED)
      .first<{ id: string; type: string; body: string }>();
    if (last?.type === type) return { ok: true, webhook: await signed(this.env, last.id, last.body), redelivered: true };
    return { ok: false, reason: "not_pending", status: row.status };
  }

  /** `INSERT` of an event into the outbox, only `where` the change it reports was made. */
  #outboxInsert(event: { id: string }, paymentId: string, type: string) {
    return (where: string, ...params: unknown[]) =>
      this.env.DB.prepare(`INSERT INTO local_payment_webhooks (id, payment_id, type, body) SELECT ?, ?, ?, ? WHERE ${where}`).bind(
        event.id,
        paymentId,
        type,
        JSON.stringify(event),
        ...params,
      );
  }

  /**
   * A refund made in the provider's dashboard: of the whole remaining amount, or part of it.
   * Like Stripe, it sends both events it sends for a refund: `charge.refunded` (the charge
   * with its refunded total) and `refund.created` (the refund itself), written to the outbox
   * in the same batch as the refund.
   */
  async #refundAtProvider(paymentId: string, amountCents?: number): Promise<TestGatewayRefundResult> {
    const row = await this.#get(paymentId);
    if (!row) return { ok: false, reason: "not_found" };
    const refundable = row.amount_cents - row.amount_refunded_cents;
    if (row.status !== "succeeded" || refundable <= 0) {
      return { ok: false, reason: "not_refundable", status: row.status === "succeeded" ? "refunded" : row.status };
    }
    const amount = amountCents ?? refundable;
    if (amount > refundable) return { ok: false, reason: "amount_too_large", refundableCents: refundable };
    const after = { ...row, amount_refunded_cents: row.amount_refunded_cents + amount };
    const refundId = newId("re_local");
    const events = [stripeEvent("charge.refunded", chargeObject(after)), stripeEvent("refund.created", refundObject(refundId, amount, after))];
    await scheduleSweep(this.env, paymentId);
    // Conditional on the total read above, so racing refunds can never return more than was paid.
    const results = await this.env.DB.batch([
      this.env.DB.prepare(
        `UPDATE local_payments SET amount_refunded_cents = ? WHERE id = ? AND status = 'succeeded' AND amount_refunded_cents = ?`,
      ).bind(after.amount_refunded_cents, paymentId, row.amount_refunded_cents),
      this.env.DB.prepare(
        `INSERT INTO local_payment_webhooks (id, payment_id, type, body)
         SELECT column1, column2, column3, column4 FROM (VALUES (?, ?, ?, ?), (?, ?, ?, ?)) WHERE changes() = 1`,
      ).bind(...events.flatMap((e) => [e.id, paymentId, e.type, JSON.stringify(e)])),
    ]);
    // Another refund got there first: answer as things now stand.
    if ((results[1]?.meta.changes ?? 0) !== 2) return this.#refundAtProvider(paymentId, amountCents);
    const webhooks = await Promise.all(events.map((e) => signed(this.env, e.id, JSON.stringify(e))));
    return { ok: true, refundId, amountCents: amount, refundedCents: after.amount_refunded_cents, webhooks };
  }
}

/** Stripe's event envelope around an API object. */
function stripeEvent(type: string, object: object) {
  return {
    id: newId("evt_local"),
    object: "event",
    api_version: "2026-10-28.endive",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const orderIdOf = (p: LocalPaymentRow) => ({ order_id: JSON.parse(p.metadata).order_id });
/** The local payment's one charge (Stripe makes one per captured PaymentIntent). */
/** The payment id for an idempotency key: `newId`'s shape, from SHA-256 of the key. */
async function paymentIdFor(idempotencyKey: string): Promise<string> {
  return idFromBytes("pi_local", new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(idempotencyKey))));
}

const chargeId = (p: LocalPaymentRow) => `ch_local_${p.id.slice("pi_local_".length)}`;

/** The JSON shape of a Stripe Charge after a refund (the fields checkout reads and more). */
function chargeObject(p: LocalPaymentRow) {
  return {
    id: chargeId(p),
    object: "charge",
    amount: p.amount_cents,
    amount_captured: p.amount_cents,
    amount_refunded: p.amount_refunded_cents,
    captured: true,
    created: unix(p.created_at),
    currency: p.currency,
    livemode: false,
    metadata: orderIdOf(p),
    paid: true,
    payment_intent: p.id,
    refunded: p.amount_refunded_cents >= p.amount_cents,
    status: "succeeded",
  };
}

/** The JSON shape of a Stripe Refund. */
function refundObject(id: string, amount: number, p: LocalPaymentRow) {
  return {
    id,
    object: "refund",
    amount,
    charge: chargeId(p),
    created: Math.floor(Date.now() / 1000),
    currency: p.currency,
    metadata: {},
    payment_intent: p.id,
    reason: "requested_by_customer",
    status: "succeeded",
  };
}

/** The JSON shape of a Stripe PaymentIntent (the fields checkout reads and more). */
function paymentIntentObject(type: string, p: LocalPaymentRow) {
  const failed = type === DECLINED;
  return {
    id: p.id,
    object: "payment_intent",
    amount: p.amount_cents,
    amount_capturable: failed ? 0 : p.amount_cents,
    amount_received: 0,
    capture_method: "manual",
    client_secret: p.client_secret,
    created: unix(p.created_at),
    currency: p.currency,
    livemode: false,
    metadata: orderIdOf(p),
    status: failed ? "requires_payment_method" : "requires_capture",
    last_payment_error: failed
      ? { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." }
      : null,
  };
}
