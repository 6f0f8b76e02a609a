import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { holdTaken } from "../src/shared/inventory/types";
import { call } from "./support/http";
import { createEvent, createVenue, publishedEvent, publishEvent, signupOrganizer, type User } from "./support/fixtures";

const DAY = 24 * 3600_000;
const uniqueCity = () => `City ${crypto.randomUUID().slice(0, 8)}`;

/** Publishes events in one city (fresh per test, so other tests' events never show up). */
async function eventsIn(city: string, org: User, specs: { name?: string; category?: string; startsInDays: number; publish?: boolean }[]) {
  const { venueId } = await createVenue(org.token);
  const out: string[] = [];
  for (const spec of specs) {
    const startsAt = Date.now() + spec.startsInDays * DAY;
    const ev = await createEvent(org.token, venueId, {
      city,
      ...(spec.name ? { name: spec.name } : {}),
      category: spec.category ?? "concert",
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 3 * 3600_000).toISOString(),
    });
    if (spec.publish !== false) await publishEvent(org.token, ev.event_id);
    out.push(ev.event_id);
  }
  return out;
}

const search = (params: Record<string, string | number>) =>
  call("GET", `/api/v1/events?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`);

describe("GET /api/v1/events", () => {
  it("lists only published events, in start order, with sections and price tiers", async ({ expect }) => {
    const city = uniqueCity();
    const org = await signupOrganizer();
    const [later, draft, sooner] = await eventsIn(city, org, [
      { startsInDays: 20 },
      { startsInDays: 5, publish: false },
      { startsInDays: 10 },
    ]);
    const res = await search({ city });
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: any) => e.event_id)).toEqual([sooner, later]);
    expect(res.body.events).not.toContainEqual(expect.objectContaining({ event_id: draft }));
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.events[0]).toMatchObject({ status: "on_sale", city, price_tiers: { standard: 5000 }, sections: expect.any(Array) });
  });

  it("leaves out cancelled events", async ({ expect }) => {
    const city = uniqueCity();
    const org = await signupOrganizer();
    const [kept, cancelled] = await eventsIn(city, org, [{ startsInDays: 3 }, { startsInDays: 4 }]);
    await env.DB.prepare("UPDATE events SET state = 'cancelled' WHERE id = ?").bind(cancelled).run();
    expect((await search({ city })).body.events.map((e: any) => e.event_id)).toEqual([kept]);
  });

  it("filters by name text (any case, % and _ literal), city (any case), category and date range", async ({ expect }) => {
    const city = uniqueCity();
    const org = await signupOrganizer();
    const tag = crypto.randomUUID().slice(0, 6);
    const [jazz, rock, theatre, percent] = await eventsIn(city, org, [
      { name: `Night of Jazz ${tag}`, category: "concert", startsInDays: 10 },
      { name: `Rock Night ${tag}`, category: "concert", startsInDays: 20 },
      { name: `Hamlet ${tag}`, category: "theatre", startsInDays: 30 },
      { name: `100% Fun ${tag}`, category: "comedy", startsInDays: 40 },
    ]);
    const ids = async (p: Record<string, string>) => (await search(p)).body.events.map((e: any) => e.event_id);
    expect(await ids({ q: `NIGHT`, city })).toEqual([jazz, rock]);
    expect(await ids({ q: `jazz ${tag}` })).toEqual([jazz]);
    expect(await ids({ q: "%", city })).toEqual([percent]);
    expect(await ids({ q: "_", city })).toEqual([]);
    expect(await ids({ city: city.toUpperCase() })).toEqual([jazz, rock, theatre, percent]);
    expect(await ids({ city, category: "Theatre" })).toEqual([theatre]);
    const day = (n: number) => new Date(Date.now() + n * DAY).toISOString();
    expect(await ids({ city, from: day(15), to: day(35) })).toEqual([rock, theatre]);
    expect(await ids({ city, from: day(35) })).toEqual([percent]);
    expect(await ids({ city, to: day(15) })).toEqual([jazz]);
    // A bare date covers the whole UTC day.
    const dateOf = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);
    expect(await ids({ city, from: dateOf(20), to: dateOf(20) })).toEqual([rock]);
    expect(await ids({ city, q: "", category: "" })).toHaveLength(4);
  });

  it("pages with an opaque cursor through equal start times without gaps or repeats", async ({ expect }) => {
    const city = uniqueCity();
    const org = await signupOrganizer();
    // Several events share a start time, so the id must break ties.
    const specs = [3, 1, 2, 2, 2, 5, 4, 2, 1].map((d) => ({ startsInDays: d }));
    const created = await eventsIn(city, org, specs);
    // Expected order: by starts_at, then id.
    const rows = await env.DB.prepare(`SELECT id FROM events WHERE city = ? ORDER BY starts_at, id`).bind(city).all<{ id: string }>();
    const expected = rows.results.map((r) => r.id);
    expect(new Set(expected)).toEqual(new Set(created));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await search({ city, limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.events.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.events.map((e: any) => e.event_id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toEqual(expected);
    expect(pages).toBe(5);

    const all = await search({ city, limit: 100 });
    expect(all.body.events.map((e: any) => e.event_id)).toEqual(expected);
    expect((await search({ city })).body.events).toHaveLength(9); // default limit 20
  });

  it.for<[string, Record<string, string>]>([
    ["limit 0", { limit: "0" }],
    ["limit 101", { limit: "101" }],
    ["limit not a number", { limit: "ten" }],
    ["limit fractional", { limit: "2.5" }],
    ["a forged cursor", { cursor: "bm90LWEtY3Vyc29y" }],
    ["a cursor with bad characters", { cursor: "!!!" }],
    ["from not a time", { from: "yesterday" }],
    ["to before from", { from: "2030-02-01", to: "2030-01-01" }],
    ["an overlong q", { q: "x".repeat(101) }],
  ])("answers %s with 400 invalid_request", async ([, params], { expect }) => {
    const res = await search(params);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.details.issues.length).toBeGreaterThan(0);
  });
});

