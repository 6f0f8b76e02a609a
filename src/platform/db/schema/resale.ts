import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

export const TRANSFER_STATUSES = ["pending", "accepted", "cancelled", "expired"] as const;

/**
 * A ticket sent to an email address. Accepting reissues the ticket (new id and jti) to the
 * recipient and revokes the old one in the same transaction. At most one pending transfer per
 * ticket (partial unique index); a pending one past `expires_at` counts as expired.
 */
export const ticketTransfers = sqliteTable(
  "ticket_transfers",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    eventId: text("event_id").notNull(),
    fromUserId: text("from_user_id").notNull(),
    /** Stored lower case. */
    toEmail: text("to_email").notNull(),
    status: text("status", { enum: TRANSFER_STATUSES }).notNull().default("pending"),
    /** Epoch ms: the event's start, or sooner. */
    expiresAt: integer("expires_at").notNull(),
    toUserId: text("to_user_id"),
    newTicketId: text("new_ticket_id"),
    createdAt: text("created_at").notNull().default(now),
    decidedAt: text("decided_at"),
  },
  (t) => [
    uniqueIndex("ticket_transfers_pending_unique").on(t.ticketId).where(sql`status = 'pending'`),
    index("ticket_transfers_from_idx").on(t.fromUserId, t.createdAt),
    index("ticket_transfers_to_idx").on(t.toEmail, t.createdAt),
  ],
);

export const LISTING_STATUSES = ["listed", "held", "confirming", "sold", "withdrawn"] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

/**
 * A ticket offered for resale at most at face value. The listing row is the one place of its
 * exclusive state: every move is a conditional UPDATE guarded by `status` (and `hold_id`),
 * so of racing moves exactly one changes the row. `held` past `hold_expires_at` is `listed`
 * again without any write (an unpaid hold simply lapses). At most one open listing per ticket.
 */
export const resaleListings = sqliteTable(
  "resale_listings",
  {
    id: text("id").primaryKey(),
    /** The seller's ticket on sale (a relisting after a refunded resale names the reissued one). */
    ticketId: text("ticket_id").notNull(),
    eventId: text("event_id").notNull(),
    sellerId: text("seller_id").notNull(),
    /** The seller's order, which records the payout (`resold_cents`). */
    sellerOrderId: text("seller_order_id").notNull(),
    sectionKey: text("section_key").notNull(),
    seatLabel: text("seat_label"),
    priceCents: integer("price_cents").notNull(),
    status: text("status", { enum: LISTING_STATUSES }).notNull().default("listed"),
    holdId: text("hold_id"),
    /** Epoch ms. */
    holdExpiresAt: integer("hold_expires_at"),
    buyerId: text("buyer_id"),
    buyerOrderId: text("buyer_order_id"),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("resale_listings_open_unique").on(t.ticketId).where(sql`status IN ('listed', 'held', 'confirming')`),
    index("resale_listings_event_idx").on(t.eventId, t.status),
    index("resale_listings_seller_idx").on(t.sellerId),
    index("resale_listings_hold_idx").on(t.holdId),
  ],
);

/**
 * The seller's payout ledger: `+price` when a listing is sold, `-price` when that sale is
 * refunded. One row per (listing, buyer order, kind), so a retried step writes it once.
 * A payout to a bank is out of scope.
 */
export const resalePayouts = sqliteTable(
  "resale_payouts",
  {
    id: text("id").primaryKey(),
    listingId: text("listing_id").notNull(),
    sellerOrderId: text("seller_order_id").notNull(),
    buyerOrderId: text("buyer_order_id").notNull(),
    kind: text("kind", { enum: ["sale", "reversal"] }).notNull(),
    amountCents: integer("amount_cents").notNull(),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("resale_payouts_unique").on(t.listingId, t.buyerOrderId, t.kind),
    index("resale_payouts_seller_order_idx").on(t.sellerOrderId),
  ],
);
