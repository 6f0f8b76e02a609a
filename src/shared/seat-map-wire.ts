/**
 * The seat map as browsers see it (contract: "Buying" seat map and "Live seat map"). Types
 * only: the storefront imports them with `import type`. The live socket's messages are the
 * inventory's own (`./inventory/live`).
 */
import type { SeatSnapshot, SeatStatus } from "./inventory/types";

export type { SeatStatus };
export type { LiveClientMessage, LiveServerMessage } from "./inventory/live";

/** One section of `GET .../seats` (a live snapshot's sections add `seq`). */
export interface SectionSnapshot {
  key: string;
  name?: string;
  kind: "reserved" | "ga";
  capacity: number;
  available: number;
  price_cents?: number;
  seats?: SeatSnapshot[];
  seq?: number;
}

export interface SeatMapJson {
  event_id: string;
  currency: string;
  sections: SectionSnapshot[];
}

/** The contract's error body. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
