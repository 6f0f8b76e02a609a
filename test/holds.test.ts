/**
 * The hold routes end to end: POST /api/v1/events/:eventId/holds, GET and DELETE
 * /api/v1/holds/:holdId. Races through HTTP, ownership, sale windows, and bad input.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, it } from "vitest";
import { db } from "../src/platform/db/client";
import { events } from "../src/platform/db/schema";
import { ledgerOfHold } from "../src/durable-objects/buyer-ledger-handle";
import { createEvent, createVenue, publishedEvent, signupOrganizer } from "./support/fixtures";
import { call } from "./support/http";
import { backdateHold, section, staffToken, tokenFor } from "./support/inventory-fixtures";

const holdsPath = (eventId: string) => `/api/v1/events/${eventId}/holds`;

async function seatMap(eventId: string) {
  const res = await call("GET", `/api/v1/events/${eventId}/seats`);
  if (res.status !== 200) throw new Error(`seat map: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { sections: { key: string; capacity: number; available: number; seats?: { seat_id: string; status: string }[] }[] };
}

/** Everything the inventory knows about an event, for "nothing changed" checks. */
async function inventoryState(eventId: string) {
  return Promise.all(["R", "GA"].map((k) => section(eventId, k).snapshot()));
}

describe("POST /api/v1/events/:eventId/holds", () => {
  it("holds reserved seats: 201 with the contract's fields; the seat map shows them held", async ({ expect }) => {
    const ev = await publishedEvent();
    const b = await tokenFor();
    const res = await call("POST", holdsPath(ev.eventId), { token: b.token, body: { seats: ["R-A-1", "R-B-5"] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ event_id: ev.eventId, seats: ["R-A-1", "R-B-5"], quantity: 2, total_cents: 10000, status: "held" });
    // A new event is sharded: its hold ids name the ledger shard (two characters after the 40).
    expect(res.body.hold_id).toMatch(/^hld_[0-9a-z]{42}$/);
    const ttl = Date.parse(res.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    const seats = (await seatMap(ev.eventId)).sections.find((s) => s.key === "R")!.seats!;
    expect(seats.filter((s) => s.status === "held").map((s) => s.seat_id)).toEqual(["R-A-1", "R-B-5"]);
  });

  it("holds GA places with {section, quantity}, and mixed sections with {items}", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 10, overrides: { hold_ttl_seconds: 120 } });
    const b = await tokenFor();
    const ga = await call("POST", holdsPath(ev.eventId), { token: b.token, body: { section: "GA", quantity: 3 } });
    expect(ga.status).toBe(201);
    expect(ga.body).toMatchObject({ seats: [], quantity: 3, total_cents: 7500, items: [{ section: "GA", kind: "ga", quantity: 3 }] });
    expect(Date.parse(ga.body.expires_at) - Date.now()).toBeLessThanOrEqual(120_000);
    const mixed = await call("POST", holdsPath(ev.eventId), {
      token: b.token,
      body: { items: [{ section: "R", seats: ["R-A-2"] }, { section: "GA", quantity: 2 }] },
    });
    expect(mixed.status).toBe(201);
    expect(mixed.body).toMatchObject({ seats: ["R-A-2"], quantity: 3, total_cents: 5000 + 5000 });
    expect((await seatMap(ev.eventId)).sections.find((s) => s.key === "GA")).toMatchObject({ capacity: 10, available: 5 });
  });

  it("409 seat_unavailable names the taken seats and holds nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const first = await tokenFor();
    expect((await call("POST", holdsPath(ev.eventId), { token: first.token, body: { seats: ["R-A-3"] } })).status).toBe(201);
    const before = await inventoryState(ev.eventId);
    const second = await tokenFor();
    const res = await call("POST", holdsPath(ev.eventId), { token: second.token, body: { seats: ["R-A-2", "R-A-3", "R-A-4"] } });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: "seat_unavailable", message: expect.any(String), details: { unavailable: ["R-A-3"] } } });
    expect(await inventoryState(ev.eventId)).toEqual(before);
    // Across sections too: the free GA part is not kept.
    const cross = await call("POST", holdsPath(ev.eventId), {
      token: second.token,
      body: { items: [{ section: "GA", quantity: 2 }, { section: "R", seats: ["R-A-3"] }] },
    });
    expect(cross.status).toBe(409);
    expect(await inventoryState(ev.eventId)).toEqual(before);
  });

  it("422 limit_exceeded past max_tickets_per_user (held + bought), 422 sold_out past GA capacity", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 5, overrides: { max_tickets_per_user: 3 } });
    const b = await tokenFor();
    expect((await call("POST", holdsPath(ev.eventId), { token: b.token, body: { seats: ["R-A-1", "R-A-2"] } })).status).toBe(201);
    const over = await call("POST", holdsPath(ev.eventId), { token: b.token, body: { section: "GA", quantity: 2 } });
    expect(over.status).toBe(422);
    expect(over.body.error).toMatchObject({ code: "limit_exceeded", details: { limit: 3, used: 2, requested: 2 } });
    const tooMany = await call("POST", holdsPath(ev.eventId), { token: (await tokenFor()).token, body: { seats: ["R-B-1", "R-B-2", "R-B-3", "R-B-4"] } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.code).toBe("limit_exceeded");

    const c = await tokenFor();
    expect((await call("POST", holdsPath(ev.eventId), { token: c.token, body: { section: "GA", quantity: 3 } })).status).toBe(201);
    const soldOut = await call("POST", holdsPath(ev.eventId), { token: (await tokenFor()).token, body: { section: "GA", quantity: 3 } });
    expect(soldOut.status).toBe(422);
    expect(soldOut.body.error).toMatchObject({ code: "sold_out", details: { section: "GA", available: 2 } });
  });

  it("422 not_on_sale for draft, scheduled, cancelled and ended events", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const draft = await createEvent(org.token, venueId);
    const b = await tokenFor();
    const body = { seats: ["R-A-1"] };
    const notOnSale = async (eventId: string, status: string) => {
      const res = await call("POST", holdsPath(eventId), { token: b.token, body });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: "not_on_sale", details: { status } });
    };
    await notOnSale(draft.event_id, "draft");

    const scheduled = await publishedEvent({ organizer: org, overrides: { on_sale_at: new Date(Date.now() + 3600_000).toISOString() } });
    await notOnSale(scheduled.eventId, "scheduled");

    const cancelled = await publishedEvent({ organizer: org });
    await db(env).update(events).set({ state: "cancelled" }).where(eq(events.id, cancelled.eventId));
    await notOnSale(cancelled.eventId, "cancelled");

    const ended = await publishedEvent({ organizer: org });
    const past = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
    await db(env).update(events).set({ startsAt: past(3), endsAt: past(1), onSaleAt: past(10) }).where(eq(events.id, ended.eventId));
    await notOnSale(ended.eventId, "ended");
    expect((await section(scheduled.eventId, "R").snapshot())?.held).toBe(0);
  });

  it("404 for unknown or malformed event ids and unknown sections; 401 without a token; 403 for staff", async ({ expect }) => {
    const ev = await publishedEvent();
    const b = await tokenFor();
    const body = { seats: ["R-A-1"] };
    for (const id of ["evt_00000000000000000000", "nope", "evt_%27%3B--"]) {
      const res = await call("POST", holdsPath(id), { token: b.token, body });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const unknownSection = await call("POST", holdsPath(ev.eventId), { token: b.token, body: { section: "BALCONY", quantity: 1 } });
    expect(unknownSection.status).toBe(404);
    expect((await call("POST", holdsPath(ev.eventId), { body })).status).toBe(401);
    const staff = await call("POST", holdsPath(ev.eventId), { token: await staffToken(ev.eventId), body });
    expect(staff.status).toBe(403);
    expect(staff.body.error.code).toBe("forbidden");
    expect((await section(ev.eventId, "R").snapshot())?.held).toBe(0);
  });

  const BAD_BODIES: [string, unknown, number][] = [
    ["no body fields", {}, 400],
    ["seats not an array", { seats: "R-A-1" }, 400],
    ["seat ids not strings", { seats: [1, 2] }, 400],
    ["empty seat list", { seats: [] }, 400],
    ["duplicate seat ids", { seats: ["R-A-1", "R-A-2", "R-A-1"] }, 400],
    ["unknown seat (row)", { seats: ["R-A-1", "R-Z-1"] }, 400],
    ["unknown seat (number)", { seats: ["R-A-99"] }, 400],
    ["seat id of no section", { seats: ["X-A-1"] }, 400],
    ["malformed seat id", { seats: ["R-A-01"] }, 400],
    ["GA seat id", { seats: ["GA-1-1"] }, 400],
    ["quantity without section", { quantity: 2 }, 400],
    ["section without quantity", { section: "GA" }, 400],
    ["quantity zero", { section: "GA", quantity: 0 }, 400],
    ["quantity negative", { section: "GA", quantity: -1 }, 400],
    ["quantity fractional", { section: "GA", quantity: 1.5 }, 400],
    ["quantity as string", { section: "GA", quantity: "2" }, 400],
    ["quantity past the limit", { section: "GA", quantity: 1e9 }, 422],
    ["quantity not a safe integer", { section: "GA", quantity: 1e300 }, 400],
    ["both forms", { seats: ["R-A-1"], section: "GA", quantity: 1 }, 400],
    ["unknown field", { seats: ["R-A-1"], price: 0 }, 400],
    ["more seats than the limit", { seats: Array.from({ length: 51 }, (_, i) => `R-A-${i + 1}`) }, 422],
    ["items past the limit", { items: [{ section: "R", seats: ["R-A-1"] }, { section: "GA", quantity: 8 }] }, 422],
    ["items empty", { items: [] }, 400],
    ["items with duplicate section", { items: [{ section: "GA", quantity: 1 }, { section: "GA", quantity: 1 }] }, 400],
    ["items seat in another section", { items: [{ section: "R", seats: ["GA-A-1"] }] }, 400],
    ["items duplicate seats", { items: [{ section: "R", seats: ["R-A-1", "R-A-1"] }] }, 400],
    ["items seats for GA", { items: [{ section: "GA", seats: ["R-A-1"] }] }, 400],
    ["items unknown section", { items: [{ section: "NOPE", quantity: 1 }] }, 404],
    ["body is an array", [{ seats: ["R-A-1"] }], 400],
    ["body is null", null, 400],
  ];

  it.for(BAD_BODIES)("bad input: %s -> %s, contract error shape, nothing held", async ([_name, body, status], { expect }) => {
    const ev = await publishedEvent({ gaCapacity: 10 });
    const b = await tokenFor();
    const before = await inventoryState(ev.eventId);
    const res = await call("POST", holdsPath(ev.eventId), { token: b.token, body });
    expect(res.status).toBe(status);
    const code = { 400: "invalid_request", 404: "not_found", 422: "limit_exceeded" }[status];
    expect(res.body).toEqual({ error: { code, message: expect.any(String), details: expect.anything() } });
    if (status === 400) expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    expect(await inventoryState(ev.eventId)).toEqual(before);
    // No quota was used either: the buyer can still hold the whole limit.
    expect((await call("POST", holdsPath(ev.eventId), { token: b.token, body: { section: "GA", quantity: 8 } })).status).toBe(201);
  });

  it("bad input: malformed JSON -> 400, huge body -> 413, nothing held", async ({ expect }) => {
    const ev = await publishedEvent();
    const b = await tokenFor();
    const before = await inventoryState(ev.eventId);
    const malformed = await call("POST", holdsPath(ev.eventId), { token: b.token, rawBody: '{"seats": ["R-A-1"' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("invalid_request");
    const huge = await call("POST", holdsPath(ev.eventId), {
      token: b.token,
      rawBody: JSON.stringify({ seats: Array.from({ length: 10_000 }, (_, i) => `R-A-${i + 1}`) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
    expect(await inventoryState(ev.eventId)).toEqual(before);
  });
});

describe("GET and DELETE /api/v1/holds/:holdId", () => {
  it("shows a hold to its owner only; another user, a bad id or a staff device get 404/403", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await tokenFor();
    const created = await call("POST", holdsPath(ev.eventId), { token: owner.token, body: { seats: ["R-B-1"] } });
    const holdId = created.body.hold_id as string;
    const got = await call("GET", `/api/v1/holds/${holdId}`, { token: owner.token });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    const other = await tokenFor();
    for (const [method, path] of [
      ["GET", `/api/v1/holds/${holdId}`],
      ["DELETE", `/api/v1/holds/${holdId}`],
      ["GET", "/api/v1/holds/nope"],
      ["DELETE", "/api/v1/holds/hld_0000000000000000000000000000000000000000"],
    ] as const) {
      const res = await call(method, path, { token: other.token });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await call("GET", `/api/v1/holds/${holdId}`)).status).toBe(401);
    expect((await call("DELETE", `/api/v1/holds/${holdId}`, { token: await staffToken(ev.eventId) })).status).toBe(403);
    // Still held by its owner.
    expect((await call("GET", `/api/v1/holds/${holdId}`, { token: owner.token })).status).toBe(200);
    expect((await section(ev.eventId, "R").snapshot())?.held).toBe(1);
  });

  it("DELETE frees the seats at once; the hold is then gone", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await tokenFor();
    const created = await call("POST", holdsPath(ev.eventId), { token: owner.token, body: { seats: ["R-A-4", "R-A-5"] } });
    const holdId = created.body.hold_id as string;
    const del = await call("DELETE", `/api/v1/holds/${holdId}`, { token: owner.token });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ hold_id: holdId, status: "released" });
    expect((await call("GET", `/api/v1/holds/${holdId}`, { token: owner.token })).status).toBe(404);
    expect((await call("DELETE", `/api/v1/holds/${holdId}`, { token: owner.token })).status).toBe(404);
    const again = await call("POST", holdsPath(ev.eventId), { token: (await tokenFor()).token, body: { seats: ["R-A-4", "R-A-5"] } });
    expect(again.status).toBe(201);
  });

  it("DELETE of a paid hold is a 409 and sells nothing back", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await tokenFor();
    const created = await call("POST", holdsPath(ev.eventId), { token: owner.token, body: { seats: ["R-A-1"] } });
    const holdId = created.body.hold_id as string;
    const ledger = ledgerOfHold(env, holdId, owner.userId)!;
    expect(await ledger.confirmHold(holdId, owner.userId)).toMatchObject({ ok: true });
    const del = await call("DELETE", `/api/v1/holds/${holdId}`, { token: owner.token });
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe("hold_not_releasable");
    expect((await call("GET", `/api/v1/holds/${holdId}`, { token: owner.token })).body.status).toBe("sold");
    expect((await section(ev.eventId, "R").snapshot())?.sold).toBe(1);
  });

  it("an expired hold is gone without any request and its seats can be held again", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await tokenFor();
    const created = await call("POST", holdsPath(ev.eventId), { token: owner.token, body: { seats: ["R-B-3"] } });
    const holdId = created.body.hold_id as string;
    // Its expiry passes: in the section (whose alarm then fires) and in the buyer's ledger.
    const r = section(ev.eventId, "R");
    await backdateHold(r, holdId);
    expect(await runDurableObjectAlarm(r)).toBe(true);
    await runInDurableObject(ledgerOfHold(env, holdId, owner.userId)!, (_i, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE hold_id = ?", Date.now() - 1, holdId);
    });
    const seats = (await seatMap(ev.eventId)).sections.find((s) => s.key === "R")!.seats!;
    expect(seats.find((s) => s.seat_id === "R-B-3")?.status).toBe("available");
    expect((await call("GET", `/api/v1/holds/${holdId}`, { token: owner.token })).status).toBe(404);
    expect((await call("POST", holdsPath(ev.eventId), { token: owner.token, body: { seats: ["R-B-3"] } })).status).toBe(201);
  });
});

