/** The organizer's view of an event's orders: filters, buyers, and one order in full. */
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { db } from "../../platform/db/client";
import { orders, users } from "../../platform/db/schema";
import { ORDER_STATUSES } from "../../shared/order-state";
import { optionalParam } from "../paging";
import { OrdersCursorParam } from "../checkout/order-pages";
import type { OrderRow } from "../../durable-objects/checkout/order-rows";

export const AdminOrdersQuery = z.object({
  status: optionalParam(z.enum(ORDER_STATUSES)),
  /** The buyer's email, exactly (case-insensitive). */
  email: optionalParam(z.string().trim().toLowerCase().max(254)),
  /** An order id, or part of the buyer's email or name. */
  q: optionalParam(z.string().trim().min(1).max(100)),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `next_cursor` of the previous page (opaque). */
  cursor: OrdersCursorParam,
});
export type AdminOrdersQuery = z.infer<typeof AdminOrdersQuery>;

/**
 * The filter of an event's order list. Buyer conditions are `EXISTS` per order rather than a
 * search of all users, so they cost at most the event's own orders, walked in page order on
 * `orders_event_created_idx` until the page is full.
 */
export function adminOrdersFilter(eventId: string, q: AdminOrdersQuery): SQL | undefined {
  // instr rather than LIKE: D1 caps LIKE patterns at 50 bytes, and no wildcard needs escaping.
  const needle = q.q?.toLowerCase();
  return and(
    eq(orders.eventId, eventId),
    q.status ? eq(orders.status, q.status) : undefined,
    q.email ? sql`EXISTS (SELECT 1 FROM users u WHERE u.id = ${orders.userId} AND lower(u.email) = ${q.email})` : undefined,
    needle
      ? sql`(${orders.id} = ${q.q} OR EXISTS (SELECT 1 FROM users u WHERE u.id = ${orders.userId}
             AND (instr(lower(u.email), ${needle}) > 0 OR instr(lower(u.name), ${needle}) > 0)))`
      : undefined,
  );
}

export type Buyer = { user_id: string; email: string; name: string };

/** Name and email of the buyers of these orders (chunked under D1's 100 bound parameters). */
export async function buyersOf(env: Pick<Env, "DB">, rows: Pick<OrderRow, "userId">[]): Promise<Map<string, Buyer>> {
  const ids = [...new Set(rows.map((r) => r.userId))];
  const out = new Map<string, Buyer>();
  for (let i = 0; i < ids.length; i += 90) {
    const found = await db(env)
      .select({ id: users.id, email: users.email, name: users.name })
      .from(users)
      .where(inArray(users.id, ids.slice(i, i + 90)))
      .all();
    for (const u of found) out.set(u.id, { user_id: u.id, email: u.email, name: u.name });
  }
  return out;
}

/** Payment and refund state of an order, as the organizer needs it to answer a buyer. */
export function paymentState(o: OrderRow) {
  return {
    provider: o.paymentProvider,
    payment_id: o.paymentId,
    authorized_at: o.authorizedAt,
    captured_at: o.capturedAt,
    voided_at: o.voidedAt,
    refund: {
      state: o.refundedCents === 0 ? (o.status === "refunded" ? "pending" : "none") : o.refundedCents >= o.amountCents ? "full" : "partial",
      refunded_cents: o.refundedCents,
      refunded_at: o.refundedAt,
    },
  };
}

/** First entry of each of these tickets (earliest `valid` scan), with the gate's name. */
export async function checkInsOf(env: Pick<Env, "DB">, eventId: string, ticketIds: string[]) {
  const { results } = await env.DB.prepare(
    `SELECT s.ticket_id, min(s.scanned_at) AS at, (SELECT d.name FROM gate_devices d WHERE d.id = s.device_id) AS gate
     FROM gate_scans s WHERE s.event_id = ?1 AND s.verdict = 'valid' AND s.ticket_id IN (SELECT value FROM json_each(?2))
     GROUP BY s.ticket_id`,
  )
    .bind(eventId, JSON.stringify(ticketIds))
    .all<{ ticket_id: string; at: string; gate: string | null }>();
  return new Map(results.map((r) => [r.ticket_id, { checked_in_at: r.at, gate: r.gate }]));
}
