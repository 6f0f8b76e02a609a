/**
 * Wire types of the inventory RPC surface (SectionInventory and BuyerLedger). Shared by the
 * Durable Objects, the hold routes, catalog (init/snapshot) and checkout (confirm/return).
 * Expected outcomes are discriminated results (`ok: false, reason`); the objects throw only
 * for bugs.
 */
import type { CallContext } from "../call-context";
import type { SeatStatus } from "./seat-state";

export type { SeatStatus } from "./seat-state";

/** One seat of a reserved section. `seat_id` equals `label` (`<key>-<row>-<n>`). */
export interface LayoutSeat {
  seat_id: string;
  label: string;
  row: string;
  number: number;
  price_cents: number;
}

/** What SectionInventory.init receives when the event is published. */
export type SectionLayout =
  | { eventId: string; sectionKey: string; kind: "reserved"; seats: LayoutSeat[] }
  | { eventId: string; sectionKey: string; kind: "ga"; capacity: number; price_cents: number };

export type InitResult =
  | { ok: true; created: boolean }
  /** The object already holds a different layout (init is idempotent only for the same one). */
  | { ok: false; reason: "layout_mismatch" };

export interface SeatSnapshot extends LayoutSeat {
  status: SeatStatus;
}

/** Counts always satisfy available + held + sold = capacity. `seats` only for reserved sections. */
export interface SectionSnapshot {
  key: string;
  kind: "reserved" | "ga";
  capacity: number;
  available: number;
  held: number;
  sold: number;
  price_cents?: number;
  seats?: SeatSnapshot[];
}

/**
 * A hold request to one section: seats for reserved sections, a quantity for GA, or a
 * quantity for a reserved section (best available: the section picks adjacent seats).
 */
export type SectionHoldRequest = {
  /** The X-Request-Id of the hold's request, for the section's log lines (see `CallContext`). */
  requestId?: string;
  /** What caused the hold when no request did (a waitlist offer's pass). */
  trigger?: CallContext["trigger"];
  holdId: string;
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** A waitlist offer: takes seats from the section's waitlist pool, never available ones. */
  fromPool?: true;
} & ({ seats: string[] } | { quantity: number });

/** The part of a hold that lives in one section. */
export interface SectionHold {
  holdId: string;
  section: string;
  kind: "reserved" | "ga";
  seats: string[];
  quantity: number;
  totalCents: number;
  expiresAt: number;
}

/** Why `hold` refused; expected outcomes, not errors. */
export type SectionHoldRefusal =
  | { ok: false; reason: "seat_unavailable"; unavailable: string[] }
  | { ok: false; reason: "unknown_seats"; seats: string[] }
  | { ok: false; reason: "sold_out"; available: number }
  /** Seats given for a GA section. */
  | { ok: false; reason: "wrong_kind"; kind: "reserved" | "ga" }
  | { ok: false; reason: "not_initialized" }
  /** Outside the event's sale window (or the event is not published): decided with the seat write. */
  | { ok: false; reason: "not_on_sale"; status: "draft" | "scheduled" | "ended" }
  | { ok: false; reason: "event_cancelled" };

/**
 * What a section knows of its event's sale, as the event row has it (ISO times): the section
 * refuses holds outside the window or once cancelled, in the same step as the seat write.
 * A cancel is final: a later `published` does not undo it.
 */
export interface SectionSale {
  state: "draft" | "published" | "cancelled";
  onSaleAt: string;
  endsAt: string;
}

/**
 * The answer to `hold`: the hold's total in cents when it was taken, else a refusal. Success
 * is a bare number on purpose: `hold` is the hottest RPC, and workerd serializes a number for
 * a fraction of what an object costs (README, Benchmarks). Test with `holdTaken`.
 */
export type SectionHoldResult = number | SeatsChosen | SectionHoldRefusal;

/** Best available (a quantity for a reserved section): the section chose the seats, so it names them. */
export interface SeatsChosen {
  ok: true;
  totalCents: number;
  seats: string[];
}

