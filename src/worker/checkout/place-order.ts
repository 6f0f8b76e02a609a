import { and, eq, isNull } from "drizzle-orm";
import { getOrder, type OrderRow } from "../../durable-objects/checkout/order-rows";
import { publicStatus, type EventRow } from "../../platform/db/event-rows";
import { db } from "../../platform/db/client";
import { events, orders } from "../../platform/db/schema";
import { conflict, notFound, unavailable, unprocessable } from "../errors";
import type { CallContext } from "../../shared/call-context";
import { newId } from "../../shared/ids";
import { parseHoldId } from "../../shared/inventory/hold-id";
import { ledgerOfHold } from "../../durable-objects/buyer-ledger-handle";
import type { HoldView } from "../../shared/inventory/types";
import { paymentProvider } from "../../platform/payments";
import {
  discountFor,
  findApplicablePromo,
  promoInvalid,
  rejectionAfterFailedReserve,
  type PromoRow,
} from "../promo/promo-codes";
import { releasePromoStatements, reservePromoStatements } from "../../durable-objects/checkout/promo-statements";
import { linkOrderStatement, storeAnswerStatement, unlinkOrderStatement, type KeyClaim, type StoredResponse } from "./idempotency";
import { placedOrderJson } from "./order-repo";

export interface PlaceOrderInput {
  holdId: string;
  promoCode?: string | undefined;
}

/**
 * Turns the buyer's own live hold into a `pending_payment` order with a payment
 * authorization. Side effects happen in an order that leaves nothing behind on refusal:
 * the hold and promo are checked first, then order + promo reservation (+ the request's
 * Idempotency-Key, when given) are written in one transaction, then the saga takes the order
 * and the provider authorizes (undone if that fails), and the payment is recorded together
 * with the key's answer.
 */
export async function placeOrder(env: Env, userId: string, input: PlaceOrderInput, claim?: KeyClaim, ctx?: CallContext) {
  return (await placeOrderAnswer(env, userId, input, claim, ctx)).body;
}

/**
 * `placeOrder` as the answer of `POST /api/v1/orders`. With `claim`, that answer is usually
 * stored for the key already, with the payment (`stored: true`), so `idempotent` writes nothing more.
 */
export async function placeOrderAnswer(
  env: Env,
  userId: string,
  input: PlaceOrderInput,
  claim?: KeyClaim,
  ctx?: CallContext,
): Promise<StoredResponse & { body: ReturnType<typeof placedOrderJson>; stored: boolean }> {
  const parsed = parseHoldId(input.holdId);
  if (!parsed) throw notFound("Hold");
  const { eventId } = parsed;
  // The ledger answers for the caller's holds only: someone else's hold id is not found there.
  const hold = await ledgerOfHold(env, input.holdId, userId)!.getHold(input.holdId, userId);
  if (!hold.ok) {
    if (hold.reason === "not_found") throw notFound("Hold");
    throw conflict("hold_expired", "The hold has expired or was released; hold the seats again.", { reason: hold.reason });
  }
  const { event, existing } = await eventAndOrderOfHold(env, eventId, input.holdId);
  const status = event ? publicStatus(event) : "cancelled";
  if (!event || status === "cancelled" || status === "ended") {
    throw unprocessable("not_on_sale", `This event is not on sale (${status}).`, { status });
  }
  if (existing || hold.status !== "held") {
    throw conflict("hold_already_ordered", "An order already exists for this hold.", existing ? { order_id: existing.id } : undefined);
  }

  // The seller is paid the listing's price: the organizer's promo codes do not apply to resale.
  if (input.promoCode && hold.listingId) {
    throw unprocessable("promo_invalid", "Promo codes do not apply to resale tickets.", { code: input.promoCode });
  }
  const promo = input.promoCode ? await findApplicablePromo(env, eventId, input.promoCode) : undefined;
  const subtotal = hold.totalCents;
  const discount = promo ? discountFor(promo, subtotal) : 0;
  const orderId = newId("ord");

  // The order, the payment and later refunds are all in the event's currency (fixed once published).
  const currency = event.currency;
  const written = await writeOrder(env, { orderId, userId, eventId, currency, hold, subtotal, discount, promo, claim }, input.promoCode ?? "");
  let placed;
  try {
    placed = await startPayment(env, written, ctx, claim);
  } catch (err) {
    console.error("order could not be started", orderId, err);
    // Undone entirely (no payment recorded yet), so the buyer can retry with the same hold.
    await undoOrder(env, orderId, claim);
    throw unavailable(5, "The payment provider is unavailable; try again shortly.");
  }
  // Only an order without a payment is ever removed, and only by this request: the row is there.
  return { status: PLACED, body: placedOrderJson(placed!.order), stored: placed!.stored };
}

/** The status of `POST /api/v1/orders`'s answer. */
const PLACED = 201;

/**
 * The answer for an order whose request died after writing it (the order is the key's
 * outcome): finishes what that request had left to do, then answers as it would have.
 * Null when the order is gone (its request failed and undid it) or cannot be finished now.
 */
