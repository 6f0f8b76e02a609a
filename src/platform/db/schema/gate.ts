import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { SCAN_VERDICTS } from "../../../shared/gate";
import { events, users } from "./catalog";

/** A scanner enrolled for one event; its bearer token carries `deviceId` and `eventId`. */
export const gateDevices = sqliteTable(
  "gate_devices",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id")
      .notNull()
      .references(() => events.id),
    name: text("name").notNull(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: text("created_at")
      .notNull()
      .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("gate_devices_event_idx").on(t.eventId)],
);

/**
 * Every scan a device uploaded, as the device saw it. `scanned_at` is normalised to
 * `toISOString()` so that text order is time order. The unique key makes re-sent batches
 * no-ops; the first scan of a ticket is the earliest `valid` row (ties by device id).
 */
export const gateScans = sqliteTable(
  "gate_scans",
  {
    eventId: text("event_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    deviceId: text("device_id")
      .notNull()
      .references(() => gateDevices.id),
    scannedAt: text("scanned_at").notNull(),
    verdict: text("verdict", { enum: SCAN_VERDICTS }).notNull(),
    receivedAt: text("received_at")
      .notNull()
      .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [
    uniqueIndex("gate_scans_unique").on(t.ticketId, t.deviceId, t.scannedAt),
    index("gate_scans_first_idx").on(t.eventId, t.ticketId, t.verdict, t.scannedAt, t.deviceId),
  ],
);

export const GATE_CHANGE_KINDS = ["revoked", "entry"] as const;
export type GateChangeKind = (typeof GATE_CHANGE_KINDS)[number];

/**
 * What changed in the scanners' bundle, in commit order, for incremental bundles
 * (`GET .../bundle?since=`). Written only by triggers (see the gate_changes migration): a
 * ticket becoming `revoked` (checkout's refunds and cancellations write the tickets table, so a
 * trigger catches every path) and every new `valid` gate scan. `seq` is AUTOINCREMENT: D1 is
 * one SQLite database with one writer, so a row's seq is assigned and committed before any
 * later transaction can take a bigger one; commit order is seq order and a reader that saw
 * seq N has seen every change up to N. AUTOINCREMENT also never reuses a seq.
 */
export const gateChanges = sqliteTable(
  "gate_changes",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    eventId: text("event_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    kind: text("kind", { enum: GATE_CHANGE_KINDS }).notNull(),
  },
  (t) => [index("gate_changes_event_seq_idx").on(t.eventId, t.seq)],
);
