import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Sales of an event counted as they happen, one row per event and minute and one per event and
 * day (`span`), so the organizer's stats read a few hundred small rows instead of every order.
 * Written only by triggers on `orders` and `tickets` (the sales_stats migration), which catch
 * every path that pays, refunds or revokes (checkout saga, webhooks, event cancellation)
 * without those paths knowing about statistics. A bucket is the UTC minute
 * (`2026-12-01T21:55Z`) or day (`2026-12-01`) of the row's own timestamp (`created_at`,
 * `paid_at`, `updated_at` of a refund, `issued_at`, `revoked_at`).
 */
export const eventSalesBuckets = sqliteTable(
  "event_sales_buckets",
  {
    eventId: text("event_id").notNull(),
    span: text("span", { enum: ["minute", "day"] }).notNull(),
    bucket: text("bucket").notNull(),
    /** Orders created: every order is a hold that went to checkout. */
    ordersPlaced: integer("orders_placed").notNull().default(0),
    /** Orders that became paid in this bucket. */
    ordersPaid: integer("orders_paid").notNull().default(0),
    /** Paid orders that became refunded in this bucket. */
    ordersRefunded: integer("orders_refunded").notNull().default(0),
    ticketsIssued: integer("tickets_issued").notNull().default(0),
    ticketsRevoked: integer("tickets_revoked").notNull().default(0),
    /** Amounts of the orders paid in this bucket, in the event's currency. */
    grossCents: integer("gross_cents").notNull().default(0),
    /** Money returned in this bucket on orders that were paid. */
    refundedCents: integer("refunded_cents").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.span, t.bucket] })],
);

/** Gate scans per event, device and minute or day (scanner's clock: when the ticket was shown). */
export const gateScanBuckets = sqliteTable(
  "gate_scan_buckets",
  {
    eventId: text("event_id").notNull(),
    span: text("span", { enum: ["minute", "day"] }).notNull(),
    bucket: text("bucket").notNull(),
    deviceId: text("device_id").notNull(),
    scans: integer("scans").notNull().default(0),
    /** `valid` scans: people let in. */
    entries: integer("entries").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.span, t.bucket, t.deviceId] })],
);

/** Per gate device: scan totals (trigger on gate_scans) and when it last uploaded or downloaded. */
export const gateDeviceActivity = sqliteTable(
  "gate_device_activity",
  {
    deviceId: text("device_id").primaryKey(),
    eventId: text("event_id").notNull(),
    scans: integer("scans").notNull().default(0),
    entries: integer("entries").notNull().default(0),
    lastUploadAt: text("last_upload_at"),
    lastBundleAt: text("last_bundle_at"),
  },
  (t) => [index("gate_device_activity_event_idx").on(t.eventId)],
);
