/**
 * The checkout saga's steps. Each is idempotent and resumes from the order row's step
 * columns, so the CheckoutSaga object can rerun any of them after a crash or a failed call.
 * Expected outcomes move the order; unexpected ones (a section or the provider unreachable)
 * throw, and the saga retries later.
 */
import { getEvent } from "../catalog/event-repo";
import { buyerLedger } from "../inventory/ledger";
import { paymentProvider } from "../payments";
import { consumePromoStatement, releasePromoStatements } from "../promo/promo-codes";
import { ticketExpiry, ticketSigner } from "../tickets/sign";
import { newId } from "../../shared/ids";
import { getOrder, getOrderItems, getOrderTickets, isoNow, type OrderRow } from "./order-repo";

/** A hold's order is failed this long after the hold expired when no payment came. */
export const UNPAID_GRACE_MS = 30_000;

const ledgerOf = (env: Env, o: OrderRow) => buyerLedger(env, o.eventId, o.userId);

async function setStep(env: Env, orderId: string, column: string): Promise<void> {
  const now = isoNow();
  await env.DB.prepare(`UPDATE orders SET ${column} = COALESCE(${column}, ?), updated_at = ? WHERE id = ?`)
    .bind(now, now, orderId)
    .run();
}

/** pending_payment -> failed|cancelled, only while no authorization has been seen. */
async function endUnpaid(env: Env, orderId: string, status: "failed" | "cancelled", reason: string): Promise<boolean> {
  const r = await env.DB.prepare(
    `UPDATE orders SET status = ?, failure_reason = ?, updated_at = ?
     WHERE id = ? AND status = 'pending_payment' AND authorized_at IS NULL`,
  )
    .bind(status, reason, isoNow(), orderId)
    .run();
  return r.meta.changes === 1;
}

/** An authorized order that cannot be sold (hold gone, event cancelled): failed, never captured. */
async function failAuthorized(env: Env, orderId: string, reason: string): Promise<void> {
  await env.DB.prepare(
    "UPDATE orders SET status = 'failed', failure_reason = ?, updated_at = ? WHERE id = ? AND status = 'pending_payment'",
  )
    .bind(reason, isoNow(), orderId)
    .run();
}

/**
 * Payment authorized: seats held -> sold, then capture, then tickets (once), then the email.
 * Seats are confirmed before any money is taken; if they cannot be, the authorization is voided.
 */
export async function fulfil(env: Env, orderId: string): Promise<void> {
  const o = await getOrder(env, orderId);
  if (!o) return;
  // Only this order's saga (serialized) moves its status, so `o` stays current after this write.
  if (o.status === "pending_payment" && !o.authorizedAt) await setStep(env, orderId, "authorized_at");
  if (o.status !== "pending_payment") return settle(env, o);

  const event = await getEvent(env, o.eventId);
  if (!event) throw new Error(`order ${orderId}: event ${o.eventId} missing`);
  if (!o.seatsConfirmedAt) {
    if (event.state === "cancelled") return failThenSettle(env, orderId, "event_cancelled");
    const confirmed = await ledgerOf(env, o).confirmHold(o.holdId);
    if (!confirmed.ok) {
      if (confirmed.reason === "unavailable") throw new Error(`order ${orderId}: ledger unavailable`);
      return failThenSettle(env, orderId, "hold_expired");
    }
    await setStep(env, orderId, "seats_confirmed_at");
  }
  if (!o.capturedAt) {
    if (event.state === "cancelled") return failThenSettle(env, orderId, "event_cancelled");
    // Free orders (amount 0) have no payment to capture.
    if (o.paymentId) {
      const captured = await paymentProvider(env).capture(o.paymentId);
      if (!captured.ok) return failThenSettle(env, orderId, "payment_not_capturable");
    }
    await setStep(env, orderId, "captured_at");
  }
  await issueTicketsAndMarkPaid(env, o, ticketExpiry(event.endsAt));
  // Cancelled while we were capturing: the event's cancel may have passed this order by.
  if ((await getEvent(env, o.eventId))?.state === "cancelled") {
    await refundPaid(env, orderId, "event_cancelled");
    return;
  }
  // Settled as paid: refunded already at the provider (before we got here) ends it at once.
  await settle(env, (await getOrder(env, orderId))!);
}

async function failThenSettle(env: Env, orderId: string, reason: string): Promise<void> {
  await failAuthorized(env, orderId, reason);
  await settle(env, (await getOrder(env, orderId))!);
}