describe("GET /api/v1/events/:id", () => {
  it("shows a published event with sections and price tiers", async ({ expect }) => {
    const ev = await publishedEvent();
    const res = await call("GET", `/api/v1/events/${ev.eventId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      event_id: ev.eventId,
      status: "on_sale",
      price_tiers: { standard: 5000, ga: 2500 },
      sections: [
        { key: "R", kind: "reserved", capacity: 10, rows: [{ label: "A", seats: 5, price_tier: "standard" }, { label: "B", seats: 5, price_tier: "standard" }] },
        { key: "GA", kind: "ga", capacity: 100, price_tier: "ga" },
      ],
    });
    // The organizer's view is the public one plus the settings buyers need not see.
    const { ledger_shards, ...publicPart } = ev.event;
    expect(ledger_shards).toBe(64);
    expect(res.body).toEqual(publicPart);
  });

  it("hides drafts and unknown ids (404)", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const draft = await createEvent(org.token, venueId);
    for (const id of [draft.event_id, "evt_unknown", "%20"]) {
      const res = await call("GET", `/api/v1/events/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const seats = await call("GET", `/api/v1/events/${draft.event_id}/seats`);
    expect(seats.status).toBe(404);
  });
});

describe("GET /api/v1/events/:id/seats", () => {
  it("answers from the inventory, in the contract's shape", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 3 }], gaCapacity: 20 });
    // Held before the first read: reads are cached for a few seconds (read-cache.test.ts).
    const expiresAt = Date.now() + 600_000;
    const r = env.INVENTORY.get(env.INVENTORY.idFromName(`${ev.eventId}:R`));
    expect(holdTaken(await r.hold({ holdId: `h_${crypto.randomUUID()}`, userId: "usr_a", expiresAt, seats: ["R-A-2"] }))).toBe(true);
    const g = env.INVENTORY.get(env.INVENTORY.idFromName(`${ev.eventId}:GA`));
    expect(holdTaken(await g.hold({ holdId: `h_${crypto.randomUUID()}`, userId: "usr_a", expiresAt, quantity: 6 }))).toBe(true);

    const res = await call("GET", `/api/v1/events/${ev.eventId}/seats`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      event_id: ev.eventId,
      currency: "usd",
      sections: [
        {
          key: "R",
          name: "Reserved",
          kind: "reserved",
          capacity: 3,
          available: 2,
          seats: [1, 2, 3].map((n) => ({ seat_id: `R-A-${n}`, label: `R-A-${n}`, row: "A", number: n, price_cents: 5000, status: n === 2 ? "held" : "available" })),
        },
        { key: "GA", name: "General admission", kind: "ga", capacity: 20, available: 14, price_cents: 2500 },
      ],
    });
  });

  it("narrows to one section, and answers 404 for an unknown one", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 2 }], gaCapacity: 5 });
    const ga = await call("GET", `/api/v1/events/${ev.eventId}/seats?section=GA`);
    expect(ga.body.sections).toEqual([{ key: "GA", name: "General admission", kind: "ga", capacity: 5, available: 5, price_cents: 2500 }]);
    for (const section of ["NOPE", "ga", ""]) {
      const res = await call("GET", `/api/v1/events/${ev.eventId}/seats?section=${section}`);
      expect(res.status, section).toBe(section === "" ? 400 : 404);
      expect(res.body.error.code).toBe(section === "" ? "invalid_request" : "not_found");
    }
  });
});
