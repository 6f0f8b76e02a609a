import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ORDER_STATUSES } from "../../../shared/order-state";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;


/**
 * One order per hold. The `*_at` step columns record how far the checkout saga got, so a
 * retry resumes after the last finished step instead of repeating it.
 */
export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    eventId: text("event_id").notNull(),
    holdId: text("hold_id").notNull(),
    status: text("status", { enum: ORDER_STATUSES }).notNull().default("pending_payment"),
    /** Why a failed or cancelled order ended that way (`hold_expired`, `payment_failed`, ...). */
    failureReason: text("failure_reason"),
    subtotalCents: integer("subtotal_cents").notNull(),
    discountCents: integer("discount_cents").notNull().default(0),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull(),
    promoCodeId: text("promo_code_id"),
    paymentProvider: text("payment_provider"),
    paymentId: text("payment_id"),
    clientSecret: text("client_secret"),
    holdExpiresAt: text("hold_expires_at").notNull(),
    authorizedAt: text("authorized_at"),
    seatsConfirmedAt: text("seats_confirmed_at"),
    capturedAt: text("captured_at"),
    paidAt: text("paid_at"),
    /** Set when the authorization was voided (never captured). */
    voidedAt: text("voided_at"),
    refundedAt: text("refunded_at"),
    /**
     * Money returned so far, as the provider reports it (refunds started in its dashboard
     * included). Only ever raised: deliveries may arrive out of order.
     */
    refundedCents: integer("refunded_cents").notNull().default(0),
    seatsReturnedAt: text("seats_returned_at"),
    /** Resale payouts of this order's tickets (sales minus refunded sales; see resale_payouts). */
    resoldCents: integer("resold_cents").notNull().default(0),
    emailQueuedAt: text("email_queued_at"),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [
    // A hold is paid by at most one order, whatever Idempotency-Key the requests carry.
    uniqueIndex("orders_hold_unique").on(t.holdId),
    uniqueIndex("orders_payment_unique").on(t.paymentId),
    index("orders_user_idx").on(t.userId, t.createdAt),
    index("orders_event_idx").on(t.eventId, t.status),
    // The organizer's order pages and CSV export walk one event newest first without sorting it.
    index("orders_event_created_idx").on(t.eventId, t.createdAt, t.id),
  ],
);

/** One row per seat (reserved) or per place (GA); each becomes exactly one ticket. */
export const orderItems = sqliteTable(
  "order_items",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    position: integer("position").notNull(),
    eventId: text("event_id").notNull(),
    sectionKey: text("section_key").notNull(),
    /** Seat label for reserved seats; null for a GA place. */
    seatLabel: text("seat_label"),
    priceCents: integer("price_cents").notNull(),
  },
  (t) => [uniqueIndex("order_items_order_position_unique").on(t.orderId, t.position)],
);

/** The local payment provider's own ledger (stands in for the real provider's side). */
export const localPayments = sqliteTable("local_payments", {
  id: text("id").primaryKey(),
  amountCents: integer("amount_cents").notNull(),
  currency: text("currency").notNull(),
  /** Stripe PaymentIntent statuses the local provider imitates. */
  status: text("status", {
    enum: ["requires_payment_method", "requires_capture", "succeeded", "canceled", "failed"],
  }).notNull(),
  clientSecret: text("client_secret").notNull(),
  metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
  amountRefundedCents: integer("amount_refunded_cents").notNull().default(0),
  createdAt: text("created_at").notNull().default(now),
});

/**
 * Refunds the provider reported one by one (Stripe `refund.*` events), so that several partial
 * refunds add up even when only those events are delivered. A row keeps the state of the
 * newest event about it (`event_created`), so a late, older delivery cannot undo a newer one.
 */
export const paymentRefunds = sqliteTable(
  "payment_refunds",
  {
    id: text("id").primaryKey(),
    paymentId: text("payment_id").notNull(),
    amountCents: integer("amount_cents").notNull(),
    /** Stripe refund status: pending, requires_action, succeeded, failed, canceled. */
    status: text("status").notNull(),
    eventCreated: integer("event_created").notNull(),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [index("payment_refunds_payment_idx").on(t.paymentId)],
);

/** Provider webhook event ids already handled: a redelivery is acknowledged and ignored. */
export const webhookEvents = sqliteTable("webhook_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  paymentId: text("payment_id"),
  receivedAt: text("received_at").notNull().default(now),
  processedAt: text("processed_at"),
});

/** `Idempotency-Key` records: the first request's hash, its order once written and, once done, its answer. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    state: text("state", { enum: ["in_progress", "done"] }).notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    /**
     * The order this key's request wrote, set in the same transaction as the order: a retry
     * after a crash before the answer was stored answers from it instead of ordering again.
     */
    orderId: text("order_id"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

export const promoCodes = sqliteTable(
  "promo_codes",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    /** Stored upper-case; codes match case-insensitively. */
    code: text("code").notNull(),
    percentOff: integer("percent_off"),
    amountOffCents: integer("amount_off_cents"),
    maxUses: integer("max_uses"),
    perUserLimit: integer("per_user_limit"),
    validFrom: text("valid_from"),
    validTo: text("valid_to"),
    /** Reserved + consumed redemptions; only ever changed by conditional UPDATEs. */
    uses: integer("uses").notNull().default(0),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("promo_codes_event_code_unique").on(t.eventId, t.code)],
);

/** Reserved when an order is placed, consumed on payment, released when the order fails. */
export const promoRedemptions = sqliteTable(
  "promo_redemptions",
  {
    id: text("id").primaryKey(),
    promoCodeId: text("promo_code_id").notNull(),
    userId: text("user_id").notNull(),
    orderId: text("order_id").notNull(),
    state: text("state", { enum: ["reserved", "consumed", "released"] }).notNull(),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("promo_redemptions_order_unique").on(t.orderId),
    index("promo_redemptions_user_idx").on(t.promoCodeId, t.userId, t.state),
  ],
);