export async function resumeOrder(env: Env, orderId: string, ctx?: CallContext) {
  const o = await getOrder(env, orderId);
  if (!o) return null;
  try {
    const placed = await startPayment(env, o, ctx);
    return placed ? placedOrderJson(placed.order) : null;
  } catch (err) {
    // Never undone from here: the first request may still be running (a provider may refuse
    // the same idempotency key twice at once). A later retry resumes again.
    console.error("order could not be resumed", orderId, err);
    return null;
  }
}

/**
 * What follows the order's write: the saga owns the order's fate from here (it fails it if no
 * payment arrives in time), then the payment is authorized and recorded. Every part is
 * idempotent (the saga's start, the provider's idempotency key, a payment recorded only once),
 * so a retry of a request that died half-way may run it again, even while that request still runs.
 *
 * With `claim`, the request's answer is stored with the payment, in the same transaction:
 * `stored` says so, and then the key needs no write of its own.
 */
async function startPayment(
  env: Env,
  o: PlacedOrder,
  ctx?: CallContext,
  claim?: KeyClaim,
): Promise<{ order: PlacedOrderView; stored: boolean } | undefined> {
  const saga = env.CHECKOUT.getByName(o.id);
  if (o.status === "pending_payment" && !o.paymentProvider) {
    await saga.start(o.id, Date.parse(o.holdExpiresAt), ctx);
    if (o.amountCents > 0) {
      const provider = paymentProvider(env);
      const auth = await provider.createAuthorization({
        orderId: o.id,
        amountCents: o.amountCents,
        currency: o.currency,
        idempotencyKey: `order-${o.id}`,
      });
      const payment = { paymentProvider: provider.name, paymentId: auth.paymentId, clientSecret: auth.clientSecret };
      const recorded = await recordPaymentAndAnswer(env, o, payment, claim);
      if (recorded) return recorded;
      // Recorded by a concurrent retry first (or the order moved on): the order as it now is.
      return found(await getOrder(env, o.id));
    }
    await recordPayment(env, o.id, { paymentProvider: NO_PAYMENT });
  }
  // Nothing to pay (a 100% promo): no provider involved, the seats are sold right away
  // (again after a crash: the saga does nothing for an order already sold).
  if (o.status === "pending_payment" && o.amountCents === 0) await saga.paymentEvent(o.id, "authorized", ctx);
  return found(await getOrder(env, o.id));
}

const found = (order: OrderRow | undefined) => order && { order, stored: false };

/**
 * Records the provider's payment on the order (once) and, with `claim`, the request's answer
 * for its Idempotency-Key in the same batch: one write transaction where there were two. The
 * answer is the order as this write leaves it (the row just written plus the payment); its
 * statement checks exactly that (this payment, still pending, key not answered yet), so a
 * stored answer never differs from what `placedOrderJson` of the row would say. Undefined when
 * the payment was recorded already or the order is no longer pending: the caller reads it back.
 */
async function recordPaymentAndAnswer(
  env: Env,
  o: PlacedOrder,
  payment: { paymentProvider: string; paymentId: string; clientSecret: string | null },
  claim: KeyClaim | undefined,
): Promise<{ order: PlacedOrderView; stored: boolean } | undefined> {
  const order: PlacedOrderView = { ...o, ...payment };
  const record = env.DB.prepare(
    `UPDATE orders SET payment_provider = ?2, payment_id = ?3, client_secret = ?4
     WHERE id = ?1 AND payment_provider IS NULL RETURNING status`,
  ).bind(o.id, payment.paymentProvider, payment.paymentId, payment.clientSecret);
  if (!claim) {
    const row = await record.first<{ status: OrderRow["status"] }>();
    return row?.status === o.status ? { order, stored: false } : undefined;
  }
  const answer = storeAnswerStatement(env, claim, { status: PLACED, body: placedOrderJson(order) }, {
    sql: `EXISTS (SELECT 1 FROM orders WHERE id = ? AND status = ? AND payment_id IS ? AND client_secret IS ?)`,
    binds: [o.id, o.status, payment.paymentId, payment.clientSecret],
  });
  const [recorded, stored] = await env.DB.batch<{ status: OrderRow["status"] }>([record, answer]);
  if (recorded?.results[0]?.status !== o.status) return undefined;
  return { order, stored: (stored?.meta.changes ?? 0) > 0 };
}

/** `payment_provider` of a free order. */
const NO_PAYMENT = "none";

/** What `startPayment` needs of an order: the row just written, or one read back on a retry. */
type PlacedOrder = Pick<
  OrderRow,
  "id" | "status" | "amountCents" | "discountCents" | "currency" | "holdExpiresAt" | "paymentProvider"
>;
/** What the answer shows of an order (`placedOrderJson`). */
type PlacedOrderView = PlacedOrder & Pick<OrderRow, "paymentId" | "clientSecret">;

/** The event (read fresh: whether it is on sale must be exact) and any order of the hold, in one D1 call. */
async function eventAndOrderOfHold(env: Pick<Env, "DB">, eventId: string, holdId: string) {
  const d = db(env);
  const [event, existing] = await d.batch([
    d.select().from(events).where(eq(events.id, eventId)),
    d.select({ id: orders.id }).from(orders).where(eq(orders.holdId, holdId)),
  ]);
  return { event: event[0] as EventRow | undefined, existing: existing[0] };
}

