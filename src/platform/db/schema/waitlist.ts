import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Which events a buyer has waitlist entries in, so `GET /me/waitlist` knows which Waitlist
 * objects to ask. The entries themselves (status, position, offers) live in those objects.
 */
export const waitlistEntries = sqliteTable(
  "waitlist_entries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    userId: text("user_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("waitlist_entries_user_idx").on(t.userId, t.eventId)],
);
