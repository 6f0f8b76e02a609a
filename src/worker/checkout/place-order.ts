import { eq } from "drizzle-orm";
import { getEvent, publicStatus } from "../catalog/event-repo";
import { db } from "../db/client";
import { orders } from "../db/schema";
import { conflict, notFound, unavailable, unprocessable } from "../errors";
import { newId } from "../../shared/ids";
import { parseHoldId } from "../../shared/inventory/hold-id";
import { buyerLedger } from "../inventory/ledger";
import type { HoldView } from "../../shared/inventory/types";
import { paymentProvider } from "../payments";
import {
  discountFor,
  findApplicablePromo,
  promoInvalid,
  rejectionAfterFailedReserve,
  releasePromoStatements,
  reservePromoStatements,
  type PromoRow,
} from "../promo/promo-codes";
import { getOrder, placedOrderJson } from "./order-repo";

export interface PlaceOrderInput {
  holdId: string;
  promoCode?: string | undefined;
}

/**
 * Turns the buyer's own live hold into a `pending_payment` order with a payment
 * authorization. Side effects happen in an order that leaves nothing behind on refusal:
 * the hold and promo are checked first, then order + promo reservation are written in one
 * transaction, then the provider authorizes (undone if that fails).
 */
export async function placeOrder(env: Env, userId: string, input: PlaceOrderInput) {
  const parsed = parseHoldId(input.holdId);
  if (!parsed) throw notFound("Hold");
  const { eventId } = parsed;
  // The ledger is the buyer's own: someone else's hold id is simply not found there.
  const hold = await buyerLedger(env, eventId, userId).getHold(input.holdId);
  if (!hold.ok) {
    if (hold.reason === "not_found") throw notFound("Hold");
    throw conflict("hold_expired", "The hold has expired or was released; hold the seats again.", { reason: hold.reason });
  }
  const event = await getEvent(env, eventId);
  const status = event ? publicStatus(event) : "cancelled";
  if (!event || status === "cancelled" || status === "ended") {
    throw unprocessable("not_on_sale", `This event is not on sale (${status}).`, { status });
  }
  const existing = await db(env).select({ id: orders.id }).from(orders).where(eq(orders.holdId, input.holdId)).get();
  if (existing || hold.status !== "held") {
    throw conflict("hold_already_ordered", "An order already exists for this hold.", existing ? { order_id: existing.id } : undefined);
  }

  const promo = input.promoCode ? await findApplicablePromo(env, eventId, input.promoCode) : undefined;
  const subtotal = hold.totalCents;
  const discount = promo ? discountFor(promo, subtotal) : 0;
  const orderId = newId("ord");

  // The order, the payment and later refunds are all in the event's currency (fixed once published).
  const currency = event.currency;
  await writeOrder(env, { orderId, userId, eventId, currency, hold, subtotal, discount, promo }, input.promoCode ?? "");
  const provider = paymentProvider(env);
  const saga = env.CHECKOUT.getByName(orderId);
  let auth;
  try {
    // From here on the saga owns the order's fate: it fails it if no payment arrives in time.
    await saga.start(orderId, hold.expiresAt);
    if (subtotal - discount > 0) {
      auth = await provider.createAuthorization({
        orderId,
        amountCents: subtotal - discount,
        currency,
        idempotencyKey: `order-${orderId}`,
      });
    }
  } catch (err) {
    console.error("order could not be started", orderId, err);
    // Undone entirely (no payment exists yet), so the buyer can retry with the same hold.
    await env.DB.batch([
      ...releasePromoStatements(env, orderId),
      env.DB.prepare("DELETE FROM order_items WHERE order_id = ?").bind(orderId),
      env.DB.prepare("DELETE FROM orders WHERE id = ? AND payment_id IS NULL").bind(orderId),
    ]);
    throw unavailable(5, "The payment provider is unavailable; try again shortly.");
  }
  if (!auth) {
    // Nothing to pay (a 100% promo): no provider involved, the seats are sold right away.
    await db(env).update(orders).set({ paymentProvider: "none" }).where(eq(orders.id, orderId)).run();
    await saga.paymentEvent(orderId, "authorized");
    return placedOrderJson((await getOrder(env, orderId))!);
  }
  const updated = await db(env)
    .update(orders)
    .set({ paymentProvider: provider.name, paymentId: auth.paymentId, clientSecret: auth.clientSecret })
    .where(eq(orders.id, orderId))
    .returning()
    .get();
  // The saga never deletes an order, so the row written above is still there.
  return placedOrderJson(updated!);
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
}

async function writeOrder(env: Env, o: NewOrder, code: string): Promise<void> {
  const promoStatements = o.promo
    ? reservePromoStatements(env, { promoId: o.promo.id, userId: o.userId, orderId: o.orderId, redemptionId: newId("prd") })
    : [];
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
    o.subtotal - o.discount,
    o.currency,
    o.promo?.id ?? null,
    new Date(o.hold.expiresAt).toISOString(),
  );
  const insertItems = orderItemRows(o).map((it, position) =>
    env.DB.prepare(
      `INSERT INTO order_items (id, order_id, position, event_id, section_key, seat_label, price_cents)
       SELECT ?2, ?1, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM orders WHERE id = ?1)`,
    ).bind(o.orderId, newId("itm"), position, o.eventId, it.section, it.seatLabel, it.priceCents),
  );
  let results;
  try {
    results = await env.DB.batch([...promoStatements, insertOrder, ...insertItems]);
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
