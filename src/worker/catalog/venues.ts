import { and, asc, eq, inArray } from "drizzle-orm";
import { db } from "../../platform/db/client";
import { venues, venueSections } from "../../platform/db/schema";
import { newId } from "../../shared/ids";
import { sectionCapacity } from "../../shared/section-input";
import type { VenueInput } from "./input";

export type VenueRow = typeof venues.$inferSelect;
export type VenueSectionRow = typeof venueSections.$inferSelect;

/** Stores a venue and its sections in one batch (all or nothing). */
export async function createVenue(env: Pick<Env, "DB">, organizerId: string, input: VenueInput) {
  const id = newId("ven");
  const d = db(env);
  const sections = input.sections.map((s, position) => ({
    venueId: id,
    key: s.key,
    name: s.name,
    kind: s.kind,
    capacity: sectionCapacity(s),
    layout: s,
    position,
  }));
  // D1 caps bound parameters per statement, so sections go in chunks of rows.
  const chunks = [];
  for (let i = 0; i < sections.length; i += 10) chunks.push(d.insert(venueSections).values(sections.slice(i, i + 10)));
  await d.batch([d.insert(venues).values({ id, organizerId, name: input.name, city: input.city }), ...chunks]);
  return { id, name: input.name, city: input.city, sections };
}

/** The organizer's venue, or undefined (also when it belongs to someone else). */
export async function getOwnVenue(env: Pick<Env, "DB">, organizerId: string, venueId: string) {
  return db(env)
    .select()
    .from(venues)
    .where(and(eq(venues.id, venueId), eq(venues.organizerId, organizerId)))
    .get();
}

export async function listOwnVenues(env: Pick<Env, "DB">, organizerId: string) {
  return db(env).select().from(venues).where(eq(venues.organizerId, organizerId)).orderBy(asc(venues.createdAt), asc(venues.id)).all();
}

/** Sections of the given venues, in creation order, grouped by venue id. */
export async function sectionsOf(env: Pick<Env, "DB">, venueIds: string[]): Promise<Map<string, VenueSectionRow[]>> {
  const out = new Map<string, VenueSectionRow[]>();
  const unique = [...new Set(venueIds)];
  if (unique.length === 0) return out;
  const rows = await db(env)
    .select()
    .from(venueSections)
    .where(inArray(venueSections.venueId, unique))
    .orderBy(asc(venueSections.venueId), asc(venueSections.position))
    .all();
  for (const r of rows) {
    const list = out.get(r.venueId) ?? [];
    list.push(r);
    out.set(r.venueId, list);
  }
  return out;
}

/** `{key, name, kind, capacity}` plus the layout's rows (reserved) or price tier (GA). */
export function sectionJson(s: VenueSectionRow) {
  const base = { key: s.key, name: s.name, kind: s.kind, capacity: s.capacity };
  return s.layout.kind === "reserved"
    ? { ...base, rows: s.layout.rows.map((r) => ({ label: r.label, seats: r.seats, price_tier: r.price_tier })) }
    : { ...base, price_tier: s.layout.price_tier };
}

export function venueJson(v: VenueRow, sections: VenueSectionRow[]) {
  return { venue_id: v.id, name: v.name, city: v.city, sections: sections.map(sectionJson), created_at: v.createdAt };
}