/** No payment (a free order) on the order, once. */
async function recordPayment(env: Pick<Env, "DB">, orderId: string, payment: Pick<OrderRow, "paymentProvider">): Promise<void> {
  await db(env)
    .update(orders)
    .set(payment)
    .where(and(eq(orders.id, orderId), isNull(orders.paymentProvider)))
    .run();
}

/**
 * Removes an order that never got a payment recorded, gives its promo use back and frees its
 * Idempotency-Key's outcome, in one transaction. Each statement checks that the order has no
 * payment, so an order that a concurrent retry finished is left whole.
 */
async function undoOrder(env: Pick<Env, "DB">, orderId: string, claim: KeyClaim | undefined): Promise<void> {
  const unpaid = "EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND payment_provider IS NULL)";
  await env.DB.batch([
    env.DB.prepare(`DELETE FROM order_items WHERE order_id = ?1 AND ${unpaid}`).bind(orderId),
    env.DB.prepare("DELETE FROM orders WHERE id = ?1 AND payment_provider IS NULL").bind(orderId),
    // After the delete: the key and the promo use of an order that is gone now are freed.
    ...(claim ? [unlinkOrderStatement(env, claim, orderId)] : []),
    ...releasePromoStatements(env, orderId, { onlyIfOrderGone: true }),
  ]);
}

interface NewOrder {
  orderId: string;
  userId: string;
  eventId: string;
  currency: string;
  hold: HoldView;
  subtotal: number;
  discount: number;
  promo: PromoRow | undefined;
  /** The request's Idempotency-Key: the order becomes its outcome in the same transaction. */
  claim: KeyClaim | undefined;
}

async function writeOrder(env: Env, o: NewOrder, code: string): Promise<PlacedOrder> {
  const promoStatements = o.promo
    ? reservePromoStatements(env, { promoId: o.promo.id, userId: o.userId, orderId: o.orderId, redemptionId: newId("prd") })
    : [];
  const amountCents = o.subtotal - o.discount;
  const holdExpiresAt = new Date(o.hold.expiresAt).toISOString();
  const insertOrder = env.DB.prepare(
    `INSERT INTO orders (id, user_id, event_id, hold_id, status, subtotal_cents, discount_cents, amount_cents,
                         currency, promo_code_id, hold_expires_at)
     SELECT ?1, ?2, ?3, ?4, 'pending_payment', ?5, ?6, ?7, ?8, ?9, ?10
     WHERE ?9 IS NULL OR EXISTS (SELECT 1 FROM promo_redemptions WHERE order_id = ?1 AND state = 'reserved')`,
  ).bind(
    o.orderId,
    o.userId,
    o.eventId,
    o.hold.holdId,
    o.subtotal,
    o.discount,
    amountCents,
    o.currency,
    o.promo?.id ?? null,
    holdExpiresAt,
  );
  const insertItems = orderItemRows(o).map((it, position) =>
    env.DB.prepare(
      `INSERT INTO order_items (id, order_id, position, event_id, section_key, seat_label, price_cents)
       SELECT ?2, ?1, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM orders WHERE id = ?1)`,
    ).bind(o.orderId, newId("itm"), position, o.eventId, it.section, it.seatLabel, it.priceCents),
  );
  let results;
  try {
    const link = o.claim ? [linkOrderStatement(env, o.claim, o.orderId)] : [];
    results = await env.DB.batch([...promoStatements, insertOrder, ...insertItems, ...link]);
  } catch (err) {
    // Two orders for one hold under different Idempotency-Keys: the unique index decides.
    if (String(err).includes("UNIQUE constraint failed: orders.hold_id")) {
      throw conflict("hold_already_ordered", "An order already exists for this hold.");
    }
    throw err;
  }
  const orderInserted = (results[promoStatements.length]?.meta.changes ?? 0) === 1;
  if (!orderInserted && o.promo) throw promoInvalid(await rejectionAfterFailedReserve(env, o.promo, o.userId), code);
  if (!orderInserted) throw new Error("order insert changed no row");
  return {
    id: o.orderId,
    status: "pending_payment",
    amountCents,
    discountCents: o.discount,
    currency: o.currency,
    holdExpiresAt,
    paymentProvider: null,
  };
}

/** One item per seat (reserved) or per place (GA); the section total is spread evenly. */
function orderItemRows(o: NewOrder): { section: string; seatLabel: string | null; priceCents: number }[] {
  const rows: { section: string; seatLabel: string | null; priceCents: number }[] = [];
  for (const part of o.hold.items) {
    const labels: (string | null)[] = part.kind === "reserved" ? part.seats : Array.from({ length: part.quantity }, () => null);
    const n = labels.length;
    labels.forEach((seatLabel, i) => {
      const base = Math.floor(part.totalCents / n);
      rows.push({ section: part.section, seatLabel, priceCents: base + (i < part.totalCents - base * n ? 1 : 0) });
    });
  }
  return rows;
}
