import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { holdTaken } from "../src/shared/inventory/types";
import { call } from "./support/http";
import {
  createEvent,
  createVenue,
  DEFAULT_SECTIONS,
  eventBody,
  publishedEvent,
  publishEvent,
  signupBuyer,
  signupOrganizer,
} from "./support/fixtures";

async function counts() {
  const q = (t: string) => env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>().then((r) => r?.n ?? 0);
  return { venues: await q("venues"), sections: await q("venue_sections"), events: await q("events") };
}

function expectError(expect: any, res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({
    error: { code, message: expect.any(String), ...(res.body?.error?.details ? { details: expect.any(Object) } : {}) },
  });
}

describe("venues", () => {
  it("creates reserved and GA sections with their capacities", async ({ expect }) => {
    const org = await signupOrganizer();
    const res = await call("POST", "/api/v1/admin/venues", {
      token: org.token,
      body: { name: "Hall", city: "Oslo", sections: DEFAULT_SECTIONS },
    });
    expect(res.status).toBe(201);
    expect(res.body.venue_id).toMatch(/^ven_/);
    expect(res.body.sections).toEqual([
      { key: "R", name: "Stalls", kind: "reserved", capacity: 10 },
      { key: "GA", name: "Standing", kind: "ga", capacity: 100 },
    ]);
    const own = await call("GET", `/api/v1/admin/venues/${res.body.venue_id}`, { token: org.token });
    expect(own.status).toBe(200);
    expect(own.body.sections[0].rows).toEqual(DEFAULT_SECTIONS[0]!.kind === "reserved" ? DEFAULT_SECTIONS[0]!.rows : []);
  });

  const reserved = (rows: unknown, key: unknown = "R") => ({ key, name: "S", kind: "reserved", rows });
  it.for<[string, unknown]>([
    ["no sections", { name: "V", city: "C", sections: [] }],
    ["missing city", { name: "V", sections: DEFAULT_SECTIONS }],
    ["name of wrong type", { name: 5, city: "C", sections: DEFAULT_SECTIONS }],
    ["unknown kind", { name: "V", city: "C", sections: [{ key: "X", name: "X", kind: "box", capacity: 3, price_tier: "a" }] }],
    ["duplicate section keys", { name: "V", city: "C", sections: [reserved([{ label: "A", seats: 2, price_tier: "a" }]), reserved([{ label: "A", seats: 2, price_tier: "a" }])] }],
    ["duplicate row labels", { name: "V", city: "C", sections: [reserved([{ label: "A", seats: 2, price_tier: "a" }, { label: "A", seats: 3, price_tier: "a" }])] }],
    ["a dash in a key (ambiguous seat labels)", { name: "V", city: "C", sections: [reserved([{ label: "A", seats: 2, price_tier: "a" }], "R-1")] }],
    ["a dash in a row label", { name: "V", city: "C", sections: [reserved([{ label: "A-1", seats: 2, price_tier: "a" }])] }],
    ["zero seats in a row", { name: "V", city: "C", sections: [reserved([{ label: "A", seats: 0, price_tier: "a" }])] }],
    ["fractional seats", { name: "V", city: "C", sections: [reserved([{ label: "A", seats: 2.5, price_tier: "a" }])] }],
    ["seats as a string", { name: "V", city: "C", sections: [reserved([{ label: "A", seats: "2", price_tier: "a" }])] }],
    ["no rows", { name: "V", city: "C", sections: [reserved([])] }],
    ["a huge row", { name: "V", city: "C", sections: [reserved([{ label: "A", seats: 1_000_000, price_tier: "a" }])] }],
    ["a reserved section over 20,000 seats", { name: "V", city: "C", sections: [reserved(Array.from({ length: 21 }, (_, i) => ({ label: `R${i}`, seats: 1000, price_tier: "a" })))] }],
    ["a venue over 100,000 places", { name: "V", city: "C", sections: Array.from({ length: 3 }, (_, i) => ({ key: `G${i}`, name: "G", kind: "ga", capacity: 40_000, price_tier: "a" })) }],
    ["GA without capacity", { name: "V", city: "C", sections: [{ key: "G", name: "G", kind: "ga", price_tier: "a" }] }],
    ["negative GA capacity", { name: "V", city: "C", sections: [{ key: "G", name: "G", kind: "ga", capacity: -1, price_tier: "a" }] }],
  ])("refuses %s with 400 invalid_request and stores nothing", async ([, body], { expect }) => {
    const org = await signupOrganizer();
    const before = await counts();
    const res = await call("POST", "/api/v1/admin/venues", { token: org.token, body });
    expectError(expect, res, 400, "invalid_request");
    expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    expect(await counts()).toEqual(before);
  });

  it("refuses malformed JSON (400) and bodies over 64 KiB (413)", async ({ expect }) => {
    const org = await signupOrganizer();
    const before = await counts();
    expectError(expect, await call("POST", "/api/v1/admin/venues", { token: org.token, rawBody: "{not json" }), 400, "invalid_request");
    const rows = Array.from({ length: 3000 }, (_, i) => ({ label: `R${i}`, seats: 1, price_tier: "standard" }));
    const huge = await call("POST", "/api/v1/admin/venues", {
      token: org.token,
      rawBody: JSON.stringify({ name: "V", city: "C", sections: [{ key: "R", name: "R", kind: "reserved", rows }] }),
    });
    expect(huge.body.error.code).toBe("payload_too_large");
    expect(huge.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it("is for organizers only: no token 401, buyer 403", async ({ expect }) => {
    const buyer = await signupBuyer();
    const body = { name: "V", city: "C", sections: DEFAULT_SECTIONS };
    expectError(expect, await call("POST", "/api/v1/admin/venues", { body }), 401, "unauthenticated");
    expectError(expect, await call("POST", "/api/v1/admin/venues", { body, token: "garbage" }), 401, "unauthenticated");
    expectError(expect, await call("POST", "/api/v1/admin/venues", { body, token: buyer.token }), 403, "forbidden");
  });

  it("are private to their organizer", async ({ expect }) => {
    const [a, b] = [await signupOrganizer(), await signupOrganizer()];
    const { venueId } = await createVenue(a.token);
    expectError(expect, await call("GET", `/api/v1/admin/venues/${venueId}`, { token: b.token }), 404, "not_found");
    const listB = await call("GET", "/api/v1/admin/venues", { token: b.token });
    expect(listB.body.venues).toEqual([]);
    // Nor can another organizer put an event on it.
    const before = await counts();
    expectError(expect, await call("POST", "/api/v1/admin/events", { token: b.token, body: eventBody(venueId) }), 404, "not_found");
    expect(await counts()).toEqual(before);
  });
});

describe("events", () => {
  it("creates a draft with defaults and the venue's sections", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const body = eventBody(venueId, { starts_at: "2030-05-01T20:00:00+02:00", ends_at: "2030-05-01T23:00:00+02:00" });
    const res = await call("POST", "/api/v1/admin/events", { token: org.token, body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      event_id: expect.stringMatching(/^evt_/),
      status: "draft",
      venue_id: venueId,
      name: body.name,
      starts_at: "2030-05-01T18:00:00.000Z",
      ends_at: "2030-05-01T21:00:00.000Z",
      price_tiers: { standard: 5000, ga: 2500 },
      hold_ttl_seconds: 600,
      max_tickets_per_user: 8,
      waiting_room: { enabled: false },
      sections: [
        { key: "R", kind: "reserved", capacity: 10 },
        { key: "GA", kind: "ga", capacity: 100, price_tier: "ga" },
      ],
    });
    const own = await call("GET", `/api/v1/admin/events/${res.body.event_id}`, { token: org.token });
    expect(own.body).toEqual(res.body);
    const list = await call("GET", "/api/v1/admin/events", { token: org.token });
    expect(list.body.events.map((e: any) => e.event_id)).toEqual([res.body.event_id]);
  });

  it("keeps the given limits and waiting room settings", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const ev = await createEvent(org.token, venueId, {
      hold_ttl_seconds: 60,
      max_tickets_per_user: 50,
      waiting_room: { enabled: true, admit_per_minute: 30, session_seconds: 300 },
    });
    expect(ev).toMatchObject({
      hold_ttl_seconds: 60,
      max_tickets_per_user: 50,
      waiting_room: { enabled: true, admit_per_minute: 30, session_seconds: 300 },
    });
  });

  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  it.for<[string, Record<string, unknown>]>([
    ["ends before it starts", { starts_at: iso(now + 5e8), ends_at: iso(now + 4e8) }],
    ["ends when it starts", { starts_at: iso(now + 5e8), ends_at: iso(now + 5e8) }],
    ["goes on sale after it starts", { on_sale_at: iso(now + 4e9) }],
    ["a time without offset", { starts_at: "2030-05-01T20:00:00" }],
    ["a time that is no time", { starts_at: "next tuesday" }],
    ["a time of wrong type", { starts_at: 1893456000 }],
    ["a price tier the venue uses left out", { price_tiers: { standard: 5000 } }],
    ["no price tiers", { price_tiers: {} }],
    ["a negative price", { price_tiers: { standard: -1, ga: 2500 } }],
    ["a fractional price", { price_tiers: { standard: 10.5, ga: 2500 } }],
    ["a price as a string", { price_tiers: { standard: "5000", ga: 2500 } }],
    ["hold TTL below 60", { hold_ttl_seconds: 59 }],
    ["hold TTL above 1800", { hold_ttl_seconds: 1801 }],
    ["zero tickets per user", { max_tickets_per_user: 0 }],
    ["51 tickets per user", { max_tickets_per_user: 51 }],
    ["a waiting room without enabled", { waiting_room: { admit_per_minute: 10 } }],
    ["a waiting room admitting 0 a minute", { waiting_room: { enabled: true, admit_per_minute: 0, session_seconds: 300 } }],
    ["a missing name", { name: undefined }],
    ["a missing venue", { venue_id: undefined }],
  ])("refuses an event with %s (400) and stores nothing", async ([, overrides], { expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const before = await counts();
    const res = await call("POST", "/api/v1/admin/events", { token: org.token, body: eventBody(venueId, overrides) });
    expectError(expect, res, 400, "invalid_request");
    expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    expect(await counts()).toEqual(before);
  });

  it("refuses an unknown venue with 404, malformed JSON with 400, huge bodies with 413", async ({ expect }) => {
    const org = await signupOrganizer();
    const before = await counts();
    expectError(expect, await call("POST", "/api/v1/admin/events", { token: org.token, body: eventBody("ven_nope") }), 404, "not_found");
    expectError(expect, await call("POST", "/api/v1/admin/events", { token: org.token, rawBody: "[" }), 400, "invalid_request");
    const { venueId } = await createVenue(org.token);
    const mid = await counts();
    const huge = await call("POST", "/api/v1/admin/events", {
      token: org.token,
      rawBody: JSON.stringify(eventBody(venueId, { name: "x".repeat(65 * 1024) })),
    });
    expectError(expect, huge, 413, "payload_too_large");
    expect(await counts()).toEqual(mid);
    expect(mid.events).toBe(before.events);
  });
});

describe("publishing", () => {
  it("creates each section's inventory and puts the event on sale", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 3 }, { label: "BB", seats: 2, price_tier: "premium" }], gaCapacity: 7, overrides: { price_tiers: { standard: 5000, premium: 9000, ga: 2500 } } });
    expect(ev.event.status).toBe("on_sale");
    expect(ev.event.published_at).toEqual(expect.any(String));
    const stub = env.INVENTORY.get(env.INVENTORY.idFromName(`${ev.eventId}:R`));
    const snap = await stub.snapshot();
    expect(snap?.seats?.map((s) => [s.seat_id, s.row, s.number, s.price_cents, s.status])).toEqual([
      ["R-A-1", "A", 1, 5000, "available"],
      ["R-A-2", "A", 2, 5000, "available"],
      ["R-A-3", "A", 3, 5000, "available"],
      ["R-BB-1", "BB", 1, 9000, "available"],
      ["R-BB-2", "BB", 2, 9000, "available"],
    ]);
    const ga = await env.INVENTORY.get(env.INVENTORY.idFromName(`${ev.eventId}:GA`)).snapshot();
    expect(ga).toMatchObject({ kind: "ga", capacity: 7, available: 7, held: 0, sold: 0, price_cents: 2500 });
  });

  it("is scheduled before on_sale_at, and publishing twice changes nothing", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const created = await createEvent(org.token, venueId, { on_sale_at: new Date(Date.now() + 24 * 3600_000).toISOString() });
    const first = await publishEvent(org.token, created.event_id);
    expect(first.status).toBe("scheduled");
    const row = () => env.DB.prepare("SELECT * FROM events WHERE id = ?").bind(created.event_id).first();
    const inventory = () => env.INVENTORY.get(env.INVENTORY.idFromName(`${created.event_id}:R`)).snapshot();
    const [rowBefore, invBefore] = [await row(), await inventory()];
    expect(invBefore).toMatchObject({ capacity: 10, available: 10 });
    const again = await publishEvent(org.token, created.event_id);
    expect(again).toEqual(first);
    expect(await row()).toEqual(rowBefore);
    expect(await inventory()).toEqual(invBefore);
  });

  it("survives racing publishes: one inventory, one publish time", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const { event_id } = await createEvent(org.token, venueId);
    const results = await Promise.all(Array.from({ length: 6 }, () => call("POST", `/api/v1/admin/events/${event_id}/publish`, { token: org.token })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(results.map((r) => r.body.published_at)).size).toBe(1);
    const snap = await env.INVENTORY.get(env.INVENTORY.idFromName(`${event_id}:R`)).snapshot();
    expect(snap?.capacity).toBe(10);
  });

  it("refuses a cancelled event with 409", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const { event_id } = await createEvent(org.token, venueId);
    await env.DB.prepare("UPDATE events SET state = 'cancelled' WHERE id = ?").bind(event_id).run();
    expectError(expect, await call("POST", `/api/v1/admin/events/${event_id}/publish`, { token: org.token }), 409, "event_cancelled");
    const row = await env.DB.prepare("SELECT state, published_at FROM events WHERE id = ?").bind(event_id).first();
    expect(row).toEqual({ state: "cancelled", published_at: null });
  });
});

