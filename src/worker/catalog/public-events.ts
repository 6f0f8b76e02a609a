/** What buyers may see of an event: anything but drafts. */
import { notFound } from "../errors";
import { getEvent } from "../../platform/db/event-rows";
import { readSnapshots } from "./inventory";
import { sectionsOf } from "./venues";

/** The event with its venue sections; 404 for unknown ids and drafts. */
export async function getPublicEvent(env: Pick<Env, "DB">, eventId: string) {
  const event = await getEvent(env, eventId);
  if (!event || event.state === "draft") throw notFound("Event");
  const sections = (await sectionsOf(env, [event.venueId])).get(event.venueId) ?? [];
  return { event, sections };
}

/**
 * Seat map from the inventory objects, not from D1 rows: counts and seat statuses are what
 * a hold would see now. `sectionKey` narrows it to one section (404 when the event has none such).
 */
export async function seatMap(env: Pick<Env, "DB" | "INVENTORY">, eventId: string, sectionKey?: string) {
  const { event, sections } = await getPublicEvent(env, eventId);
  // An event cancelled while still a draft never had inventory.
  if (!event.publishedAt) throw notFound("Event");
  const wanted = sectionKey === undefined ? sections : sections.filter((s) => s.key === sectionKey);
  if (wanted.length === 0) throw notFound("Section");
  const snapshots = await readSnapshots(env, event.id, wanted);
  return {
    event_id: event.id,
    currency: event.currency,
    sections: snapshots.map((s, i) => ({
      key: s.key,
      name: wanted[i]!.name,
      kind: s.kind,
      capacity: s.capacity,
      available: s.available,
      ...(s.kind === "ga" ? { price_cents: s.price_cents } : { seats: s.seats ?? [] }),
    })),
  };
}
