/**
 * Test fixtures that build state through the public API, as a client would.
 * Storage is shared by all tests of a file, so every helper makes fresh emails and names.
 *
 * Typical use:
 *   const ev = await publishedEvent({ rows: [{ label: "A", seats: 10 }], gaCapacity: 50 });
 *   const buyer = await signupBuyer();
 *   await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-A-1"] } });
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { WaitingRoom } from "../../src/durable-objects/waiting-room";
import { roomFor } from "../../src/worker/waiting-room/room";
import { call } from "./http";

export const PASSWORD = "fixture-password";

/** A fresh, unique email address. */
export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID()}@example.test`;
}

export interface User {
  userId: string;
  token: string;
  email: string;
}

function expectStatus(res: { status: number; body: unknown }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

async function signup(role: "buyer" | "organizer", prefix: string): Promise<User> {
  const email = uniqueEmail(prefix);
  const res = await call("POST", "/api/v1/auth/signup", { body: { email, password: PASSWORD, name: prefix, role } });
  expectStatus(res, 201, `signup ${role}`);
  return { userId: res.body.user_id, token: res.body.token, email };
}

/** A new buyer account. */
export const signupBuyer = () => signup("buyer", "buyer");
/** A new organizer account (self-registration is a contract extension). */
export const signupOrganizer = () => signup("organizer", "organizer");

export type SectionInput =
  | { key: string; name: string; kind: "reserved"; rows: { label: string; seats: number; price_tier: string }[] }
  | { key: string; name: string; kind: "ga"; capacity: number; price_tier: string };

/** Reserved section `R` (rows A and B, 5 seats each, tier `standard`) and GA section `GA` (100, tier `ga`). */
export const DEFAULT_SECTIONS: SectionInput[] = [
  {
    key: "R",
    name: "Stalls",
    kind: "reserved",
    rows: [
      { label: "A", seats: 5, price_tier: "standard" },
      { label: "B", seats: 5, price_tier: "standard" },
    ],
  },
  { key: "GA", name: "Standing", kind: "ga", capacity: 100, price_tier: "ga" },
];

/** Price tiers that cover DEFAULT_SECTIONS and the sections `publishedEvent` builds. */
export const DEFAULT_PRICE_TIERS: Record<string, number> = { standard: 5000, ga: 2500 };

/** Creates a venue; returns its id and the created sections. */
export async function createVenue(
  token: string,
  sections: SectionInput[] = DEFAULT_SECTIONS,
  extra: Record<string, unknown> = {},
): Promise<{ venueId: string; sections: { key: string; name: string; kind: string; capacity: number }[] }> {
  const res = await call("POST", "/api/v1/admin/venues", {
    token,
    body: { name: `Venue ${crypto.randomUUID().slice(0, 8)}`, city: "Testville", sections, ...extra },
  });
  expectStatus(res, 201, "create venue");
  return { venueId: res.body.venue_id, sections: res.body.sections };
}

const HOUR = 3600_000;

/** A valid event body: on sale since an hour ago, starts in 30 days, lasts 3 hours. */
export function eventBody(venueId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const startsAt = Date.now() + 30 * 24 * HOUR;
  return {
    venue_id: venueId,
    name: `Event ${crypto.randomUUID().slice(0, 8)}`,
    category: "concert",
    city: "Testville",
    starts_at: new Date(startsAt).toISOString(),
    ends_at: new Date(startsAt + 3 * HOUR).toISOString(),
    on_sale_at: new Date(Date.now() - HOUR).toISOString(),
    price_tiers: DEFAULT_PRICE_TIERS,
    ...overrides,
  };
}

/** Creates a draft event (see `eventBody` for the defaults); returns the answer's body. */
export async function createEvent(token: string, venueId: string, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", "/api/v1/admin/events", { token, body: eventBody(venueId, overrides) });
  expectStatus(res, 201, "create event");
  return res.body as { event_id: string; status: string; [k: string]: unknown };
}

/** Publishes an event; returns the published event. */
export async function publishEvent(token: string, eventId: string) {
  const res = await call("POST", `/api/v1/admin/events/${eventId}/publish`, { token });
  expectStatus(res, 200, "publish event");
  return res.body as { event_id: string; status: string; [k: string]: unknown };
}

export interface PublishedEventOptions {
  /** Rows of reserved section `R` (seat ids `R-<label>-<n>`); `[]` for no reserved section. Default: A and B with 5 seats. */
  rows?: { label: string; seats: number; price_tier?: string }[];
  /** Capacity of GA section `GA`; 0 for no GA section. Default 100. */
  gaCapacity?: number;
  /** Fields of the event body to override (e.g. `max_tickets_per_user`, `waiting_room`, `on_sale_at`). */
  overrides?: Record<string, unknown>;
  /** Reuse an organizer instead of signing up a new one. */
  organizer?: User;
  /**
   * The event's `ledger_shards`, written to D1 before publish (the API takes only 1..1024): 0 for an event
   * as the migration left those made before sharding (one ledger per buyer). Default: as created.
   */
  ledgerShards?: number;
}

export interface PublishedEvent {
  eventId: string;
  venueId: string;
  organizer: User;
  organizerToken: string;
  /** The published event as the admin API returned it. */
  event: Record<string, any>;
  /** Seat ids of section `R`, in row order. */
  seatIds: string[];
  reservedKey: "R" | null;
  gaKey: "GA" | null;
}

/**
 * One call for "an event on sale": a new organizer, a venue with reserved section `R`
 * (price tier `standard`, 5000 cents) and GA section `GA` (tier `ga`, 2500 cents), a
 * published event whose sale began an hour ago.
 */
export async function publishedEvent(opts: PublishedEventOptions = {}): Promise<PublishedEvent> {
  const rows = opts.rows ?? [
    { label: "A", seats: 5 },
    { label: "B", seats: 5 },
  ];
  const gaCapacity = opts.gaCapacity ?? 100;
  const sections: SectionInput[] = [];
  if (rows.length > 0)
    sections.push({
      key: "R",
      name: "Reserved",
      kind: "reserved",
      rows: rows.map((r) => ({ label: r.label, seats: r.seats, price_tier: r.price_tier ?? "standard" })),
    });
  if (gaCapacity > 0) sections.push({ key: "GA", name: "General admission", kind: "ga", capacity: gaCapacity, price_tier: "ga" });
  const organizer = opts.organizer ?? (await signupOrganizer());
  const { venueId } = await createVenue(organizer.token, sections);
  const created = await createEvent(organizer.token, venueId, opts.overrides);
  if (opts.ledgerShards !== undefined)
    await env.DB.prepare("UPDATE events SET ledger_shards = ? WHERE id = ?").bind(opts.ledgerShards, created.event_id).run();
  const event = await publishEvent(organizer.token, created.event_id);
  return {
    eventId: created.event_id,
    venueId,
    organizer,
    organizerToken: organizer.token,
    event,
    seatIds: rows.flatMap((r) => Array.from({ length: r.seats }, (_, i) => `R-${r.label}-${i + 1}`)),
    reservedKey: rows.length > 0 ? "R" : null,
    gaKey: gaCapacity > 0 ? "GA" : null,
  };
}

/**
 * Moves the event's waiting room ten minutes ahead of real time and runs its admission alarm
 * once, instead of sleeping until it fires (2 s per tick at 60/min admits 2).
 */
export async function admitNextTick(eventId: string) {
  const stub = roomFor(env, eventId);
  await runInDurableObject(stub, (room: WaitingRoom) => {
    room.clock = () => Date.now() + 10 * 60_000;
  });
  return runDurableObjectAlarm(stub);
}
