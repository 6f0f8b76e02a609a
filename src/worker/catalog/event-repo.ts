import { eq } from "drizzle-orm";
import { db } from "../db/client";
import { events } from "../db/schema";
import { notFound } from "../errors";

export type EventRow = typeof events.$inferSelect;

/** The public lifecycle status, derived from the stored state and the clock. */
export type PublicStatus = "draft" | "scheduled" | "on_sale" | "ended" | "cancelled";

export function publicStatus(event: Pick<EventRow, "state" | "onSaleAt" | "endsAt">, now = Date.now()): PublicStatus {
  if (event.state !== "published") return event.state;
  if (now >= Date.parse(event.endsAt)) return "ended";
  return now >= Date.parse(event.onSaleAt) ? "on_sale" : "scheduled";
}

export async function getEvent(env: Pick<Env, "DB">, eventId: string): Promise<EventRow | undefined> {
  return db(env).select().from(events).where(eq(events.id, eventId)).get();
}

/**
 * What can change about an event after it is created, read fresh: whether it is on sale now
 * (state and sale window) and its waiting room. The hold path reads this on every hold because
 * a cancel must stop new holds at once, in every isolate and location, which no cache can promise.
 */
export async function getSaleState(env: Pick<Env, "DB">, eventId: string) {
  return db(env)
    .select({ state: events.state, onSaleAt: events.onSaleAt, endsAt: events.endsAt, waitingRoom: events.waitingRoom })
    .from(events)
    .where(eq(events.id, eventId))
    .get();
}

/** The organizer's own event; another organizer's is indistinguishable from a missing one (404). */
export async function getOwnEvent(env: Pick<Env, "DB">, organizerId: string, eventId: string): Promise<EventRow> {
  const event = await getEvent(env, eventId);
  if (!event || event.organizerId !== organizerId) throw notFound("Event");
  return event;
}
