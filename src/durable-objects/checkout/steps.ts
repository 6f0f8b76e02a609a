/**
 * The checkout saga's steps. Each is idempotent and resumes from the order row's step
 * columns, so the CheckoutSaga object can rerun any of them after a crash or a failed call.
 * Expected outcomes move the order; unexpected ones (a section or the provider unreachable)
 * throw, and the saga retries later. Status moves follow `ORDER_MOVES` (src/shared/order-state.ts).
 */
import {
  ORDER_MOVES,
  PAYMENT_MOVES,
  refundedInFull,
  startsFrom,
  type OrderMove,
  type OrderMoveRule,
  type OrderStatus,
  type OrderStepColumn,
} from "../../shared/order-state";
import { recordMetric } from "../../platform/metrics";
import { newId } from "../../shared/ids";
import { ledgerOfHold } from "../buyer-ledger-handle";
import { paymentProvider } from "../../platform/payments";
import { consumePromoStatement, releasePromoStatements } from "./promo-statements";
import { ticketExpiry, ticketSigner } from "../../platform/tickets/sign";
import { getFulfilRows, getOrder, getOrderAndEvent, isoNow, type OrderItemRow, type OrderRow } from "./order-rows";
import { completeSale } from "../resale/listing-statements";
import type { CallContext } from "../../shared/call-context";

/** A hold's order is failed this long after the hold expired when no payment came. */
export const UNPAID_GRACE_MS = 30_000;

/** The order's hold's ledger; every call names the buyer (a shard keeps many). */
function ledgerOf(env: Env, o: OrderRow) {
  const ledger = ledgerOfHold(env, o.holdId, o.userId);
  if (!ledger) throw new Error(`order ${o.id}: not a hold id: ${o.holdId}`);
  return ledger;
}

/** Records a step the first time it is reached (the column name comes from a closed union). */
async function recordStep(env: Env, orderId: string, column: OrderStepColumn): Promise<void> {
  const now = isoNow();
  await env.DB.prepare(`UPDATE orders SET ${column} = COALESCE(${column}, ?), updated_at = ? WHERE id = ?`)
    .bind(now, now, orderId)
    .run();
}

const recordPayment = (env: Env, orderId: string, move: keyof typeof PAYMENT_MOVES) =>
  recordStep(env, orderId, PAYMENT_MOVES[move].column);

/**
 * The UPDATE of one status move: it changes a row only from the move's `from` states (and,
 * for moves that lose to an authorization, only while none has been seen). `steps` are step
 * columns reached just before the move, recorded (first time wins) by the same statement.
 */
function moveStatement(
  env: Env,
  orderId: string,
  move: OrderMove,
  set: { failureReason?: string; paidAt?: string; steps?: readonly OrderStepColumn[] } = {},
  now = isoNow(),
) {
  const rule: OrderMoveRule = ORDER_MOVES[move];
  const from = rule.from.map((_, i) => `?${6 + i}`).join(", ");
  // Column names from a closed union, never from input.
  const steps = (set.steps ?? []).map((c) => `, ${c} = COALESCE(${c}, ?4)`).join("");
  return env.DB.prepare(
    `UPDATE orders SET status = ?1, failure_reason = COALESCE(?2, failure_reason), paid_at = COALESCE(?3, paid_at), updated_at = ?4${steps}
     WHERE id = ?5 AND status IN (${from})${rule.onlyUnauthorized ? " AND authorized_at IS NULL" : ""}`,
  ).bind(rule.to, set.failureReason ?? null, set.paidAt ?? null, now, orderId, ...rule.from);
}

/** Applies one move; true when it changed the order. */
async function moveOrder(env: Env, orderId: string, move: OrderMove, reason: string): Promise<boolean> {
  const r = await moveStatement(env, orderId, move, { failureReason: reason }).run();
  // D1's meta.changes also counts rows written by triggers (sales stats), so any count means moved.
  return r.meta.changes > 0;
}

/**
 * Payment authorized: seats held -> sold, then capture, then tickets (once), then the email.
 * Seats are confirmed before any money is taken; if they cannot be, the authorization is voided.
 *
 * Step markers and D1 writes: `authorized_at` is written on its own before anything else,
 * because it is what makes a buyer's cancel or the expiry lose to this payment while the steps
 * below run (or wait for a retry after a crash). `seats_confirmed_at` and `captured_at` are not
 * written on their own: they ride in the status move that ends this pass (`pay` with the
 * tickets, or `fail_authorized`). A crash before that move leaves both unset, and the retry
 * redoes the two steps, which is safe because both are idempotent at their source: the ledger
 * answers `confirmHold` of a hold it sold already with ok, and the providers answer a capture of
 * a captured payment with ok (Stripe's capture retrieves the intent on `unexpected_state`).
 * An order that fails instead finds its seats with `returnSold` (a release of a hold that turns
 * out sold falls through to it) and its captured money with a refund (`voidPayment`).
 */
