/** Organizer operations on events: create, read own, publish. Ownership is checked here. */
import { and, asc, eq } from "drizzle-orm";
import { badRequest, conflict, notFound } from "../errors";
import { db } from "../../platform/db/client";
import { events } from "../../platform/db/schema";
import { newId } from "../../shared/ids";
import { eventChanged } from "./event-facts";
import { getOwnEvent } from "./event-repo";
import { EventInput } from "./input";
import { parseOr400 } from "../validation";
import { initInventory } from "./inventory";
import { tellSections } from "./sale-state";
import { getOwnVenue, sectionsOf, type VenueSectionRow } from "./venues";

/** The organizer's event with its venue sections; 404 when missing or someone else's. */
export async function getOwnEventWithSections(env: Pick<Env, "DB">, organizerId: string, eventId: string) {
  const event = await getOwnEvent(env, organizerId, eventId);
  const sections = (await sectionsOf(env, [event.venueId])).get(event.venueId) ?? [];
  return { event, sections };
}

export async function listOwnEvents(env: Pick<Env, "DB">, organizerId: string) {
  const rows = await db(env)
    .select()
    .from(events)
    .where(eq(events.organizerId, organizerId))
    .orderBy(asc(events.startsAt), asc(events.id))
    .all();
  const sections = await sectionsOf(
    env,
    rows.map((r) => r.venueId),
  );
  return rows.map((event) => ({ event, sections: sections.get(event.venueId) ?? [] }));
}

/** 400 unless every price tier the venue's sections use has a price in the event. */
function requireTierPrices(sections: VenueSectionRow[], input: EventInput) {
  const missing = [
    ...new Set(sections.flatMap((s) => (s.layout.kind === "ga" ? [s.layout.price_tier] : s.layout.rows.map((r) => r.price_tier)))),
  ].filter((tier) => !Object.hasOwn(input.price_tiers, tier));
  if (missing.length > 0)
    throw badRequest("Request body is invalid.", {
      issues: missing.map((tier) => ({
        path: `price_tiers.${tier}`,
        message: `The venue uses price tier ${tier}; give it a price.`,
        code: "custom",
      })),
    });
}

/** The columns an event's input sets, on creation and on a draft edit alike. */
function eventColumns(venueId: string, input: EventInput) {
  return {
    venueId,
    name: input.name,
    category: input.category,
    city: input.city,
    startsAt: input.starts_at,
    endsAt: input.ends_at,
    onSaleAt: input.on_sale_at,
    priceTiers: input.price_tiers,
    holdTtlSeconds: input.hold_ttl_seconds,
    maxTicketsPerUser: input.max_tickets_per_user,
    currency: input.currency,
    waitingRoom: input.waiting_room ?? null,
    waitlistOfferSeconds: input.waitlist_offer_seconds ?? null,
    // Only a draft is ever written here (publish freezes it): a buyer's shard must never move.
    ...(input.ledger_shards !== undefined ? { ledgerShards: input.ledger_shards } : {}),
  };
}

/** Creates a draft event on one of the organizer's venues. */
export async function createEvent(env: Pick<Env, "DB">, organizerId: string, input: EventInput) {
  const venue = await getOwnVenue(env, organizerId, input.venue_id);
  if (!venue) throw notFound("Venue");
  const sections = (await sectionsOf(env, [venue.id])).get(venue.id) ?? [];
  requireTierPrices(sections, input);
  const [event] = await db(env)
    .insert(events)
    .values({
      id: newId("evt"),
      organizerId,
      ...eventColumns(venue.id, input),
    })
    .returning();
  return { event: event!, sections };
}

/**
 * Publishes a draft: every section's inventory is created first, then the state flips, so
 * a published event always has its inventory; then every section is told its sale window.
 * Publishing again answers the event unchanged (and tells the sections again, which heals a
 * publish that stopped before telling; a section told nothing also reads D1 on its first hold).
 */
export async function publishEvent(env: Pick<Env, "DB" | "INVENTORY">, organizerId: string, eventId: string) {
  const { event, sections } = await getOwnEventWithSections(env, organizerId, eventId);
  if (event.state === "cancelled") throw conflict("event_cancelled", "A cancelled event cannot be published.");
  if (event.state === "published") {
    await tellSections(env, event, sections.map((s) => s.key));
    return { event, sections };
  }
  await initInventory(env, event.id, sections, event.priceTiers);
  // Conditional on still being a draft: a cancel that raced with this publish wins.
  const [updated] = await db(env)
    .update(events)
    .set({ state: "published", publishedAt: new Date().toISOString() })
    .where(and(eq(events.id, event.id), eq(events.state, "draft")))
    .returning();
  if (updated) {
    await eventChanged(event.id);
    await tellSections(env, updated, sections.map((s) => s.key));
    return { event: updated, sections };
  }
  return publishEvent(env, organizerId, eventId);
}

/**
 * Changes a draft: `patch` holds the fields to change, in the shape of the create body, and
 * the merged event is validated exactly as a new one. Published and cancelled events keep
 * their terms (buyers bought under them): 409 `event_not_draft`.
 */
export async function updateDraftEvent(env: Pick<Env, "DB">, organizerId: string, eventId: string, patch: Record<string, unknown>) {
  const event = await getOwnEvent(env, organizerId, eventId);
  const notDraft = () => conflict("event_not_draft", "Only a draft can be edited; a published event keeps the terms it was sold under.");
  if (event.state !== "draft") throw notDraft();
  const current = {
    venue_id: event.venueId,
    name: event.name,
    category: event.category,
    city: event.city,
    starts_at: event.startsAt,
    ends_at: event.endsAt,
    on_sale_at: event.onSaleAt,
    price_tiers: event.priceTiers,
    hold_ttl_seconds: event.holdTtlSeconds,
    max_tickets_per_user: event.maxTicketsPerUser,
    currency: event.currency,
    ...(event.waitingRoom ? { waiting_room: event.waitingRoom } : {}),
    ...(event.waitlistOfferSeconds !== null ? { waitlist_offer_seconds: event.waitlistOfferSeconds } : {}),
  };
  const input = parseOr400(EventInput, { ...current, ...patch }, "Request body");
  const venue = await getOwnVenue(env, organizerId, input.venue_id);
  if (!venue) throw notFound("Venue");
  const sections = (await sectionsOf(env, [venue.id])).get(venue.id) ?? [];
  requireTierPrices(sections, input);
  const [updated] = await db(env)
    .update(events)
    .set(eventColumns(venue.id, input))
    // Conditional: a publish that raced with this edit wins, and the edit is refused.
    .where(and(eq(events.id, event.id), eq(events.state, "draft")))
    .returning();
  if (!updated) throw notDraft();
  return { event: updated, sections };
}
