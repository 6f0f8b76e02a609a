import { and, eq, inArray } from "drizzle-orm";
import { isoNow } from "../../durable-objects/checkout/order-rows";
import type { CallContext } from "../../shared/call-context";
import { OPEN_ORDER_STATUSES } from "../../shared/order-state";
import type { EventRow } from "../../platform/db/event-rows";
import { db } from "../../platform/db/client";
import { events, orders } from "../../platform/db/schema";
import { tellSections } from "../catalog/sale-state";
import { sectionsOf } from "../catalog/venues";

export interface EventCancelSummary {
  event_id: string;
  status: "cancelled";
  orders_refunded: number;
  orders_cancelled: number;
  orders_retrying: number;
}

/**
 * Cancels an event: no new holds (state `cancelled`, then every section told, so no section
 * takes a hold once this has answered), every paid order refunded (tickets revoked), every
 * unpaid one cancelled. Repeating it finishes whatever is left, telling the sections again.
 * Orders being authorized right now are caught by the saga itself, which checks the event
 * before selling.
 */
export async function cancelEvent(env: Env, event: EventRow, ctx?: CallContext): Promise<EventCancelSummary> {
  if (event.state !== "cancelled") {
    await db(env)
      .update(events)
      .set({ state: "cancelled", cancelledAt: isoNow() })
      .where(eq(events.id, event.id))
      .run();
  }
  // Also for a draft: a publish racing this cancel may tell its sections `published` after
  // this read; the section keeps whichever cancel it was told (a cancel there is final).
  const sections = (await sectionsOf(env, [event.venueId])).get(event.venueId) ?? [];
  await tellSections(env, { ...event, state: "cancelled" }, sections.map((s) => s.key));
  const open = await db(env)
    .select({ id: orders.id, status: orders.status })
    .from(orders)
    .where(and(eq(orders.eventId, event.id), inArray(orders.status, OPEN_ORDER_STATUSES)))
    .all();
  const summary: EventCancelSummary = { event_id: event.id, status: "cancelled", orders_refunded: 0, orders_cancelled: 0, orders_retrying: 0 };
  // Bounded fan-out: each order's saga serializes its own steps.
  for (let i = 0; i < open.length; i += 20) {
    await Promise.all(
      open.slice(i, i + 20).map(async (o) => {
        const r = await env.CHECKOUT.getByName(o.id).end(o.id, "event_cancelled", ctx);
        if (!r.ok) summary.orders_retrying++;
        else if (r.ended === "refunded") summary.orders_refunded++;
        else if (r.ended === "cancelled") summary.orders_cancelled++;
      }),
    );
  }
  return summary;
}