export const holdTaken = (r: SectionHoldResult): r is number | SeatsChosen => typeof r === "number" || r.ok;

/** The total in cents of a hold that was taken. */
export const holdTotal = (r: number | SeatsChosen): number => (typeof r === "number" ? r : r.totalCents);

/** Why a hold that once existed is no longer usable. */
export type HoldGoneReason = "not_found" | "expired" | "released";

export type SectionReleaseResult = { ok: true; released: boolean };

export type SectionConfirmResult =
  | ({ ok: true } & SectionHold)
  | { ok: false; reason: HoldGoneReason | "returned" };

export type SectionUnsellResult =
  | ({ ok: true } & SectionHold)
  | { ok: false; reason: HoldGoneReason | "not_sold" };

/** One requested part of a (possibly multi-section) hold, as the routes pass it to the ledger. */
export type HoldItemRequest = { section: string; seats: string[] } | { section: string; quantity: number };

export interface CreateHoldRequest {
  /** The X-Request-Id of the hold's request; the ledger passes it on to the sections (see `CallContext`). */
  requestId?: string;
  /** What caused the hold when no request did (a waitlist offer's pass); passed on like `requestId`. */
  trigger?: CallContext["trigger"];
  eventId: string;
  userId: string;
  items: HoldItemRequest[];
  /** From the event row. */
  holdTtlSeconds: number;
  maxTicketsPerUser: number;
  /** The ledger shard this call was sent to, written into the hold id; null: the buyer's own (legacy) ledger. */
  shard: number | null;
  /** A waitlist offer (only the Waitlist object sets it): every item is taken from its section's pool. */
  fromPool?: true;
}

/** Ledger view of a hold (all sections). */
export interface HoldView {
  holdId: string;
  eventId: string;
  userId: string;
  /** `held` until paid; `confirming` while checkout is selling it; `sold` once paid. */
  status: "held" | "confirming" | "sold";
  seats: string[];
  quantity: number;
  totalCents: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  items: SectionHold[];
  /** A resale hold: the listing it holds (its one item is that ticket's seat). */
  listingId?: string;
}

export type CreateHoldResult =
  | ({ ok: true } & HoldView)
  | { ok: false; reason: "limit_exceeded"; limit: number; used: number; requested: number }
  | { ok: false; reason: "seat_unavailable"; unavailable: string[] }
  | { ok: false; reason: "unknown_seats"; seats: string[] }
  | { ok: false; reason: "sold_out"; section: string; available: number }
  | { ok: false; reason: "wrong_kind"; section: string; kind: "reserved" | "ga" }
  | { ok: false; reason: "not_initialized"; section: string }
  | { ok: false; reason: "not_on_sale"; status: "draft" | "scheduled" | "ended" }
  | { ok: false; reason: "event_cancelled" }
  /** A section object failed (overload, reset); nothing stays held. Retry later. */
  | { ok: false; reason: "unavailable" };

export type GetHoldResult = ({ ok: true } & HoldView) | { ok: false; reason: HoldGoneReason | "returned" };

export type ReleaseHoldResult =
  | { ok: true; holdId: string }
  | { ok: false; reason: HoldGoneReason | "returned" | "sold" | "confirming" }
  /** A section could not be reached; call again (the seats expire anyway). */
  | { ok: false; reason: "unavailable" };

export type ConfirmHoldResult =
  | ({ ok: true } & HoldView)
  /** `expired`: not paid in time; seats are free again (checkout refunds the payment). */
  | { ok: false; reason: HoldGoneReason | "returned" }
  /** A section could not be reached; the hold stays `confirming` (quota kept). Call again. */
  | { ok: false; reason: "unavailable" };

export type ReturnSoldResult =
  | ({ ok: true } & HoldView)
  | { ok: false; reason: HoldGoneReason | "not_sold" }
  /** A section could not be reached; the hold stays `returning` (quota kept). Call again. */
  | { ok: false; reason: "unavailable" };

/** A section as a live feed starts from: its snapshot and the seq of the last change message it includes. */
export type LiveSectionState = SectionSnapshot & { seq: number };
