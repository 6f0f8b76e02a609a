import { getEvent, type EventRow } from "../../platform/db/event-rows";
import { notFound } from "../errors";

/** The organizer's own event; another organizer's is indistinguishable from a missing one (404). */
export async function getOwnEvent(env: Pick<Env, "DB">, organizerId: string, eventId: string): Promise<EventRow> {
  const event = await getEvent(env, eventId);
  if (!event || event.organizerId !== organizerId) throw notFound("Event");
  return event;
}
