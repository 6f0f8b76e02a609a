import { and, eq } from "drizzle-orm";
import { getOrder, getOrderTickets, type OrderRow } from "../../durable-objects/checkout/order-rows";
import { getOwnEvent } from "../catalog/event-repo";
import { db } from "../../platform/db/client";
import { orders } from "../../platform/db/schema";
import { notFound } from "../errors";
import { ticketJson, type TicketRow } from "../tickets/view";

/** The caller's own order; anyone else's is indistinguishable from a missing one. */
export async function getOwnOrder(env: Pick<Env, "DB">, userId: string, orderId: string): Promise<OrderRow> {
  const row = await db(env)
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.userId, userId)))
    .get();
  if (!row) throw notFound("Order");
  return row;
}

/** An order of one of the organizer's events; any other is indistinguishable from a missing one. */
export async function getOrganizerOrder(env: Pick<Env, "DB">, organizerId: string, orderId: string): Promise<OrderRow> {
  const order = await getOrder(env, orderId);
  if (!order) throw notFound("Order");
  await getOwnEvent(env, organizerId, order.eventId).catch(() => {
    throw notFound("Order");
  });
  return order;
}

/** An order as `GET /api/v1/orders/:id` shows it, with its tickets read from D1. */
export async function orderWithTickets(env: Pick<Env, "DB" | "PUBLIC_ORIGIN">, o: OrderRow) {
  return orderJson(env, o, await getOrderTickets(env, [o.id]));
}

/** The answer of `POST /api/v1/orders` (contract), plus `currency` and the hold's `expires_at`. */
export function placedOrderJson(
  o: Pick<OrderRow, "id" | "status" | "amountCents" | "discountCents" | "currency" | "holdExpiresAt" | "paymentProvider" | "paymentId" | "clientSecret">,
) {
  return {
    order_id: o.id,
    status: o.status,
    amount_cents: o.amountCents,
    discount_cents: o.discountCents,
    currency: o.currency,
    expires_at: o.holdExpiresAt,
    payment: { provider: o.paymentProvider, payment_id: o.paymentId, client_secret: o.clientSecret },
  };
}

/** `GET /api/v1/orders/:id` (contract `{order_id, status, tickets}` plus details). */
export function orderJson(env: Pick<Env, "PUBLIC_ORIGIN">, o: OrderRow, ts: TicketRow[]) {
  return {
    order_id: o.id,
    event_id: o.eventId,
    hold_id: o.holdId,
    status: o.status,
    failure_reason: o.failureReason,
    subtotal_cents: o.subtotalCents,
    discount_cents: o.discountCents,
    amount_cents: o.amountCents,
    /** Returned so far (our refunds and the provider's, partial ones included). */
    refunded_cents: o.refundedCents,
    currency: o.currency,
    created_at: o.createdAt,
    paid_at: o.paidAt,
    payment: {
      provider: o.paymentProvider,
      payment_id: o.paymentId,
      // Only useful (and only shown) while the buyer still has to pay.
      ...(o.status === "pending_payment" ? { client_secret: o.clientSecret } : {}),
    },
    /** Resale payouts of this order's tickets (a ledger, not a bank transfer). */
    resold_cents: o.resoldCents,
    // A ticket passed on (transfer) keeps its order id but belongs to its new holder.
    tickets: ts.filter((t) => t.orderId === o.id && t.userId === o.userId).map((t) => ticketJson(env, t)),
  };
}
