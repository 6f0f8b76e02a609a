/**
 * The live seat map's messages (`GET /api/v1/events/{event_id}/seats/live`, a WebSocket).
 * The server sends a snapshot first, then one `changes` message per change of a section, with
 * `seq` growing by 1 per message of that section. A client that sees a gap in a section's
 * `seq` sends `resync` and gets a new snapshot.
 */
import type { SeatSnapshot, SeatStatus } from "./types";

/** One section as `GET .../seats` shows it, with the `seq` of the last change it includes. */
export interface LiveSection {
  key: string;
  name: string;
  kind: "reserved" | "ga";
  capacity: number;
  available: number;
  /** GA sections only. */
  price_cents?: number;
  /** Reserved sections only, in layout order. */
  seats?: SeatSnapshot[];
  seq: number;
}

export interface LiveSnapshotMessage {
  type: "snapshot";
  sections: LiveSection[];
}

export interface LiveSeatChange {
  seat_id: string;
  status: SeatStatus;
}

export interface LiveChangesMessage {
  type: "changes";
  section: string;
  seq: number;
  available: number;
  /** Reserved sections only: each seat that changed, with its status now. */
  seats?: LiveSeatChange[];
}

export type LiveServerMessage = LiveSnapshotMessage | LiveChangesMessage;

export type LiveClientMessage = { type: "resync" };
