import { sectionsOf } from "../catalog/venues";
import type { EventSection } from "./hold-request";

/**
 * The section keys and kinds of a venue, as the hold route needs them to group a request.
 * Venues and their sections are never edited after creation, so what an isolate has read
 * stays true: a hold then reads D1 once (the event, whose status does change), not twice.
 * Bounded so that a long-lived isolate cannot grow without limit (oldest entry goes first).
 */
const MAX_VENUES = 500;
const cache = new Map<string, EventSection[]>();

export async function venueSections(env: Pick<Env, "DB">, venueId: string): Promise<EventSection[]> {
  const cached = cache.get(venueId);
  if (cached) return cached;
  const rows = (await sectionsOf(env, [venueId])).get(venueId) ?? [];
  const sections = rows.map((r) => ({ key: r.key, kind: r.kind }));
  if (cache.size >= MAX_VENUES) cache.delete(cache.keys().next().value!);
  cache.set(venueId, sections);
  return sections;
}
