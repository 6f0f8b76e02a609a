/**
 * Wire types of the seat map as browsers see it (contract: "Buying" seat map and "Live seat
 * map"). Pure types: the storefront imports them with `import type`.
 */
import type { SeatStatus } from "./inventory/seat-state";

export type { SeatStatus };

export interface SeatJson {
  seat_id: string;
  label: string;
  row: string;
  number: number;
  price_cents: number;
  status: SeatStatus;
}

/** One section of `GET .../seats` (and of a live snapshot, which adds `seq`). */
export interface SectionSnapshot {
  key: string;
  name?: string;
  kind: "reserved" | "ga";
  capacity: number;
  available: number;
  price_cents?: number;
  seats?: SeatJson[];
  seq?: number;
}

export interface SeatMapJson {
  event_id: string;
  currency: string;
  sections: SectionSnapshot[];
}

/** Messages the live seat map socket sends. */
export type LiveServerMessage =
  | { type: "snapshot"; sections: SectionSnapshot[] }
  | { type: "changes"; section: string; seq: number; available: number; seats?: { seat_id: string; status: SeatStatus }[] };

/** Messages a client sends on the live socket. */
export type LiveClientMessage = { type: "resync" };

/** The contract's error body. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
