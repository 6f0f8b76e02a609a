/** Reads of order rows that the checkout saga's steps resume from (D1 through drizzle). */
import { asc, eq, inArray, sql } from "drizzle-orm";
import { db } from "../../platform/db/client";
import type { EventRow } from "../../platform/db/event-rows";
import { events, orderItems, orders, resaleListings, tickets } from "../../platform/db/schema";

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;

export const isoNow = () => new Date().toISOString();

export function getOrder(env: Pick<Env, "DB">, orderId: string): Promise<OrderRow | undefined> {
  return db(env).select().from(orders).where(eq(orders.id, orderId)).get();
}

/** The order and its event, read together (one D1 call). */
export async function getOrderAndEvent(env: Pick<Env, "DB">, orderId: string): Promise<{ order?: OrderRow; event?: EventRow }> {
  const d = db(env);
  const [order, event] = await d.batch([
    d.select().from(orders).where(eq(orders.id, orderId)),
    d.select().from(events).where(eq(events.id, sql`(SELECT event_id FROM orders WHERE id = ${orderId})`)),
  ]);
  return { order: order[0], event: event[0] };
}

/**
 * Everything a fulfil pass reads before its writes, in one D1 call: the order, its event, its
 * items, the tickets issued so far and the resale listing its hold bought (if any).
 */
export async function getFulfilRows(env: Pick<Env, "DB">, orderId: string) {
  const d = db(env);
  const holdOf = sql`(SELECT hold_id FROM orders WHERE id = ${orderId})`;
  const [order, event, items, issued, listing] = await d.batch([
    d.select().from(orders).where(eq(orders.id, orderId)),
    d.select().from(events).where(eq(events.id, sql`(SELECT event_id FROM orders WHERE id = ${orderId})`)),
    d.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.position)),
    d.select({ orderItemId: tickets.orderItemId }).from(tickets).where(eq(tickets.orderId, orderId)),
    d.select({ id: resaleListings.id }).from(resaleListings).where(eq(resaleListings.holdId, holdOf)),
  ]);
  return {
    order: order[0] as OrderRow | undefined,
    event: event[0] as EventRow | undefined,
    items,
    issuedItemIds: new Set(issued.map((t) => t.orderItemId)),
    listing: listing[0] as { id: string } | undefined,
  };
}

export function getOrderItems(env: Pick<Env, "DB">, orderId: string): Promise<OrderItemRow[]> {
  return db(env).select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.position)).all();
}

// D1 binds at most 100 parameters per statement, and a page of orders may hold 200 ids.
const TICKET_LOOKUP_CHUNK = 90;

/** The tickets of any number of orders (looked up in chunks that D1 accepts). */
export async function getOrderTickets(env: Pick<Env, "DB">, orderIds: string[]): Promise<(typeof tickets.$inferSelect)[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < orderIds.length; i += TICKET_LOOKUP_CHUNK) chunks.push(orderIds.slice(i, i + TICKET_LOOKUP_CHUNK));
  const found = await Promise.all(chunks.map((ids) => db(env).select().from(tickets).where(inArray(tickets.orderId, ids)).all()));
  return found.flat();
}