/** Tickets for every item and `paid` in one transaction: a paid order never lacks tickets. */
async function issueTicketsAndMarkPaid(env: Env, o: OrderRow, exp: number): Promise<void> {
  const items = await getOrderItems(env, o.id);
  const issued = new Set((await getOrderTickets(env, [o.id])).map((t) => t.orderItemId));
  const signer = await ticketSigner(env);
  const expiresAt = new Date(exp * 1000).toISOString();
  const inserts = await Promise.all(
    items
      .filter((it) => !issued.has(it.id))
      .map(async (it) => {
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
  await env.DB.batch([
    ...inserts,
    env.DB.prepare(
      "UPDATE orders SET status = 'paid', paid_at = ?, updated_at = ? WHERE id = ? AND status = 'pending_payment'",
    ).bind(now, now, o.id),
    consumePromoStatement(env, o.id),
  ]);
}

/** Queued at most once per order; a failed send is retried by the queue, never by the order. */
async function queueConfirmationEmail(env: Env, o: OrderRow): Promise<void> {
  if (o.status !== "paid" || o.emailQueuedAt) return;
  await env.EMAIL_QUEUE.send({ kind: "order_confirmation", order_id: o.id });
  await setStep(env, o.id, "email_queued_at");
}

/** Payment failed: the order fails and the seats go back, unless an authorization arrived already. */
export async function failPayment(env: Env, orderId: string): Promise<void> {
  await endUnpaid(env, orderId, "failed", "payment_failed");
  const o = await getOrder(env, orderId);
  if (o) await settle(env, o);
}

/** No payment by the hold's expiry (plus grace): the order fails. */
export async function expireUnpaid(env: Env, orderId: string): Promise<void> {
  const o = await getOrder(env, orderId);
  if (!o) return;
  const due = o.status === "pending_payment" && Date.parse(o.holdExpiresAt) + UNPAID_GRACE_MS <= Date.now();
  const ended = due && (await endUnpaid(env, orderId, "failed", "hold_expired"));
  await settle(env, ended ? (await getOrder(env, orderId))! : o);
}

/** `order` is the row as the step left it, so callers need not read it again. */
export type EndResult = { ok: true; order: OrderRow } | { ok: false; status: OrderRow["status"] | "not_found"; reason: string };

/** Buyer or organizer cancels before payment. */
export async function cancelUnpaid(env: Env, orderId: string, reason: string): Promise<EndResult> {
  const ended = await endUnpaid(env, orderId, "cancelled", reason);
  const o = await getOrder(env, orderId);
  if (!o) return { ok: false, status: "not_found", reason: "not_found" };
  if (!ended && o.status !== "cancelled") {
    return { ok: false, status: o.status, reason: o.status === "pending_payment" ? "payment_in_progress" : "not_pending" };
  }
  await settle(env, o);
  return { ok: true, order: o };
}

/** The event was cancelled: a paid order is refunded, an unpaid one cancelled. */
export async function endForCancelledEvent(env: Env, orderId: string): Promise<EndResult & { ended?: "refunded" | "cancelled" }> {
  const o = await getOrder(env, orderId);
  if (!o) return { ok: false, status: "not_found", reason: "not_found" };
  if (o.status === "paid" || o.status === "refunded") {
    const r = await refundPaid(env, orderId, "event_cancelled");
    return r.ok ? { ...r, ended: "refunded" } : r;
  }
  if (o.status === "pending_payment") {
    // An order already authorized is finished by `fulfil`, which checks the event first.
    const r = await cancelUnpaid(env, orderId, "event_cancelled");
    return r.ok ? { ...r, ended: "cancelled" } : r;
  }
  return { ok: true, order: o };
}

/** paid -> refunded: tickets revoked at once (same transaction); money and seats follow in `settle`. */
export async function refundPaid(env: Env, orderId: string, reason: string): Promise<EndResult> {
  const now = isoNow();
  const [moved] = await env.DB.batch([
    env.DB.prepare(
      "UPDATE orders SET status = 'refunded', failure_reason = ?, updated_at = ? WHERE id = ? AND status = 'paid'",
    ).bind(reason, now, orderId),
    env.DB.prepare(
      `UPDATE tickets SET status = 'revoked', revoked_at = ?
       WHERE order_id = ? AND status != 'revoked' AND (SELECT status FROM orders WHERE id = ?) = 'refunded'`,
    ).bind(now, orderId, orderId),
  ]);
  const o = await getOrder(env, orderId);
  if (!o) return { ok: false, status: "not_found", reason: "not_found" };
  if (moved?.meta.changes !== 1 && o.status !== "refunded") return { ok: false, status: o.status, reason: "not_paid" };
  await settle(env, o);
  // As settled (refunded_at, refunded_cents), for the answer.
  return { ok: true, order: (await getOrder(env, orderId)) ?? o };
}

/**
 * The provider reports the whole amount returned (a refund made in its dashboard, or the echo
 * of ours). A partial refund leaves the order paid and its tickets valid.
 */
export const refundedInFull = (o: Pick<OrderRow, "amountCents" | "refundedCents">) =>
  o.amountCents > 0 && o.refundedCents >= o.amountCents;

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
export async function settle(env: Env, o: OrderRow): Promise<void> {
  switch (o.status) {
    case "pending_payment":
      return;
    case "paid":
      if (refundedInFull(o)) {
        // The provider has returned the money already; asking it again would be a wasted call.
        await setStep(env, o.id, "refunded_at");
        await refundPaid(env, o.id, "refunded_at_provider");
        return;
      }
      return queueConfirmationEmail(env, o);
    case "failed":
    case "cancelled": {
      await env.DB.batch(releasePromoStatements(env, o.id));
      await returnSeats(env, o);
      await voidPayment(env, o);
      return;
    }
    case "refunded": {
      if (o.paymentId && !o.refundedAt) {
        const r = await paymentProvider(env).refund(o.paymentId);
        if (!r.ok) throw new Error(`order ${o.id}: refund refused (${r.status})`);
        await markRefunded(env, o.id);
      }
      await returnSeats(env, o);
      return;
    }
  }
}

async function returnSeats(env: Env, o: OrderRow): Promise<void> {
  if (o.seatsReturnedAt) return;
  const ledger = ledgerOf(env, o);
  if (!o.seatsConfirmedAt) {
    const released = await ledger.releaseHold(o.holdId);
    if (released.ok || released.reason === "not_found" || released.reason === "expired" || released.reason === "released" || released.reason === "returned") {
      return setStep(env, o.id, "seats_returned_at");
    }
    // `sold`: confirmed before a crash kept us from recording it. Fall through and return them.
    if (released.reason !== "sold") throw new Error(`order ${o.id}: release hold: ${released.reason}`);
  }
  const returned = await ledger.returnSold(o.holdId);
  if (!returned.ok && returned.reason === "unavailable") throw new Error(`order ${o.id}: return seats: unavailable`);
  await setStep(env, o.id, "seats_returned_at");
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
  await setStep(env, o.id, "voided_at");
}