describe("ownership of events", () => {
  it("another organizer gets 404 everywhere, a buyer 403, no token 401", async ({ expect }) => {
    const org = await signupOrganizer();
    const other = await signupOrganizer();
    const buyer = await signupBuyer();
    const { venueId } = await createVenue(org.token);
    const { event_id } = await createEvent(org.token, venueId);
    const routes: [string, string][] = [
      ["GET", `/api/v1/admin/events/${event_id}`],
      ["POST", `/api/v1/admin/events/${event_id}/publish`],
      ["GET", `/api/v1/admin/events/${event_id}/stats`],
    ];
    for (const [method, path] of routes) {
      expectError(expect, await call(method, path, { token: other.token }), 404, "not_found");
      expectError(expect, await call(method, path, { token: buyer.token }), 403, "forbidden");
      expectError(expect, await call(method, path), 401, "unauthenticated");
    }
    expectError(expect, await call("GET", "/api/v1/admin/events", { token: buyer.token }), 403, "forbidden");
    expect((await call("GET", "/api/v1/admin/events", { token: other.token })).body.events).toEqual([]);
    // Still a draft: the other organizer's publish changed nothing.
    const row = await env.DB.prepare("SELECT state FROM events WHERE id = ?").bind(event_id).first();
    expect(row).toEqual({ state: "draft" });
    expect(await env.INVENTORY.get(env.INVENTORY.idFromName(`${event_id}:R`)).snapshot()).toBeNull();
  });
});

