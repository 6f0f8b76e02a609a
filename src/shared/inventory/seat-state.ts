/**
 * The seat state machine, the one place that says which moves exist:
 *
 *   available --hold--> held --confirm--> sold
 *                        held --release/expire--> available
 *                        sold --unsell (refund only)--> available
 *
 * SectionInventory builds its UPDATE statements from `SEAT_MOVES` (each UPDATE carries
 * `WHERE status = from`), so a move from any other state changes no row and is refused.
 * The same states apply to GA quantities (held/sold counters) and to hold rows.
 */
export type SeatStatus = "available" | "held" | "sold";

export const SEAT_MOVES = {
  hold: { from: "available", to: "held" },
  release: { from: "held", to: "available" },
  expire: { from: "held", to: "available" },
  confirm: { from: "held", to: "sold" },
  unsell: { from: "sold", to: "available" },
} as const satisfies Record<string, { from: SeatStatus; to: SeatStatus }>;

export type SeatMove = keyof typeof SEAT_MOVES;

/** Hold rows: a `held` hold ends as `sold`, `released` or `expired`; a sold one may be `returned`. */
export type SectionHoldStatus = "held" | "sold" | "released" | "expired" | "returned";

/** The moves of a hold that exists: every move but taking the seats. */
export type HoldMove = Exclude<SeatMove, "hold">;

/** The hold status a move starts from: its seats' `from` state (a hold is `held` or `sold` as its seats are). */
export const holdStatusBefore = (move: HoldMove): SectionHoldStatus => SEAT_MOVES[move].from;

/** The hold status each seat move leaves its hold in. */
export const HOLD_STATUS_AFTER: Record<HoldMove, SectionHoldStatus> = {
  release: "released",
  expire: "expired",
  confirm: "sold",
  unsell: "returned",
};
