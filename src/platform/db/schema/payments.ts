import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/**
 * The local payment provider's webhook outbox. An event is written in the same D1 batch as the
 * payment change it reports, and stays here until our webhook acknowledges it (2xx), so a
 * crash between the change and the delivery cannot lose it. `body` is the unsigned Stripe
 * event: each delivery is signed afresh, as Stripe does, so retries are never stale.
 */
export const localPaymentWebhooks = sqliteTable(
  "local_payment_webhooks",
  {
    /** The Stripe event id (`evt_local_...`); every redelivery carries it. */
    id: text("id").primaryKey(),
    paymentId: text("payment_id").notNull(),
    type: text("type").notNull(),
    body: text("body").notNull(),
    createdAt: text("created_at").notNull().default(now),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** Set on the first 2xx from our webhook; null while the event still has to be delivered. */
    deliveredAt: text("delivered_at"),
  },
  (t) => [index("local_payment_webhooks_payment").on(t.paymentId, t.type)],
);
