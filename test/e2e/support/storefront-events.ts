/** Events for the storefront tests, made through the organizer API. */
import type { apiClient } from "./api";

type Api = ReturnType<typeof apiClient>;

export interface StoreEventOptions {
  holdTtlSeconds?: number;
  waitingRoom?: { enabled: boolean; admit_per_minute: number; session_seconds: number };
  /** Seats per row of the reserved section STALLS (rows A, B, C). */
  seatsPerRow?: number;
  /** More rows than A, B, C (labels A, B, C, R4, R5, ...), for sections of thousands of seats. */
  rowCount?: number;
  onSaleAt?: Date;
  name?: string;
}

/**
 * A published event in eur: reserved STALLS (row A premium at €45.00, rows B and C standard at
 * €30.00) and GA FLOOR (40 places, €20.00).
 */
export async function storeEvent(api: Api, opts: StoreEventOptions = {}) {
  const organizer = await api.signup("organizer");
  const n = opts.seatsPerRow ?? 8;
  const venue = await api.ok(201, "POST", "/api/v1/admin/venues", {
    token: organizer.token,
    body: {
      name: "Storefront Hall",
      city: "Porto",
      sections: [
        {
          key: "STALLS",
          name: "Stalls",
          kind: "reserved",
          rows: Array.from({ length: Math.max(3, opts.rowCount ?? 3) }, (_, i) => ({
            label: i < 3 ? "ABC"[i]! : `R${i + 1}`,
            seats: n,
            price_tier: i === 0 ? "premium" : "standard",
          })),
        },
        { key: "FLOOR", name: "Floor", kind: "ga", capacity: 40, price_tier: "floor" },
      ],
    },
  });
  const startsAt = Date.now() + 10 * 24 * 3600_000;
  const event = await api.ok(201, "POST", "/api/v1/admin/events", {
    token: organizer.token,
    body: {
      venue_id: venue.venue_id,
      name: opts.name ?? `Storefront night ${crypto.randomUUID().slice(0, 6)}`,
      category: "concert",
      city: "Porto",
      currency: "eur",
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 3 * 3600_000).toISOString(),
      on_sale_at: (opts.onSaleAt ?? new Date(Date.now() - 3600_000)).toISOString(),
      price_tiers: { premium: 4500, standard: 3000, floor: 2000 },
      hold_ttl_seconds: opts.holdTtlSeconds ?? 600,
      max_tickets_per_user: 6,
      ...(opts.waitingRoom ? { waiting_room: opts.waitingRoom } : {}),
    },
  });
  await api.ok(200, "POST", `/api/v1/admin/events/${event.event_id}/publish`, { token: organizer.token });
  return { organizer, eventId: event.event_id as string, name: event.name as string };
}