describe("stats", () => {
  it("reports live section counts from the inventory", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 4 }], gaCapacity: 10 });
    const hold = await env.INVENTORY.get(env.INVENTORY.idFromName(`${ev.eventId}:R`)).hold({
      holdId: `hld_test_${crypto.randomUUID()}`,
      userId: "usr_x",
      expiresAt: Date.now() + 600_000,
      seats: ["R-A-1", "R-A-2"],
    });
    expect(holdTaken(hold)).toBe(true);
    const res = await call("GET", `/api/v1/admin/events/${ev.eventId}/stats`, { token: ev.organizerToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      sections: [
        { key: "R", capacity: 4, available: 2, held: 2, sold: 0 },
        { key: "GA", capacity: 10, available: 10, held: 0, sold: 0 },
      ],
      orders: 0,
      revenue_cents: 0,
    });
  });

  it("counts a draft's places as free without touching the inventory", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const { event_id } = await createEvent(org.token, venueId);
    const res = await call("GET", `/api/v1/admin/events/${event_id}/stats`, { token: org.token });
    expect(res.body.sections).toMatchObject([
      { key: "R", capacity: 10, available: 10, held: 0, sold: 0 },
      { key: "GA", capacity: 100, available: 100, held: 0, sold: 0 },
    ]);
  });
});

describe("stats of orders", () => {
  it("counts only paid orders and sums their amounts", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 2 }], gaCapacity: 5 });
    const insert = (status: string, amount: number) =>
      env.DB.prepare(
        `INSERT INTO orders (id, user_id, event_id, hold_id, status, subtotal_cents, amount_cents, currency, hold_expires_at)
         VALUES (?, 'usr_x', ?, ?, ?, ?, ?, 'usd', '2030-01-01T00:00:00.000Z')`,
      )
        .bind(`ord_${crypto.randomUUID()}`, ev.eventId, `hld_${crypto.randomUUID()}`, status, amount, amount)
        .run();
    await insert("paid", 5000);
    await insert("paid", 2500);
    await insert("pending_payment", 9999);
    await insert("refunded", 1234);
    const res = await call("GET", `/api/v1/admin/events/${ev.eventId}/stats`, { token: ev.organizerToken });
    expect(res.body).toMatchObject({ orders: 2, revenue_cents: 7500 });
  });
});
