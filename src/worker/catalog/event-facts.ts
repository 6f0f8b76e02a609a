/**
 * Event facts (the event row and its venue's sections) from the read cache, for public reads
 * and for the parts of the hold path that never change after creation. Bounds: `cache/bounds.ts`.
 * Publish, cancel and waiting-room edits call `eventChanged`, which drops this isolate's and this
 * location's copy at once; other isolates and locations see the change within the bound. So
 * nothing that must be exact (is the event on sale, right now) is decided from these facts.
 */
import { PUBLIC_READ_FRESH_MS, PUBLIC_READ_STALE_MS } from "../cache/bounds";
import { ReadThroughCache, type Cached, type WaitUntil } from "../cache/read-through";
import { getEvent, type EventRow } from "../../platform/db/event-rows";
import { sectionsOf, type VenueSectionRow } from "./venues";

export interface EventFacts {
  event: EventRow;
  sections: VenueSectionRow[];
}

// The version in the name keeps a deploy that changes the shape from reading the old one.
const facts = new ReadThroughCache<EventFacts>({
  name: "event-facts-v2",
  freshMs: PUBLIC_READ_FRESH_MS,
  staleMs: PUBLIC_READ_STALE_MS,
  maxWeight: 2_000,
});

/** The event and its sections, at most the bound old; undefined for an unknown id. */
export function eventFacts(env: Pick<Env, "DB">, eventId: string, ctx?: WaitUntil): Promise<Cached<EventFacts> | undefined> {
  return facts.get(
    eventId,
    async () => {
      const event = await getEvent(env, eventId);
      if (!event) return undefined;
      return { event, sections: (await sectionsOf(env, [event.venueId])).get(event.venueId) ?? [] };
    },
    ctx,
  );
}

/** After an organizer changes an event: the next read here reads D1 again. */
export function eventChanged(eventId: string): Promise<void> {
  return facts.invalidate(eventId);
}
