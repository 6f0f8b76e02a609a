/** Reads of order rows that the checkout saga's steps resume from (D1 through drizzle). */
import { asc, eq, inArray } from "drizzle-orm";
import { db } from "../../platform/db/client";
import { orderItems, orders, tickets } from "../../platform/db/schema";

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
export async function getOrderTickets(env: Pick<Env, "DB">, orderIds: string[]): Promise<(typeof tickets.$inferSelect)[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < orderIds.length; i += TICKET_LOOKUP_CHUNK) chunks.push(orderIds.slice(i, i + TICKET_LOOKUP_CHUNK));
  const found = await Promise.all(chunks.map((ids) => db(env).select().from(tickets).where(inArray(tickets.orderId, ids)).all()));
  return found.flat();
}