export async function fulfil(env: Env, orderId: string, ctx?: CallContext): Promise<void> {
  // One read for the whole pass: nothing else moves this pending order while its saga runs it.
  const { order: o, event, items, issuedItemIds, listing } = await getFulfilRows(env, orderId);
  if (!o) return;
  // Only this order's saga (serialized) moves its status, so `o` stays current after this write.
  if (o.status === "pending_payment" && !o.authorizedAt) await recordPayment(env, orderId, "authorize");
  if (o.status !== "pending_payment") return settle(env, o, ctx);

  if (!event) throw new Error(`order ${orderId}: event ${o.eventId} missing`);
  /** Steps reached in this pass, recorded by the move that ends it. */
  const reached: OrderStepColumn[] = [];
  const fail = (reason: string) => failThenSettle(env, orderId, reason, reached, ctx);
  if (!o.seatsConfirmedAt) {
    if (event.state === "cancelled") return fail("event_cancelled");
    const confirmed = await ledgerOf(env, o).confirmHold(o.holdId, o.userId, ctx);
    if (!confirmed.ok) {
      if (confirmed.reason === "unavailable") throw new Error(`order ${orderId}: ledger unavailable`);
      return fail("hold_expired");
    }
    reached.push("seats_confirmed_at");
  }
  if (!o.capturedAt) {
    if (event.state === "cancelled") return fail("event_cancelled");
    // Free orders (amount 0) have no payment to capture.
    if (o.paymentId) {
      const captured = await paymentProvider(env).capture(o.paymentId);
      if (!captured.ok) return fail("payment_not_capturable");
    }
    reached.push(PAYMENT_MOVES.capture.column);
  }
  // A resale: the seller's ticket is revoked and the listing sold before the buyer's ticket is
  // issued. If the seller's ticket was used at the gate first, the sale fails and is refunded.
  if (listing && !(await completeSale(env, listing.id, o.holdId, o.id))) return fail("listing_unavailable");
  await issueTicketsAndMarkPaid(env, o, ticketExpiry(event.endsAt), reached, items.filter((it) => !issuedItemIds.has(it.id)), items.length);
  // Read again, fresh: the event's cancel may have passed this order by while we were capturing,
  // and a refund at the provider may have arrived (settle ends a paid order refunded in full).
  const now = await getOrderAndEvent(env, orderId);
  if (now.event?.state === "cancelled") {
    await refundPaid(env, orderId, "event_cancelled", ctx);
    return;
  }
  await settle(env, now.order!, ctx);
}

/**
 * An authorized order that cannot be sold (hold gone, event cancelled): failed, never captured.
 * `reached` are the steps done before (recorded with the move, so `settle` knows to return sold seats).
 */
async function failThenSettle(env: Env, orderId: string, reason: string, reached: readonly OrderStepColumn[] = [], ctx?: CallContext): Promise<void> {
  await moveStatement(env, orderId, "fail_authorized", { failureReason: reason, steps: reached }).run();
  await settle(env, (await getOrder(env, orderId))!, ctx);
}

/** Tickets for every item and `paid` in one transaction: a paid order never lacks tickets. */
async function issueTicketsAndMarkPaid(
  env: Env,
  o: OrderRow,
  exp: number,
  reached: readonly OrderStepColumn[],
  unissued: readonly OrderItemRow[],
  itemCount: number,
): Promise<void> {
  const signer = await ticketSigner(env);
  const expiresAt = new Date(exp * 1000).toISOString();
  const inserts = await Promise.all(
    unissued.map(async (it) => {
      const ticketId = newId("tkt");
      const jwt = await signer.sign({
        ticketId,
        eventId: o.eventId,
        sectionKey: it.sectionKey,
        seatLabel: it.seatLabel,
        orderId: o.id,
        exp,
      });
      // The unique order_item_id makes a concurrent or repeated issue a no-op.
      return env.DB.prepare(
        `INSERT OR IGNORE INTO tickets (id, order_id, order_item_id, user_id, event_id, section_key, seat_label,
                                        status, kid, jwt, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'valid', ?, ?, ?)`,
      ).bind(ticketId, o.id, it.id, o.userId, o.eventId, it.sectionKey, it.seatLabel, signer.kid, jwt, expiresAt);
    }),
  );
  const now = isoNow();
  const results = await env.DB.batch([
    ...inserts,
    moveStatement(env, o.id, "pay", { paidAt: now, steps: reached }, now),
    consumePromoStatement(env, o.id),
    // The signing key's record rides with the first tickets it signed (a no-op afterwards).
    signer.remember,
  ]);
  // `> 0`, not `=== 1`: D1's meta.changes also counts rows written by triggers (the sales stats buckets).
  if ((results[inserts.length]?.meta.changes ?? 0) > 0) recordMetric(env.METRICS, { kind: "sale", eventId: o.eventId, count: itemCount, amountMinor: o.amountCents, detail: o.currency });
}

