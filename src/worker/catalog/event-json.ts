import { publicStatus, type EventRow } from "../../platform/db/event-rows";
import { sectionJson, type VenueSectionRow } from "./venues";

/**
 * The one JSON representation of an event, used by the public and the organizer routes.
 * `sections` come from the venue; `status` is derived from the stored state and the clock.
 */
export function eventJson(e: EventRow, sections: VenueSectionRow[], now = Date.now()) {
  return {
    event_id: e.id,
    name: e.name,
    category: e.category,
    city: e.city,
    venue_id: e.venueId,
    starts_at: e.startsAt,
    ends_at: e.endsAt,
    on_sale_at: e.onSaleAt,
    status: publicStatus(e, now),
    price_tiers: e.priceTiers,
    currency: e.currency,
    hold_ttl_seconds: e.holdTtlSeconds,
    max_tickets_per_user: e.maxTicketsPerUser,
    waitlist_offer_seconds: waitlistOfferSeconds(e),
    waiting_room: e.waitingRoom ?? { enabled: false },
    sections: sections.map(sectionJson),
    published_at: e.publishedAt,
    cancelled_at: e.cancelledAt,
  };
}
/**
 * The organizer's view: the public JSON plus the settings only the organizer sets and buyers
 * need not see (`ledger_shards`: how many buyer-ledger objects the event's buyers share).
 */
export function organizerEventJson(e: EventRow, sections: VenueSectionRow[], now = Date.now()) {
  return { ...eventJson(e, sections, now), ledger_shards: e.ledgerShards };
}

/** How long a waitlist offer's hold lasts: the event's own setting, else its hold TTL. */
export const waitlistOfferSeconds = (e: Pick<EventRow, "waitlistOfferSeconds" | "holdTtlSeconds">) => e.waitlistOfferSeconds ?? e.holdTtlSeconds;

export type EventJson = ReturnType<typeof eventJson>;
