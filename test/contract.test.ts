/**
 * Contract conformance: walks the written contract (`API.md` in the shared folder;
 * docs/openapi.json describes the same API) as an outside client would, through the Worker's
 * fetch handler only. Each test names the contract section it checks. It asserts what the
 * contract writes (status codes, field names and types, error codes, the error shape) and not
 * the implementation's extensions; the implementation's own tests cover behaviour in depth.
 * Seeded-demo facts (`npm run dev`) are not part of a test run and are not checked here.
 */
import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, it, type ExpectStatic } from "vitest";
import {
  authorizeAtProvider,
  deliverWebhook,
  expireHold,
  gateway,
  getOrder,
  hold,
  order,
  paidOrder,
  paymentIntentEvent,
  pendingOrder,
  stripeSigned,
} from "./support/checkout";
import {
  admitNextTick,
  createEvent,
  createVenue,
  DEFAULT_SECTIONS,
  eventBody,
  PASSWORD,
  publishedEvent,
  signupBuyer,
  signupOrganizer,
  uniqueEmail,
  type PublishedEvent,
} from "./support/fixtures";
import { call, type CallResult } from "./support/http";
import { decodeQrSvg } from "./support/qr";

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const SNAKE = /^[a-z][a-z0-9_]*$/;

/** Errors: `{"error": {"code", "message", "details"?}}` with the given status and code. */
function expectError(expect: ExpectStatic, res: CallResult, status: number, code?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get("Content-Type") ?? "").toContain("application/json");
  expect(Object.keys(res.body)).toEqual(["error"]);
  const err = res.body.error;
  expect(Object.keys(err).every((k) => ["code", "message", "details"].includes(k))).toBe(true);
  expect(err.code).toMatch(SNAKE);
  if (code !== undefined) expect(err.code).toBe(code);
  expect(typeof err.message).toBe("string");
  expect(err.message.length).toBeGreaterThan(0);
  if ("details" in err) expect(typeof err.details === "object" && err.details !== null && !Array.isArray(err.details)).toBe(true);
  return err as { code: string; message: string; details?: Record<string, any> };
}

/** 400 `invalid_request` with `details.issues` (a non-empty list). */
function expectInvalid(expect: ExpectStatic, res: CallResult) {
  const err = expectError(expect, res, 400, "invalid_request");
  expect(Array.isArray(err.details?.issues)).toBe(true);
  expect(err.details!.issues.length).toBeGreaterThan(0);
  return err;
}

const expectTime = (expect: ExpectStatic, v: unknown) => expect(v).toMatch(RFC3339_UTC);
const expectCents = (expect: ExpectStatic, v: unknown) => expect(Number.isSafeInteger(v) && (v as number) >= 0, `cents ${v}`).toBe(true);

const eventPath = (ev: PublishedEvent, rest = "") => `/api/v1/events/${ev.eventId}${rest}`;