/** Queued at most once per order; a failed send is retried by the queue, never by the order. */
async function queueConfirmationEmail(env: Env, o: OrderRow): Promise<void> {
  if (o.status !== "paid" || o.emailQueuedAt) return;
  await env.EMAIL_QUEUE.send({ kind: "order_confirmation", order_id: o.id });
  await recordStep(env, o.id, "email_queued_at");
}

/** Payment failed: the order fails and the seats go back, unless an authorization arrived already. */
export async function failPayment(env: Env, orderId: string, ctx?: CallContext): Promise<void> {
  await moveOrder(env, orderId, "fail_unpaid", "payment_failed");
  const o = await getOrder(env, orderId);
  if (o) await settle(env, o, ctx);
}

/** No payment by the hold's expiry (plus grace): the order fails. */
export async function expireUnpaid(env: Env, orderId: string, ctx?: CallContext): Promise<void> {
  const o = await getOrder(env, orderId);
  if (!o) return;
  const due = o.status === "pending_payment" && Date.parse(o.holdExpiresAt) + UNPAID_GRACE_MS <= Date.now();
  const ended = due && (await moveOrder(env, orderId, "fail_unpaid", "hold_expired"));
  await settle(env, ended ? (await getOrder(env, orderId))! : o, ctx);
}

/** `order` is the row as the step left it, so callers need not read it again; `ended` is its end state. */
export type EndResult =
  | { ok: true; order: OrderRow; ended?: OrderStatus }
  | { ok: false; status: OrderStatus | "not_found"; reason: string };

/**
 * Why an order is ended from outside the payment flow, and the moves each may make. An event's
 * cancel refunds a paid order and cancels an unpaid one; an order that is already refunded is
 * refunded again (which only finishes its settling), any other ended order is left as it is.
 */
const END_MOVES = {
  cancelled_by_buyer: ["cancel"],
  refunded_by_organizer: ["refund"],
  event_cancelled: ["refund", "cancel"],
} as const satisfies Record<string, readonly ("cancel" | "refund")[]>;

export type EndReason = keyof typeof END_MOVES;

/** Buyer cancel, organizer refund or event cancel: the one way an order is ended on request. */
export async function endOrder(env: Env, orderId: string, reason: EndReason, ctx?: CallContext): Promise<EndResult> {
  const moves: readonly ("cancel" | "refund")[] = END_MOVES[reason];
  let move = moves.length === 1 ? moves[0] : undefined;
  if (!move) {
    const o = await getOrder(env, orderId);
    if (!o) return { ok: false, status: "not_found", reason: "not_found" };
    move =
      moves.find((m) => startsFrom(m, o.status)) ??
      (o.status === ORDER_MOVES.refund.to ? "refund" : undefined);
    if (!move) return { ok: true, order: o };
  }
  // An order already authorized is not cancelled: `fulfil` finishes it, and checks the event first.
  const r = move === "refund" ? await refundPaid(env, orderId, reason, ctx) : await cancelUnpaid(env, orderId, reason, ctx);
  return r.ok ? { ...r, ended: ORDER_MOVES[move].to } : r;
}

/** pending_payment -> cancelled, while no authorization has been seen. */
async function cancelUnpaid(env: Env, orderId: string, reason: string, ctx?: CallContext): Promise<EndResult> {
  const ended = await moveOrder(env, orderId, "cancel", reason);
  const o = await getOrder(env, orderId);
  if (!o) return { ok: false, status: "not_found", reason: "not_found" };
  if (!ended && o.status !== ORDER_MOVES.cancel.to) {
    return { ok: false, status: o.status, reason: o.status === "pending_payment" ? "payment_in_progress" : "not_pending" };
  }
  await settle(env, o, ctx);
  return { ok: true, order: o };
}

