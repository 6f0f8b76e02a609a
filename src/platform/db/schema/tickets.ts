import { sql } from "drizzle-orm";
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

export const TICKET_STATUSES = ["valid", "revoked", "checked_in"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** One ticket per order item; the unique item id makes issuing exactly-once under retries. */
export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id").notNull(),
    orderItemId: text("order_item_id").notNull(),
    userId: text("user_id").notNull(),
    eventId: text("event_id").notNull(),
    sectionKey: text("section_key").notNull(),
    seatLabel: text("seat_label"),
    status: text("status", { enum: TICKET_STATUSES }).notNull().default("valid"),
    /** Key id of the signing key, so the JWKS keeps publishing it while this ticket is valid. */
    kid: text("kid").notNull(),
    jwt: text("jwt").notNull(),
    issuedAt: text("issued_at").notNull().default(now),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    /**
     * The ticket this one reissued (a transfer, or a resale refunded back to its seller); its
     * `order_item_id` is then the transfer or relisting that issued it, so face value follows
     * this chain back to the order item that was paid for.
     */
    replacesTicketId: text("replaces_ticket_id"),
  },
  (t) => [
    uniqueIndex("tickets_order_item_unique").on(t.orderItemId),
    index("tickets_order_idx").on(t.orderId),
    index("tickets_user_idx").on(t.userId),
    index("tickets_event_idx").on(t.eventId, t.status),
    // The attendee CSV export pages through one event's tickets by id.
    index("tickets_event_id_idx").on(t.eventId, t.id),
    index("tickets_kid_idx").on(t.kid, t.status, t.expiresAt),
  ],
);

/** Every key that ever signed a ticket, with its public half (rotation keeps it publishable). */
export const signingKeys = sqliteTable("signing_keys", {
  kid: text("kid").primaryKey(),
  publicJwk: text("public_jwk", { mode: "json" }).$type<JsonWebKey & { kid: string }>().notNull(),
  firstUsedAt: text("first_used_at").notNull().default(now),
});