describe("races through HTTP", () => {
  // 50 buyers x 4 requests: every new buyer is two new objects (ledger, rate-limit bucket),
  // which is what costs time locally; the races are the same.
  it("200 concurrent requests for overlapping seats: one holder per seat, losers get 409 with taken seats", async ({ expect }) => {
    const ev = await publishedEvent({
      rows: [
        { label: "A", seats: 20 },
        { label: "B", seats: 20 },
      ],
      gaCapacity: 0,
      overrides: { max_tickets_per_user: 50 },
    });
    const people = await Promise.all(Array.from({ length: 50 }, () => tokenFor()));
    const buyers = Array.from({ length: 200 }, (_, i) => people[i % 50]!);
    const wanted = buyers.map(() => {
      const start = Math.floor(Math.random() * 38);
      const n = 1 + Math.floor(Math.random() * 3);
      return ev.seatIds.slice(start, start + n);
    });
    const results = await Promise.all(buyers.map((b, i) => call("POST", holdsPath(ev.eventId), { token: b.token, body: { seats: wanted[i] } })));

    const holder = new Map<string, number>();
    results.forEach((res, i) => {
      if (res.status !== 201) return;
      for (const seat of wanted[i]!) {
        expect(holder.has(seat), `${seat} held twice`).toBe(false);
        holder.set(seat, i);
      }
    });
    results.forEach((res, i) => {
      if (res.status === 201) return;
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("seat_unavailable");
      const taken = res.body.error.details.unavailable as string[];
      expect(taken.length).toBeGreaterThan(0);
      for (const seat of taken) {
        expect(wanted[i]).toContain(seat);
        expect(holder.has(seat)).toBe(true);
      }
    });
    const map = (await seatMap(ev.eventId)).sections[0]!;
    for (const s of map.seats!) expect(s.status).toBe(holder.has(s.seat_id) ? "held" : "available");
    const snap = (await section(ev.eventId, "R").snapshot())!;
    expect(snap.held).toBe(holder.size);
    expect(snap.available + snap.held + snap.sold).toBe(40);
  }, 120_000);

  it("300 concurrent requests for one GA section: never past capacity, losers get 422 sold_out", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 150, overrides: { max_tickets_per_user: 50 } });
    const people = await Promise.all(Array.from({ length: 60 }, () => tokenFor()));
    const buyers = Array.from({ length: 300 }, (_, i) => people[i % 60]!);
    const results = await Promise.all(
      buyers.map((b, i) => call("POST", holdsPath(ev.eventId), { token: b.token, body: { section: "GA", quantity: 1 + (i % 2) } })),
    );
    let won = 0;
    results.forEach((res, i) => {
      if (res.status === 201) won += 1 + (i % 2);
      else {
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe("sold_out");
      }
    });
    expect(won).toBeLessThanOrEqual(150);
    expect(won).toBeGreaterThanOrEqual(149);
    const snap = (await section(ev.eventId, "GA").snapshot())!;
    expect(snap).toMatchObject({ capacity: 150, held: won, sold: 0, available: 150 - won });
  }, 120_000);

  it("one buyer's racing requests never exceed max_tickets_per_user", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 100, overrides: { max_tickets_per_user: 4 } });
    const b = await tokenFor();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call("POST", holdsPath(ev.eventId), {
          token: b.token,
          body: i % 3 === 0 ? { seats: [ev.seatIds[i % 10]!] } : { section: "GA", quantity: 1 },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(4);
    for (const r of results) if (r.status !== 201) expect([409, 422]).toContain(r.status);
    const [rSnap, gaSnap] = await inventoryState(ev.eventId);
    expect(rSnap!.held + gaSnap!.held).toBe(4);
  });
});
