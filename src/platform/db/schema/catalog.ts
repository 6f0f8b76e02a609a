import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { SectionInput } from "../../../shared/section-input";

const createdAt = () =>
  text("created_at")
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` */
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["buyer", "organizer", "staff"] }).notNull().default("buyer"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

export const venues = sqliteTable(
  "venues",
  {
    id: text("id").primaryKey(),
    organizerId: text("organizer_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    city: text("city").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("venues_organizer_idx").on(t.organizerId)],
);

/** A venue's sections. `layout` is the JSON of the section as created (rows or GA capacity). */
export const venueSections = sqliteTable(
  "venue_sections",
  {
    venueId: text("venue_id")
      .notNull()
      .references(() => venues.id),
    key: text("key").notNull(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["reserved", "ga"] }).notNull(),
    capacity: integer("capacity").notNull(),
    /** The section exactly as created (rows with price tiers, or GA capacity and tier). */
    layout: text("layout", { mode: "json" }).$type<SectionInput>().notNull(),
    position: integer("position").notNull(),
  },
  (t) => [primaryKey({ columns: [t.venueId, t.key] })],
);

export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    organizerId: text("organizer_id")
      .notNull()
      .references(() => users.id),
    venueId: text("venue_id")
      .notNull()
      .references(() => venues.id),
    name: text("name").notNull(),
    category: text("category").notNull(),
    city: text("city").notNull(),
    startsAt: text("starts_at").notNull(),
    endsAt: text("ends_at").notNull(),
    onSaleAt: text("on_sale_at").notNull(),
    /** Stored lifecycle; the public `status` (scheduled / on_sale / ended) is derived from times. */
    state: text("state", { enum: ["draft", "published", "cancelled"] }).notNull().default("draft"),
    priceTiers: text("price_tiers", { mode: "json" }).$type<Record<string, number>>().notNull(),
    holdTtlSeconds: integer("hold_ttl_seconds").notNull().default(600),
    maxTicketsPerUser: integer("max_tickets_per_user").notNull().default(8),
    /**
     * How many BuyerLedger shards keep the event's buyers' holds (README: Buyer ledgers). Set at
     * creation, never edited (hold ids name their shard). 0: one ledger per buyer, the layout of
     * events made before sharding (the migration that added the column sets them to 0).
     */
    ledgerShards: integer("ledger_shards").notNull().default(64),
    /** How long a waitlist offer's hold lasts; null: the event's hold_ttl_seconds. */
    waitlistOfferSeconds: integer("waitlist_offer_seconds"),
    /** ISO 4217, lower case (as Stripe); every amount priced for the event is in its minor units. Fixed once published. */
    currency: text("currency").notNull().default("usd"),
    waitingRoom: text("waiting_room", { mode: "json" }).$type<{
      enabled: boolean;
      admit_per_minute: number;
      session_seconds: number;
    } | null>(),
    publishedAt: text("published_at"),
    cancelledAt: text("cancelled_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("events_organizer_idx").on(t.organizerId),
    index("events_listing_idx").on(t.state, t.startsAt, t.id),
    index("events_city_idx").on(t.city, t.startsAt),
    index("events_category_idx").on(t.category, t.startsAt),
  ],
);