/** paid -> refunded: tickets revoked at once (same transaction); money and seats follow in `settle`. */
export async function refundPaid(env: Env, orderId: string, reason: string, ctx?: CallContext): Promise<EndResult> {
  const now = isoNow();
  const [moved, revoked] = await env.DB.batch([
    moveStatement(env, orderId, "refund", { failureReason: reason }, now),
    env.DB.prepare(
      `UPDATE tickets SET status = 'revoked', revoked_at = ?
       WHERE order_id = ? AND status != 'revoked' AND (SELECT status FROM orders WHERE id = ?) = ? RETURNING 1`,
    ).bind(now, orderId, orderId, ORDER_MOVES.refund.to),
  ]);
  // Rows, not meta.changes: D1 counts the rows triggers write too (gate changes, sales stats).
  const movedNow = (moved?.meta.changes ?? 0) > 0;
  const o = await getOrder(env, orderId);
  if (!o) return { ok: false, status: "not_found", reason: "not_found" };
  if (!movedNow && o.status !== ORDER_MOVES.refund.to) return { ok: false, status: o.status, reason: "not_paid" };
  if (movedNow) recordMetric(env.METRICS, { kind: "refund", eventId: o.eventId, count: revoked?.results.length ?? 0, amountMinor: o.amountCents, detail: o.currency });
  await settle(env, o, ctx);
  // As settled (refunded_at, refunded_cents), for the answer.
  return { ok: true, order: (await getOrder(env, orderId)) ?? o };
}

/** Our refund went through: the money is back (recorded like the provider reports it). */
async function markRefunded(env: Env, orderId: string): Promise<void> {
  const now = isoNow();
  await env.DB.prepare(
    `UPDATE orders SET refunded_at = COALESCE(refunded_at, ?), refunded_cents = max(refunded_cents, amount_cents), updated_at = ?
     WHERE id = ?`,
  )
    .bind(now, now, orderId)
    .run();
}

/**
 * Brings the outside world in line with the order's status; every call after the first
 * changes nothing. Unpaid ends: promo released, hold released (or seats returned if they
 * were confirmed), authorization voided. Refunded: money refunded, seats back on sale.
 * Paid but refunded in full at the provider: refunded like our own refund, minus the money.
 */
export async function settle(env: Env, o: OrderRow, ctx?: CallContext): Promise<void> {
  switch (o.status) {
    case "pending_payment":
      return;
    case "paid":
      if (refundedInFull(o)) {
        // The provider has returned the money already; asking it again would be a wasted call.
        await recordPayment(env, o.id, "refund");
        await refundPaid(env, o.id, "refunded_at_provider", ctx);
        return;
      }
      return queueConfirmationEmail(env, o);
    case "failed":
    case "cancelled": {
      await env.DB.batch(releasePromoStatements(env, o.id));
      await returnSeats(env, o, ctx);
      await voidPayment(env, o);
      return;
    }
    case "refunded": {
      if (o.paymentId && !o.refundedAt) {
        const r = await paymentProvider(env).refund(o.paymentId);
        if (!r.ok) throw new Error(`order ${o.id}: refund refused (${r.status})`);
        await markRefunded(env, o.id);
      }
      await returnSeats(env, o, ctx);
      return;
    }
  }
}

async function returnSeats(env: Env, o: OrderRow, ctx?: CallContext): Promise<void> {
  if (o.seatsReturnedAt) return;
  const ledger = ledgerOf(env, o);
  if (!o.seatsConfirmedAt) {
    const released = await ledger.releaseHold(o.holdId, o.userId, ctx);
    if (released.ok || released.reason === "not_found" || released.reason === "expired" || released.reason === "released" || released.reason === "returned") {
      return recordStep(env, o.id, "seats_returned_at");
    }
    // `sold`: confirmed before a crash kept us from recording it. Fall through and return them.
    if (released.reason !== "sold") throw new Error(`order ${o.id}: release hold: ${released.reason}`);
  }
  const returned = await ledger.returnSold(o.holdId, o.userId, ctx);
  if (!returned.ok && returned.reason === "unavailable") throw new Error(`order ${o.id}: return seats: unavailable`);
  await recordStep(env, o.id, "seats_returned_at");
}

async function voidPayment(env: Env, o: OrderRow): Promise<void> {
  if (!o.paymentId || o.voidedAt || o.refundedAt) return;
  const provider = paymentProvider(env);
  const r = await provider.cancel(o.paymentId);
  if (!r.ok) {
    // Captured before the order ended (crash between capture and tickets): give it back.
    const refunded = await provider.refund(o.paymentId);
    if (!refunded.ok) throw new Error(`order ${o.id}: refund after failed void: ${refunded.status}`);
    await markRefunded(env, o.id);
  }
  await recordPayment(env, o.id, "void");
}
