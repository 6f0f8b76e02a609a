import { asc, eq, inArray } from "drizzle-orm";
import { db } from "../db/client";
import { orderItems, orders, tickets } from "../db/schema";
import { ticketJson, type TicketRow } from "../tickets/view";

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;

export const isoNow = () => new Date().toISOString();

export function getOrder(env: Pick<Env, "DB">, orderId: string): Promise<OrderRow | undefined> {
  return db(env).select().from(orders).where(eq(orders.id, orderId)).get();
}

export function getOrderItems(env: Pick<Env, "DB">, orderId: string): Promise<OrderItemRow[]> {
  return db(env).select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.position)).all();
}

// D1 binds at most 100 parameters per statement, and a page of orders may hold 200 ids.
const TICKET_LOOKUP_CHUNK = 90;

/** The tickets of any number of orders (looked up in chunks that D1 accepts). */
export async function getOrderTickets(env: Pick<Env, "DB">, orderIds: string[]): Promise<TicketRow[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < orderIds.length; i += TICKET_LOOKUP_CHUNK) chunks.push(orderIds.slice(i, i + TICKET_LOOKUP_CHUNK));
  const found = await Promise.all(chunks.map((ids) => db(env).select().from(tickets).where(inArray(tickets.orderId, ids)).all()));
  return found.flat();
}

/** The answer of `POST /api/v1/orders` (contract), plus `currency` and the hold's `expires_at`. */
export function placedOrderJson(o: OrderRow) {
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
    tickets: ts.filter((t) => t.orderId === o.id).map((t) => ticketJson(env, t)),
  };
}
