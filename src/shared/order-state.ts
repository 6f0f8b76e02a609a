/**
 * The order state machine, the one place that says which moves exist:
 *
 *   pending_payment --pay--> paid --refund--> refunded
 *   pending_payment --fail_unpaid/cancel (no authorization seen yet)--> failed | cancelled
 *   pending_payment --fail_authorized (hold gone, event cancelled, capture refused)--> failed
 *
 * The checkout steps build their UPDATE statements from `ORDER_MOVES` (each carries
 * `WHERE status IN (from)`, plus `authorized_at IS NULL` for the moves that must lose to an
 * authorization), so a move from any other state changes no row and is refused.
 *
 * An order's payment has its own, smaller machine, recorded in the order's step columns
 * (`PAYMENT_MOVES`): authorized, then captured (and later perhaps refunded), or voided.
 * Recording a payment step is idempotent: the first time it is recorded wins.
 */
export const ORDER_STATUSES = ["pending_payment", "paid", "failed", "cancelled", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderMoveRule {
  from: readonly OrderStatus[];
  to: OrderStatus;
  /** Refused once an authorization has been seen: `fulfil` owns the order from then on. */
  onlyUnauthorized?: true;
}

export const ORDER_MOVES = {
  pay: { from: ["pending_payment"], to: "paid" },
  fail_unpaid: { from: ["pending_payment"], to: "failed", onlyUnauthorized: true },
  cancel: { from: ["pending_payment"], to: "cancelled", onlyUnauthorized: true },
  fail_authorized: { from: ["pending_payment"], to: "failed" },
  refund: { from: ["paid"], to: "refunded" },
} as const satisfies Record<string, OrderMoveRule>;

export type OrderMove = keyof typeof ORDER_MOVES;

/** Whether `move` may start from this status (authorization aside: that guard is in SQL). */
export const startsFrom = (move: OrderMove, status: OrderStatus): boolean =>
  (ORDER_MOVES[move] as OrderMoveRule).from.includes(status);

/** States some move leaves from: orders that are not finished yet. */
export const OPEN_ORDER_STATUSES = ORDER_STATUSES.filter((s) =>
  (Object.keys(ORDER_MOVES) as OrderMove[]).some((m) => startsFrom(m, s)),
);

export type PaymentStatus = "none" | "authorized" | "captured" | "voided" | "refunded";

/**
 * The payment's moves and the step column that records each. `seats_confirmed_at`,
 * `seats_returned_at` and `email_queued_at` are the saga's other steps (not the payment's).
 */
export const PAYMENT_MOVES = {
  authorize: { from: ["none"], to: "authorized", column: "authorized_at" },
  capture: { from: ["authorized"], to: "captured", column: "captured_at" },
  void: { from: ["authorized"], to: "voided", column: "voided_at" },
  refund: { from: ["captured"], to: "refunded", column: "refunded_at" },
} as const satisfies Record<string, { from: readonly PaymentStatus[]; to: PaymentStatus; column: string }>;

/**
 * The provider reports the whole amount returned (a refund made in its dashboard, or the echo
 * of ours): a paid order then ends refunded. A partial refund leaves it paid, its tickets valid.
 */
export const refundedInFull = (o: { amountCents: number; refundedCents: number }) =>
  o.amountCents > 0 && o.refundedCents >= o.amountCents;

/** Every step column of an order: the only column names a step may write. */
export type OrderStepColumn =
  | (typeof PAYMENT_MOVES)[keyof typeof PAYMENT_MOVES]["column"]
  | "seats_confirmed_at"
  | "seats_returned_at"
  | "email_queued_at";
