import { eq } from "drizzle-orm";
import { getEvent, type EventRow } from "../../platform/db/event-rows";
import { db } from "../../platform/db/client";
import { events } from "../../platform/db/schema";
import { notFound } from "../errors";

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