async function staffDevice(ev: PublishedEvent, name = "Gate 1") {
  const res = await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name } });
  if (res.status !== 201) throw new Error(`gate device: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { device_id: string; token: string; enroll_url: string };
}

describe("Errors", () => {
  it("unknown routes, missing and bad tokens answer with the error shape", async ({ expect }) => {
    expectError(expect, await call("GET", "/api/v1/no-such-route"), 404, "not_found");
    expectError(expect, await call("GET", "/api/v1/me/orders"), 401, "unauthenticated");
    expectError(expect, await call("GET", "/api/v1/me/orders", { token: "not-a-token" }), 401, "unauthenticated");
    expectError(expect, await call("GET", "/api/v1/me/orders", { headers: { Authorization: "Basic abc" } }), 401, "unauthenticated");
  });

  it("every route that needs a bearer token answers 401 unauthenticated without one", async ({ expect }) => {
    const routes: [string, string][] = [
      ["POST", "/api/v1/admin/venues"],
      ["POST", "/api/v1/admin/events"],
      ["POST", "/api/v1/admin/events/evt_x/publish"],
      ["POST", "/api/v1/admin/events/evt_x/cancel"],
      ["POST", "/api/v1/admin/events/evt_x/promo-codes"],
      ["GET", "/api/v1/admin/events/evt_x/stats"],
      ["POST", "/api/v1/admin/orders/ord_x/refund"],
      ["POST", "/api/v1/admin/events/evt_x/gate-devices"],
      ["POST", "/api/v1/events/evt_x/holds"],
      ["GET", "/api/v1/holds/hld_x"],
      ["DELETE", "/api/v1/holds/hld_x"],
      ["POST", "/api/v1/orders"],
      ["GET", "/api/v1/orders/ord_x"],
      ["GET", "/api/v1/me/orders"],
      ["POST", "/api/v1/orders/ord_x/cancel"],
      ["GET", "/api/v1/tickets/tkt_x/qr.svg"],
      ["POST", "/api/v1/events/evt_x/queue"],
      ["GET", "/api/v1/events/evt_x/queue/que_x"],
      ["GET", "/api/v1/gate/events/evt_x/bundle"],
      ["POST", "/api/v1/gate/events/evt_x/scans"],
    ];
    for (const [method, path] of routes) {
      const body = method === "POST" ? {} : undefined;
      expectError(expect, await call(method, path, { body }), 401, "unauthenticated");
      expectError(expect, await call(method, path, { body, token: "bogus.token.value" }), 401, "unauthenticated");
    }
  });

  it("validation failures are 400 invalid_request with details.issues, on every JSON route", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const bad = { wrong: ["type"] };
    const org = ev.organizerToken;
    const cases: [string, string, string | undefined][] = [
      ["POST", "/api/v1/auth/signup", undefined],
      ["POST", "/api/v1/auth/login", undefined],
      ["POST", "/api/v1/admin/venues", org],
      ["POST", "/api/v1/admin/events", org],
      ["POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, org],
      ["POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, org],
      ["POST", eventPath(ev, "/holds"), buyer.token],
    ];
    for (const [method, path, token] of cases) expectInvalid(expect, await call(method, path, { token, body: bad }));
    expectInvalid(expect, await call("POST", "/api/v1/orders", { token: buyer.token, body: bad, headers: { "Idempotency-Key": crypto.randomUUID() } }));
    expectInvalid(expect, await call("GET", "/api/v1/events?limit=abc"));
    const device = await staffDevice(ev);
    expectInvalid(expect, await call("POST", eventPath(ev, "/scans").replace("/events/", "/gate/events/"), { token: device.token, body: bad }));
  });

  it("malformed JSON is 400 invalid_request with details.issues, never a 5xx", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const rawBody = '{"seats": [';
    expectInvalid(expect, await call("POST", "/api/v1/auth/signup", { rawBody }));
    expectInvalid(expect, await call("POST", "/api/v1/admin/venues", { token: ev.organizerToken, rawBody }));
    expectInvalid(expect, await call("POST", eventPath(ev, "/holds"), { token: buyer.token, rawBody }));
    expectInvalid(
      expect,
      await call("POST", "/api/v1/orders", { token: buyer.token, rawBody, headers: { "Idempotency-Key": crypto.randomUUID() } }),
    );
  });

  it("413 for a body over the cap, before anything is created", async ({ expect }) => {
    const email = uniqueEmail("huge");
    const res = await call("POST", "/api/v1/auth/signup", {
      rawBody: JSON.stringify({ email, password: PASSWORD, name: "x".repeat(200_000) }),
    });
    expectError(expect, res, 413);
    expect((await call("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } })).status).toBe(401);
  });

  it("429 rate_limited with Retry-After once a limit is passed", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 300 } } });
    const buyer = await signupBuyer();
    let res: CallResult | undefined;
    for (let i = 0; i < 200; i++) {
      res = await call("POST", eventPath(ev, "/queue"), { token: buyer.token });
      if (res.status === 429) break;
      expect(res.status).toBe(201);
    }
    expectError(expect, res!, 429, "rate_limited");
    expect(res!.headers.get("Retry-After")).toMatch(/^[1-9]\d*$/);
  });
});

describe("Identity", () => {
  it("signup 201 {user_id, token}, login 200 {user_id, token}, token works as a bearer token", async ({ expect }) => {
    const email = uniqueEmail("id");
    const up = await call("POST", "/api/v1/auth/signup", { body: { email, password: PASSWORD, name: "Ada" } });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ user_id: expect.any(String), token: expect.any(String) });
    const login = await call("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ user_id: up.body.user_id, token: expect.any(String) });
    const mine = await call("GET", "/api/v1/me/orders", { token: login.body.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ orders: [] });
    expectError(expect, await call("POST", "/api/v1/auth/login", { body: { email, password: "wrong-password" } }), 401, "unauthenticated");
    const again = await call("POST", "/api/v1/auth/signup", { body: { email, password: PASSWORD, name: "Ada" } });
    expect(again.status).toBe(409);
    expectError(expect, again, 409);
  });

  it("buyers are the default role: organizer routes answer 403 forbidden", async ({ expect }) => {
    const buyer = await signupBuyer();
    expectError(expect, await call("POST", "/api/v1/admin/venues", { token: buyer.token, body: { name: "V", city: "C", sections: DEFAULT_SECTIONS } }), 403, "forbidden");
  });
});

describe("Organizer routes", () => {
  it("venue 201 {venue_id, sections: [{key, name, kind, capacity}]}", async ({ expect }) => {
    const org = await signupOrganizer();
    const res = await call("POST", "/api/v1/admin/venues", { token: org.token, body: { name: "Hall", city: "Testville", sections: DEFAULT_SECTIONS } });
    expect(res.status).toBe(201);
    expect(res.body.venue_id).toEqual(expect.any(String));
    expect(res.body.sections).toEqual([
      expect.objectContaining({ key: "R", name: "Stalls", kind: "reserved", capacity: 10 }),
      expect.objectContaining({ key: "GA", name: "Standing", kind: "ga", capacity: 100 }),
    ]);
  });

  it("event 201 {event_id, status: draft}; defaults 600 s and 8; publish 200 on_sale; drafts are not public", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const created = await createEvent(org.token, venueId);
    expect(created).toMatchObject({ event_id: expect.any(String), status: "draft" });
    expectError(expect, await call("GET", `/api/v1/events/${created.event_id}`), 404, "not_found");
    const published = await call("POST", `/api/v1/admin/events/${created.event_id}/publish`, { token: org.token });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe("on_sale");
    const pub = await call("GET", `/api/v1/events/${created.event_id}`);
    expect(pub.status).toBe(200);
    expect(pub.body).toMatchObject({ event_id: created.event_id, hold_ttl_seconds: 600, max_tickets_per_user: 8 });
  });

  it("publish before on_sale_at: not on_sale, holds 422 not_on_sale", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { on_sale_at: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(ev.event.status).toBe("scheduled");
    const buyer = await signupBuyer();
    expectError(expect, await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body: { seats: ["R-A-1"] } }), 422, "not_on_sale");
  });

  it("event body limits: hold_ttl_seconds 60..1800, max_tickets_per_user 1..50", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    for (const o of [{ hold_ttl_seconds: 59 }, { hold_ttl_seconds: 1801 }, { max_tickets_per_user: 0 }, { max_tickets_per_user: 51 }]) {
      expectInvalid(expect, await call("POST", "/api/v1/admin/events", { token: org.token, body: eventBody(venueId, o) }));
    }
    const edge = await createEvent(org.token, venueId, { hold_ttl_seconds: 1800, max_tickets_per_user: 50 });
    expect(edge.status).toBe("draft");
  });

  it("only on its own venues and events: another organizer gets 404, a buyer 403", async ({ expect }) => {
    const ev = await publishedEvent();
    const other = await signupOrganizer();
    const buyer = await signupBuyer();
    const routes: [string, string, unknown?][] = [
      ["POST", `/api/v1/admin/events/${ev.eventId}/publish`],
      ["POST", `/api/v1/admin/events/${ev.eventId}/cancel`],
      ["POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, { code: "NOPE10", percent_off: 10 }],
      ["GET", `/api/v1/admin/events/${ev.eventId}/stats`],
      ["POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { name: "Gate" }],
    ];
    for (const [method, path, body] of routes) {
      expectError(expect, await call(method, path, { token: other.token, body }), 404, "not_found");
      expectError(expect, await call(method, path, { token: buyer.token, body }), 403, "forbidden");
      expectError(expect, await call(method, path, { body }), 401, "unauthenticated");
    }
    // Another organizer's venue cannot carry this organizer's event.
    const res = await call("POST", "/api/v1/admin/events", {
      token: other.token,
      body: eventBody(ev.venueId),
    });
    expectError(expect, res, 404, "not_found");
    // Nothing changed: the event is still on sale.
    expect((await call("GET", eventPath(ev))).body.status).toBe("on_sale");
  });

  it("stats 200 {sections: [{key, capacity, available, held, sold}], orders, revenue_cents}", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const p = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    await hold(ev, buyer, { section: "GA", quantity: 3 });
    const res = await call("GET", `/api/v1/admin/events/${ev.eventId}/stats`, { token: ev.organizerToken });
    expect(res.status).toBe(200);
    const byKey = Object.fromEntries(res.body.sections.map((s: any) => [s.key, s]));
    expect(byKey.R).toMatchObject({ key: "R", capacity: 10, available: 8, held: 0, sold: 2 });
    expect(byKey.GA).toMatchObject({ key: "GA", capacity: 100, available: 97, held: 3, sold: 0 });
    expect(res.body.orders).toBe(1);
    expect(res.body.revenue_cents).toBe(p.order.amount_cents);
  });

  it("promo codes: 201 for percent_off or amount_off_cents; 400 for both or neither", async ({ expect }) => {
    const ev = await publishedEvent();
    const path = `/api/v1/admin/events/${ev.eventId}/promo-codes`;
    const t = ev.organizerToken;
    expect((await call("POST", path, { token: t, body: { code: "TENOFF", percent_off: 10, max_uses: 5, per_user_limit: 1 } })).status).toBe(201);
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    expect((await call("POST", path, { token: t, body: { code: "FIVER", amount_off_cents: 500, valid_from: from, valid_to: to } })).status).toBe(201);
    expectInvalid(expect, await call("POST", path, { token: t, body: { code: "BOTH", percent_off: 10, amount_off_cents: 100 } }));
    expectInvalid(expect, await call("POST", path, { token: t, body: { code: "NEITHER" } }));
  });

  it("gate devices 201 {device_id, token, enroll_url}; the token is staff for this event only", async ({ expect }) => {
    const ev = await publishedEvent();
    const other = await publishedEvent();
    const res = await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name: "North gate" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ device_id: expect.any(String), token: expect.any(String), enroll_url: expect.any(String) });
    expect(() => new URL(res.body.enroll_url)).not.toThrow();
    const staff = res.body.token as string;
    expect((await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: staff })).status).toBe(200);
    expectError(expect, await call("GET", `/api/v1/gate/events/${other.eventId}/bundle`, { token: staff }), 403, "forbidden");
    // Staff are gate devices, not buyers or organizers.
    expectError(expect, await call("POST", eventPath(ev, "/holds"), { token: staff, body: { seats: ["R-A-1"] } }), 403, "forbidden");
    expectError(expect, await call("GET", `/api/v1/admin/events/${ev.eventId}/stats`, { token: staff }), 403, "forbidden");
  });
});

describe("Buying: catalog", () => {
  it("GET /events filters and pages: {events: [...], next_cursor}", async ({ expect }) => {
    const org = await signupOrganizer();
    const city = `City${crypto.randomUUID().slice(0, 8)}`;
    const { venueId } = await createVenue(org.token);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await createEvent(org.token, venueId, { city, category: "theatre", starts_at: new Date(Date.now() + (10 + i) * 86_400_000).toISOString(), ends_at: new Date(Date.now() + (10 + i) * 86_400_000 + 3_600_000).toISOString() });
      await call("POST", `/api/v1/admin/events/${e.event_id}/publish`, { token: org.token });
      ids.push(e.event_id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/events?city=${city}&category=theatre&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await call("GET", q);
      expect(page.status).toBe(200);
      expect(Object.keys(page.body)).toEqual(expect.arrayContaining(["events", "next_cursor"]));
      expect(page.body.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.events.map((e: any) => e.event_id));
      cursor = page.body.next_cursor;
      expect(cursor === null || typeof cursor === "string").toBe(true);
    } while (cursor);
    expect(seen).toEqual(ids);
    const none = await call("GET", `/api/v1/events?city=${city}&category=sports`);
    expect(none.body).toEqual({ events: [], next_cursor: null });
    const from = new Date(Date.now() + 10.5 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 11.5 * 86_400_000).toISOString();
    const window = await call("GET", `/api/v1/events?city=${city}&from=${from}&to=${to}`);
    expect(window.body.events.map((e: any) => e.event_id)).toEqual([ids[1]]);
  });

  it("GET /events/{id}: sections and price_tiers; money in cents, times RFC 3339 UTC", async ({ expect }) => {
    const ev = await publishedEvent();
    const res = await call("GET", eventPath(ev));
    expect(res.status).toBe(200);
    expect(res.body.event_id).toBe(ev.eventId);
    expect(res.body.price_tiers).toEqual({ standard: 5000, ga: 2500 });
    expect(res.body.sections.map((s: any) => s.key)).toEqual(["R", "GA"]);
    for (const f of ["starts_at", "ends_at", "on_sale_at"]) expectTime(expect, res.body[f]);
    expectError(expect, await call("GET", "/api/v1/events/evt_doesnotexist"), 404, "not_found");
  });

  it("GET /events/{id}/seats[?section=KEY]: counts and seat statuses", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    await hold(ev, buyer, { seats: ["R-A-1"] });
    const res = await call("GET", eventPath(ev, "/seats"));
    expect(res.status).toBe(200);
    const [r, ga] = res.body.sections;
    expect(r).toMatchObject({ key: "R", kind: "reserved", capacity: 10, available: 9 });
    expect(r.seats).toHaveLength(10);
    expect(r.seats[0]).toEqual(expect.objectContaining({ seat_id: "R-A-1", label: "R-A-1", row: "A", number: 1, price_cents: 5000, status: "held" }));
    expect(r.seats[1].status).toBe("available");
    expect(ga).toMatchObject({ key: "GA", kind: "ga", capacity: 100, available: 100 });
    const only = await call("GET", eventPath(ev, "/seats?section=GA"));
    expect(only.body.sections.map((s: any) => s.key)).toEqual(["GA"]);
    expectError(expect, await call("GET", eventPath(ev, "/seats?section=NOPE")), 404, "not_found");
  });
});

describe("Buying: holds", () => {
  it("201 {hold_id, event_id, seats, quantity, expires_at, total_cents} for seats and for GA", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const seats = await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body: { seats: ["R-A-1", "R-A-2"] } });
    expect(seats.status).toBe(201);
    expect(seats.body).toMatchObject({ hold_id: expect.any(String), event_id: ev.eventId, seats: ["R-A-1", "R-A-2"], total_cents: 10_000 });
    expect(Number.isInteger(seats.body.quantity)).toBe(true);
    expectTime(expect, seats.body.expires_at);
    const ttl = Date.parse(seats.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    const ga = await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body: { section: "GA", quantity: 3 } });
    expect(ga.status).toBe(201);
    expect(ga.body).toMatchObject({ event_id: ev.eventId, quantity: 3, total_cents: 7500 });
    expect(Array.isArray(ga.body.seats)).toBe(true);
  });

  it("all or nothing: 409 seat_unavailable with details.unavailable, and nothing held", async ({ expect }) => {
    const ev = await publishedEvent();
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    await hold(ev, a, { seats: ["R-A-2"] });
    const res = await call("POST", eventPath(ev, "/holds"), { token: b.token, body: { seats: ["R-A-1", "R-A-2", "R-A-3"] } });
    const err = expectError(expect, res, 409, "seat_unavailable");
    expect(err.details?.unavailable).toEqual(["R-A-2"]);
    const map = await call("GET", eventPath(ev, "/seats?section=R"));
    const status = Object.fromEntries(map.body.sections[0].seats.map((s: any) => [s.seat_id, s.status]));
    expect([status["R-A-1"], status["R-A-2"], status["R-A-3"]]).toEqual(["available", "held", "available"]);
  });

  it("all or nothing across sections: one taken seat in one section holds nothing in the other", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token, [
      { key: "L", name: "Left", kind: "reserved", rows: [{ label: "A", seats: 3, price_tier: "standard" }] },
      { key: "M", name: "Middle", kind: "reserved", rows: [{ label: "A", seats: 3, price_tier: "standard" }] },
    ]);
    const created = await createEvent(org.token, venueId);
    await call("POST", `/api/v1/admin/events/${created.event_id}/publish`, { token: org.token });
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const path = `/api/v1/events/${created.event_id}/holds`;
    expect((await call("POST", path, { token: a.token, body: { seats: ["M-A-2"] } })).status).toBe(201);
    const res = await call("POST", path, { token: b.token, body: { seats: ["L-A-1", "L-A-2", "M-A-1", "M-A-2"] } });
    expect(expectError(expect, res, 409, "seat_unavailable").details?.unavailable).toEqual(["M-A-2"]);
    const map = await call("GET", `/api/v1/events/${created.event_id}/seats`);
    expect(map.body.sections.map((s: any) => [s.key, s.available])).toEqual([["L", 3], ["M", 2]]);
    const both = await call("POST", path, { token: b.token, body: { seats: ["L-A-1", "M-A-1"] } });
    expect(both.status).toBe(201);
    expect(both.body).toMatchObject({ seats: ["L-A-1", "M-A-1"], total_cents: 10_000 });
  });

  it("racing holds on one seat: exactly one 201, the rest 409 seat_unavailable", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyers = await Promise.all(Array.from({ length: 8 }, () => signupBuyer()));
    const results = await Promise.all(buyers.map((b) => call("POST", eventPath(ev, "/holds"), { token: b.token, body: { seats: ["R-B-5"] } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect(expectError(expect, r, 409, "seat_unavailable").details?.unavailable).toEqual(["R-B-5"]);
  });

  it("422 limit_exceeded past max_tickets_per_user, counting held and bought", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { max_tickets_per_user: 3 } });
    const buyer = await signupBuyer();
    await paidOrder(ev, buyer, { seats: ["R-A-1"] });
    await hold(ev, buyer, { section: "GA", quantity: 1 });
    expectError(expect, await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body: { section: "GA", quantity: 2 } }), 422, "limit_exceeded");
    expect((await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body: { seats: ["R-A-2"] } })).status).toBe(201);
  });

  it("422 limit_exceeded for any request past max_tickets_per_user, however large", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 1000 });
    const buyer = await signupBuyer();
    for (const quantity of [9, 51, 500]) {
      const res = await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body: { section: "GA", quantity } });
      expectError(expect, res, 422, "limit_exceeded");
    }
    expect((await call("GET", eventPath(ev, "/seats?section=GA"))).body.sections[0].available).toBe(1000);
  });

  it("422 sold_out when a GA section has fewer places left than asked", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 2 });
    const buyer = await signupBuyer();
    expectError(expect, await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body: { section: "GA", quantity: 3 } }), 422, "sold_out");
  });

  it("bad hold bodies are 400 invalid_request and hold nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    for (const body of [{}, { seats: [] }, { seats: "R-A-1" }, { seats: ["R-A-1", "R-A-1"] }, { section: "GA", quantity: 0 }, { section: "GA", quantity: "2" }, { seats: ["R-Z-99"] }]) {
      expectInvalid(expect, await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body }));
    }
    const map = await call("GET", eventPath(ev, "/seats"));
    expect(map.body.sections.map((s: any) => s.available)).toEqual([10, 100]);
    expectError(expect, await call("POST", "/api/v1/events/evt_doesnotexist/holds", { token: buyer.token, body: { seats: ["R-A-1"] } }), 404, "not_found");
    expectError(expect, await call("POST", eventPath(ev, "/holds"), { body: { seats: ["R-A-1"] } }), 401, "unauthenticated");
  });

  it("GET /holds/{id} 200 for its owner only; DELETE 200 frees the seats at once", async ({ expect }) => {
    const ev = await publishedEvent();
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const h = await hold(ev, a, { seats: ["R-A-4"] });
    const got = await call("GET", `/api/v1/holds/${h.hold_id}`, { token: a.token });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ hold_id: h.hold_id, event_id: ev.eventId, seats: ["R-A-4"], expires_at: h.expires_at, total_cents: 5000 });
    const foreign = await call("GET", `/api/v1/holds/${h.hold_id}`, { token: b.token });
    expect([403, 404]).toContain(foreign.status);
    expectError(expect, foreign, foreign.status);
    const foreignDelete = await call("DELETE", `/api/v1/holds/${h.hold_id}`, { token: b.token });
    expect([403, 404]).toContain(foreignDelete.status);
    expectError(expect, foreignDelete, foreignDelete.status);
    expect((await call("DELETE", `/api/v1/holds/${h.hold_id}`, { token: a.token })).status).toBe(200);
    expect((await call("POST", eventPath(ev, "/holds"), { token: b.token, body: { seats: ["R-A-4"] } })).status).toBe(201);
  });

  it("a hold not paid by expires_at is gone and its seats are available again", async ({ expect }) => {
    const ev = await publishedEvent();
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const h = await hold(ev, a, { seats: ["R-B-1"] });
    await expireHold(ev.eventId, a.userId, h.hold_id, ["R"]);
    const map = await call("GET", eventPath(ev, "/seats?section=R"));
    expect(map.body.sections[0].seats.find((s: any) => s.seat_id === "R-B-1").status).toBe("available");
    expectError(expect, await call("GET", `/api/v1/holds/${h.hold_id}`, { token: a.token }), 404, "not_found");
    expect((await call("POST", eventPath(ev, "/holds"), { token: b.token, body: { seats: ["R-B-1"] } })).status).toBe(201);
    expectError(expect, await order(a, h.hold_id), 409, "hold_expired");
  });
});

describe("Buying: orders and payments", () => {
  it("POST /orders 201 {order_id, status: pending_payment, amount_cents, discount_cents, payment}", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    const res = await order(buyer, h.hold_id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ order_id: expect.any(String), status: "pending_payment", amount_cents: 10_000, discount_cents: 0 });
    expect(res.body.payment).toMatchObject({ provider: expect.any(String), payment_id: expect.any(String) });
    if (res.body.payment.client_secret !== undefined && res.body.payment.client_secret !== null) expect(typeof res.body.payment.client_secret).toBe("string");
  });

  it("Idempotency-Key: required; same key and body replays; another body 409 idempotency_conflict", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h1 = await hold(ev, buyer, { seats: ["R-A-1"] });
    const h2 = await hold(ev, buyer, { seats: ["R-A-2"] });
    expectInvalid(expect, await call("POST", "/api/v1/orders", { token: buyer.token, body: { hold_id: h1.hold_id } }));
    const key = crypto.randomUUID();
    const first = await order(buyer, h1.hold_id, { key });
    const replay = await order(buyer, h1.hold_id, { key });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expectError(expect, await order(buyer, h2.hold_id, { key }), 409, "idempotency_conflict");
    // Only one order exists.
    const mine = await call("GET", "/api/v1/me/orders", { token: buyer.token });
    expect(mine.body.orders.map((o: any) => o.order_id)).toEqual([first.body.order_id]);
  });

  it("another buyer's hold cannot be ordered", async ({ expect }) => {
    const ev = await publishedEvent();
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const h = await hold(ev, a, { seats: ["R-A-3"] });
    const res = await order(b, h.hold_id);
    expect([403, 404]).toContain(res.status);
    expectError(expect, res, res.status);
  });

  it("test gateway succeed -> paid with one Ticket per seat; GET /orders/{id} owner only", async ({ expect }) => {
    const ev = await publishedEvent();
    const [buyer, other] = await Promise.all([signupBuyer(), signupBuyer()]);
    const p = await pendingOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    const pending = await getOrder(buyer, p.order.order_id);
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({ order_id: p.order.order_id, status: "pending_payment", tickets: [] });
    expect((await gateway(p.order.payment.payment_id, "succeed")).status).toBe(200);
    const paid = await getOrder(buyer, p.order.order_id);
    expect(paid.body.status).toBe("paid");
    expect(paid.body.tickets).toHaveLength(2);
    const foreign = await getOrder(other, p.order.order_id);
    expect([403, 404]).toContain(foreign.status);
    expectError(expect, foreign, foreign.status);
    expectError(expect, await call("GET", `/api/v1/orders/${p.order.order_id}`), 401, "unauthenticated");
  });

  it("test gateway fail -> failed, and the seats are free again", async ({ expect }) => {
    const ev = await publishedEvent();
    const [buyer, other] = await Promise.all([signupBuyer(), signupBuyer()]);
    const p = await pendingOrder(ev, buyer, { seats: ["R-B-2"] });
    expect((await gateway(p.order.payment.payment_id, "fail")).status).toBe(200);
    const res = await getOrder(buyer, p.order.order_id);
    expect(res.body).toMatchObject({ status: "failed", tickets: [] });
    expect((await call("POST", eventPath(ev, "/holds"), { token: other.token, body: { seats: ["R-B-2"] } })).status).toBe(201);
  });

  it("webhook: unsigned or badly signed 400; duplicate deliveries are harmless", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const p = await pendingOrder(ev, buyer, { section: "GA", quantity: 2 });
    const body = paymentIntentEvent("payment_intent.amount_capturable_updated", p.order.payment.payment_id);
    expectError(expect, await deliverWebhook(body), 400);
    expectError(expect, await deliverWebhook(body, "t=1,v1=deadbeef"), 400);
    expect((await getOrder(buyer, p.order.order_id)).body.status).toBe("pending_payment");
    // The local provider authorizes when the card succeeds; its webhook may then arrive twice.
    await authorizeAtProvider(p.order.payment.payment_id);
    const sig = await stripeSigned(body);
    const [a, b] = await Promise.all([deliverWebhook(body, sig), deliverWebhook(body, sig)]);
    expect(a.status).toBeLessThan(300);
    expect(b.status).toBeLessThan(300);
    expect((await deliverWebhook(body, await stripeSigned(body))).status).toBeLessThan(300);
    const res = await getOrder(buyer, p.order.order_id);
    expect(res.body.status).toBe("paid");
    expect(res.body.tickets).toHaveLength(2);
  });

  it("promo codes: discount_cents and amount_cents; 422 promo_invalid for codes that do not apply", async ({ expect }) => {
    const ev = await publishedEvent();
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const path = `/api/v1/admin/events/${ev.eventId}/promo-codes`;
    await call("POST", path, { token: ev.organizerToken, body: { code: "QUARTER", percent_off: 25, max_uses: 1 } });
    const later = new Date(Date.now() + 86_400_000).toISOString();
    await call("POST", path, { token: ev.organizerToken, body: { code: "TOMORROW", amount_off_cents: 100, valid_from: later } });
    const p = await pendingOrder(ev, a, { seats: ["R-A-1", "R-A-2"] }, "QUARTER");
    expect(p.order).toMatchObject({ amount_cents: 7500, discount_cents: 2500 });
    const h = await hold(ev, b, { seats: ["R-A-3"] });
    expectError(expect, await order(b, h.hold_id, { promo: "QUARTER" }), 422, "promo_invalid");
    expectError(expect, await order(b, h.hold_id, { promo: "TOMORROW" }), 422, "promo_invalid");
    expectError(expect, await order(b, h.hold_id, { promo: "NO_SUCH_CODE" }), 422, "promo_invalid");
    const plain = await order(b, h.hold_id);
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ amount_cents: 5000, discount_cents: 0 });
  });

  it("GET /me/orders 200 {orders: [...]} with the caller's orders only", async ({ expect }) => {
    const ev = await publishedEvent();
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const pa = await pendingOrder(ev, a, { seats: ["R-A-1"] });
    const pb = await paidOrder(ev, b, { seats: ["R-A-2"] });
    const mine = await call("GET", "/api/v1/me/orders", { token: a.token });
    expect(mine.status).toBe(200);
    expect(mine.body.orders.map((o: any) => o.order_id)).toEqual([pa.order.order_id]);
    expect(mine.body.orders[0]).toMatchObject({ status: "pending_payment", amount_cents: 5000 });
    const theirs = await call("GET", "/api/v1/me/orders", { token: b.token });
    expect(theirs.body.orders.map((o: any) => [o.order_id, o.status])).toEqual([[pb.order.order_id, "paid"]]);
  });

  it("POST /orders/{id}/cancel 200 before payment: cancelled, hold released", async ({ expect }) => {
    const ev = await publishedEvent();
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const p = await pendingOrder(ev, a, { seats: ["R-A-5"] });
    const res = await call("POST", `/api/v1/orders/${p.order.order_id}/cancel`, { token: a.token });
    expect(res.status).toBe(200);
    expect((await getOrder(a, p.order.order_id)).body.status).toBe("cancelled");
    expect((await call("POST", eventPath(ev, "/holds"), { token: b.token, body: { seats: ["R-A-5"] } })).status).toBe(201);
    // Paying a cancelled order is no longer possible, and no tickets appear.
    await gateway(p.order.payment.payment_id, "succeed");
    expect((await getOrder(a, p.order.order_id)).body).toMatchObject({ status: "cancelled", tickets: [] });
    const foreign = await call("POST", `/api/v1/orders/${p.order.order_id}/cancel`, { token: b.token });
    expect([403, 404]).toContain(foreign.status);
    expectError(expect, foreign, foreign.status);
  });
});

describe("Tickets", () => {
  it("Ticket fields, JWT header and claims, verified against /.well-known/jwks.json", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { paid, order: o } = await paidOrder(ev, buyer, { seats: ["R-A-1"] });
    const ga = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    const jwksRes = await call("GET", "/.well-known/jwks.json");
    expect(jwksRes.status).toBe(200);
    expect(Array.isArray(jwksRes.body.keys)).toBe(true);
    for (const k of jwksRes.body.keys) {
      expect(k).toMatchObject({ kty: "OKP", crv: "Ed25519", kid: expect.any(String), x: expect.any(String) });
      expect(k.d, "no private key material in the JWKS").toBeUndefined();
    }
    const jwks = createLocalJWKSet(jwksRes.body);

    for (const [t, seat, sec, ord] of [
      [paid.tickets[0], "R-A-1", "R", o.order_id],
      [ga.paid.tickets[0], null, "GA", ga.order.order_id],
    ] as const) {
      expect(Object.keys(t)).toEqual(expect.arrayContaining(["ticket_id", "event_id", "section", "seat_label", "status", "jwt", "qr_svg_url"]));
      expect(t).toMatchObject({ event_id: ev.eventId, section: sec, seat_label: seat, status: "valid" });
      expect(new URL(t.qr_svg_url).pathname).toBe(`/api/v1/tickets/${t.ticket_id}/qr.svg`);
      expect(t.jwt.split(".")).toHaveLength(3);
      const header = decodeProtectedHeader(t.jwt);
      expect(header.alg).toBe("EdDSA");
      expect(jwksRes.body.keys.map((k: any) => k.kid)).toContain(header.kid);
      const { payload } = await jwtVerify(t.jwt, jwks, { algorithms: ["EdDSA"] });
      expect(payload).toMatchObject({ iss: env.TICKET_ISSUER, jti: t.ticket_id, evt: ev.eventId, sec, seat, ord });
      expect("seat" in payload).toBe(true);
      expect(Number.isInteger(payload.iat)).toBe(true);
      expect(Number.isInteger(payload.exp)).toBe(true);
      expect(payload.exp!).toBeGreaterThan(payload.iat!);
    }
    // A tampered ticket does not verify.
    const t = paid.tickets[0];
    const [h, p, s] = t.jwt.split(".");
    const forged = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
    forged.seat = "R-A-2";
    const forgedPayload = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    await expect(jwtVerify(`${h}.${forgedPayload}.${s}`, jwks)).rejects.toThrow();
  });

  it("GET /tickets/{id}/qr.svg: image/svg+xml, a QR code whose text is exactly the jwt, owner only", async ({ expect }) => {
    const ev = await publishedEvent();
    const [buyer, other] = await Promise.all([signupBuyer(), signupBuyer()]);
    const { paid } = await paidOrder(ev, buyer, { seats: ["R-A-1"] });
    const path = new URL(paid.tickets[0].qr_svg_url).pathname;
    const res = await call("GET", path, { token: buyer.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^image\/svg\+xml/);
    expect(String(res.body)).toMatch(/<svg[\s>]/);
    expect((await decodeQrSvg(String(res.body))).map((r) => r.text)).toEqual([paid.tickets[0].jwt]);
    const foreign = await call("GET", path, { token: other.token });
    expect([403, 404]).toContain(foreign.status);
    expectError(expect, foreign, foreign.status);
    expectError(expect, await call("GET", path), 401, "unauthenticated");
  });
});

describe("Organizer: refund and cancel", () => {
  it("refund 200: order refunded, tickets revoked, seats back on sale", async ({ expect }) => {
    const ev = await publishedEvent();
    const [buyer, other] = await Promise.all([signupBuyer(), signupBuyer()]);
    const { order: o } = await paidOrder(ev, buyer, { seats: ["R-A-1"] });
    const stranger = await signupOrganizer();
    expectError(expect, await call("POST", `/api/v1/admin/orders/${o.order_id}/refund`, { token: stranger.token }), 404, "not_found");
    expectError(expect, await call("POST", `/api/v1/admin/orders/${o.order_id}/refund`, { token: buyer.token }), 403, "forbidden");
    const res = await call("POST", `/api/v1/admin/orders/${o.order_id}/refund`, { token: ev.organizerToken });
    expect(res.status).toBe(200);
    const after = await getOrder(buyer, o.order_id);
    expect(after.body.status).toBe("refunded");
    expect(after.body.tickets.map((t: any) => t.status)).toEqual(["revoked"]);
    expect((await call("POST", eventPath(ev, "/holds"), { token: other.token, body: { seats: ["R-A-1"] } })).status).toBe(201);
    expectError(expect, await call("POST", "/api/v1/admin/orders/ord_doesnotexist/refund", { token: ev.organizerToken }), 404, "not_found");
  });

  it("cancel event 200: paid orders refunded, tickets revoked, no more holds", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const a = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    const res = await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken });
    expect(res.status).toBe(200);
    const after = await getOrder(buyer, a.order.order_id);
    expect(after.body.status).toBe("refunded");
    expect(after.body.tickets.map((t: any) => t.status)).toEqual(["revoked", "revoked"]);
    const pub = await call("GET", eventPath(ev));
    expect(pub.body.status).toBe("cancelled");
    const late = await signupBuyer();
    expectError(expect, await call("POST", eventPath(ev, "/holds"), { token: late.token, body: { seats: ["R-A-3"] } }), 422, "not_on_sale");
  });
});

/** Moves the event's waiting room ahead of real time and runs its admission alarm once. */
describe("Waiting room", () => {
  it("queue 201 {queue_id, position, eta_seconds}, one place per user; admitted -> X-Admission-Token opens holds", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 600 } } });
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);

    const missing = expectError(expect, await call("POST", eventPath(ev, "/holds"), { token: a.token, body: { seats: ["R-A-1"] } }), 403, "admission_required");
    expect(missing.code).toBe("admission_required");

    const join = await call("POST", eventPath(ev, "/queue"), { token: a.token });
    expect(join.status).toBe(201);
    expect(join.body).toMatchObject({ queue_id: expect.any(String), position: 1 });
    expect(Number.isInteger(join.body.eta_seconds) && join.body.eta_seconds >= 0).toBe(true);
    const again = await call("POST", eventPath(ev, "/queue"), { token: a.token });
    expect(again.status).toBe(201);
    expect(again.body.queue_id).toBe(join.body.queue_id);
    const second = await call("POST", eventPath(ev, "/queue"), { token: b.token });
    expect(second.body.position).toBe(2);

    const waiting = await call("GET", eventPath(ev, `/queue/${join.body.queue_id}`), { token: a.token });
    expect(waiting.status).toBe(200);
    expect(waiting.body).toMatchObject({ status: "waiting", position: 1 });
    expect(Number.isInteger(waiting.body.eta_seconds)).toBe(true);

    expect(await admitNextTick(ev.eventId)).toBe(true);
    const admitted = await call("GET", eventPath(ev, `/queue/${join.body.queue_id}`), { token: a.token });
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({ status: "admitted", admission_token: expect.any(String) });
    expectTime(expect, admitted.body.expires_at);
    const token = admitted.body.admission_token as string;

    const ok = await call("POST", eventPath(ev, "/holds"), { token: a.token, body: { seats: ["R-A-1"] }, headers: { "X-Admission-Token": token } });
    expect(ok.status).toBe(201);
    // The token is bound to its user.
    expectError(
      expect,
      await call("POST", eventPath(ev, "/holds"), { token: b.token, body: { seats: ["R-A-2"] }, headers: { "X-Admission-Token": token } }),
      403,
      "admission_required",
    );
  });

  it("one place per user, also when one user joins from many tabs at once", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 600 } } });
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const joins = await Promise.all(Array.from({ length: 6 }, () => call("POST", eventPath(ev, "/queue"), { token: a.token })));
    expect(joins.map((j) => j.status)).toEqual(Array(6).fill(201));
    expect(new Set(joins.map((j) => j.body.queue_id)).size).toBe(1);
    expect((await call("POST", eventPath(ev, "/queue"), { token: b.token })).body.position).toBe(2);
  });

  it("events without a waiting room need no admission token", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    expect((await call("POST", eventPath(ev, "/holds"), { token: buyer.token, body: { seats: ["R-A-1"] } })).status).toBe(201);
  });
});

describe("Gate", () => {
  it("bundle 200 {event, jwks, revoked, generated_at}; scans 200 {accepted, duplicates}; re-sending is harmless", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const kept = await paidOrder(ev, buyer, { seats: ["R-A-1"] });
    const refunded = await paidOrder(ev, buyer, { seats: ["R-A-2"] });
    await call("POST", `/api/v1/admin/orders/${refunded.order.order_id}/refund`, { token: ev.organizerToken });
    const d1 = await staffDevice(ev, "North");
    const d2 = await staffDevice(ev, "South");

    const bundle = await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: d1.token });
    expect(bundle.status).toBe(200);
    expect(typeof bundle.body.event).toBe("object");
    expect(Array.isArray(bundle.body.jwks.keys)).toBe(true);
    expect(bundle.body.revoked).toEqual([refunded.paid.tickets[0].ticket_id]);
    expectTime(expect, bundle.body.generated_at);
    // The bundle's keys verify the event's valid tickets offline.
    await expect(jwtVerify(kept.paid.tickets[0].jwt, createLocalJWKSet(bundle.body.jwks))).resolves.toBeTruthy();
    expectError(expect, await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: buyer.token }), 403, "forbidden");
    expectError(expect, await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`), 401, "unauthenticated");

    const ticketId = kept.paid.tickets[0].ticket_id;
    const t1 = new Date(Date.now() - 60_000).toISOString();
    const batch = { device_id: d1.device_id, scans: [{ ticket_id: ticketId, scanned_at: t1, verdict: "valid" }] };
    const scansPath = `/api/v1/gate/events/${ev.eventId}/scans`;
    const first = await call("POST", scansPath, { token: d1.token, body: batch });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 1, duplicates: [] });
    const resent = await call("POST", scansPath, { token: d1.token, body: batch });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ accepted: 1, duplicates: [] });

    const t2 = new Date(Date.now() - 30_000).toISOString();
    const other = await call("POST", scansPath, {
      token: d2.token,
      body: { device_id: d2.device_id, scans: [{ ticket_id: ticketId, scanned_at: t2, verdict: "valid" }] },
    });
    expect(other.status).toBe(200);
    expect(other.body.accepted).toBe(1);
    expect(other.body.duplicates).toEqual([expect.objectContaining({ ticket_id: ticketId, first_scanned_at: t1, first_device_id: d1.device_id })]);
    expectTime(expect, other.body.duplicates[0].first_scanned_at);

    // The ticket now reads as checked in to its owner.
    const owned = await getOrder(buyer, kept.order.order_id);
    expect(owned.body.tickets[0].status).toBe("checked_in");

    // A device cannot upload as another device.
    const spoof = await call("POST", scansPath, { token: d2.token, body: batch });
    expect([400, 403]).toContain(spoof.status);
    expectError(expect, spoof, spoof.status);
  });

  it("the bundle lists tickets revoked by cancelling the event", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const p = await paidOrder(ev, buyer, { section: "GA", quantity: 2 });
    const d = await staffDevice(ev);
    await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken });
    const bundle = await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: d.token });
    expect(bundle.status).toBe(200);
    expect([...bundle.body.revoked].sort()).toEqual(p.paid.tickets.map((t: any) => t.ticket_id).sort());
  });
});

describe("Formats", () => {
  it("money is integer *_cents and times are RFC 3339 UTC across holds, orders and tickets", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold: h, order: o, paid } = await paidOrder(ev, buyer, { seats: ["R-B-3"] });
    expectCents(expect, h.total_cents);
    expectTime(expect, h.expires_at);
    expectCents(expect, o.amount_cents);
    expectCents(expect, o.discount_cents);
    const walk = (v: unknown, path: string) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === "object")
        for (const [k, x] of Object.entries(v)) {
          if (k.endsWith("_cents")) expect(Number.isSafeInteger(x), `${path}.${k}`).toBe(true);
          if (k.endsWith("_at") && x !== null) expect(x, `${path}.${k}`).toMatch(RFC3339_UTC);
          walk(x, `${path}.${k}`);
        }
    };
    walk(paid, "order");
    walk((await call("GET", eventPath(ev))).body, "event");
    walk((await call("GET", "/api/v1/me/orders", { token: buyer.token })).body, "me");
    walk((await call("GET", eventPath(ev, "/seats"))).body, "seats");
    walk((await call("GET", `/api/v1/admin/events/${ev.eventId}/stats`, { token: ev.organizerToken })).body, "stats");
  });
});
