/**
 * Pages of orders, newest first, keyset-paged on (created_at, id): a buyer's history
 * (`GET /api/v1/me/orders`) and an event's orders for its organizer.
 */
import { and, desc, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { db } from "../../platform/db/client";
import { orders } from "../../platform/db/schema";
import { idPattern } from "../../shared/ids";
import { decodeKeyCursor, encodeKeyCursor, optionalParam as optional } from "../paging";
import { getOrderTickets, type OrderRow } from "../../durable-objects/checkout/order-rows";
import type { TicketRow } from "../tickets/view";

/**
 * Before paging existed this route answered at most 200 orders. The default page is those
 * same 200, so a client that never sends `limit` sees exactly what it saw before (plus a
 * `next_cursor` when there is more); the maximum is also 200 because every order carries its
 * tickets, which bounds the work and the body of one page.
 */
const MY_ORDERS_PAGE_MAX = 200;

type Cursor = { createdAt: string; id: string };

// `created_at` as the orders table writes it (strftime '%Y-%m-%dT%H:%M:%fZ' or toISOString()).
const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ORDER_ID = idPattern("ord");

/** Opaque to clients: the last order's `[created_at, id]` (src/worker/paging.ts). */
const encodeOrdersCursor = (c: Cursor): string => encodeKeyCursor([c.createdAt, c.id]);

/**
 * The cursor, or null when it was not made by `encodeOrdersCursor`. The values are checked
 * too, so a cursor of another listing (an event search cursor is the same kind of pair) is
 * refused rather than silently positioning this one.
 */
function decodeOrdersCursor(text: string): Cursor | null {
  const pair = decodeKeyCursor(text);
  return pair && CREATED_AT.test(pair[0]) && ORDER_ID.test(pair[1]) ? { createdAt: pair[0], id: pair[1] } : null;
}

/** `?cursor=`: comes out decoded; one that does not decode is a 400 on `cursor`. */
export const OrdersCursorParam = optional(
  z
    .string()
    .max(200)
    .transform((text, ctx) => {
      const cursor = decodeOrdersCursor(text);
      if (!cursor) ctx.addIssue({ code: "custom", message: "Unknown cursor." });
      return cursor ?? z.NEVER;
    }),
);

export const MyOrdersQuery = z.object({
  limit: optional(z.coerce.number().int().min(1).max(MY_ORDERS_PAGE_MAX)).default(MY_ORDERS_PAGE_MAX),
  cursor: OrdersCursorParam,
});

/**
 * One page of the orders that `filter` selects, newest first (ties on `created_at` broken by
 * id), with their tickets, and the cursor of the next page (null on the last). Keyset paging
 * rather than offsets: an order placed while a client walks the pages is newer than its
 * cursor, so it cannot shift the rest and no order is skipped or repeated.
 */
export async function orderPage(
  env: Pick<Env, "DB">,
  filter: SQL | undefined,
  limit: number,
  after: Cursor | null | undefined,
): Promise<{ rows: OrderRow[]; tickets: TicketRow[]; next: string | null }> {
  const rows = await db(env)
    .select()
    .from(orders)
    .where(
      and(
        filter,
        // Row-value comparison: with a buyer filter SQLite searches orders_user_idx (user_id, created_at) with it.
        after ? sql`(${orders.createdAt}, ${orders.id}) < (${after.createdAt}, ${after.id})` : undefined,
      ),
    )
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  const tickets = await getOrderTickets(env, page.map((o) => o.id));
  const last = page.at(-1);
  return {
    rows: page,
    tickets,
    next: rows.length > limit && last ? encodeOrdersCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
