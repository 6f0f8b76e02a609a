/**
 * Best available in a reserved section: the rule (adjacent seats in one row, best row first,
 * nearest the middle, no single orphan seat when another choice exists), the section object
 * choosing and taking in one step, racing requests, and the hold route.
 */
import { describe, it } from "vitest";
import { bestAvailable } from "../src/shared/inventory/best-available";
import { holdTaken, type SeatsChosen } from "../src/shared/inventory/types";
import { publishedEvent } from "./support/fixtures";
import { call } from "./support/http";
import { newUserId, rawSeats, reservedSection, tokenFor } from "./support/inventory-fixtures";

const MINUTE = 60_000;
const hid = () => `hold-${crypto.randomUUID()}`;
const best = (quantity: number, holdId = hid(), userId = newUserId()) => ({ holdId, userId, expiresAt: Date.now() + 10 * MINUTE, quantity });
/** A row as a string: `.` free, `x` taken. */
const row = (s: string) => [...s].map((c) => c === ".");

describe("the best-available rule", () => {
  it("takes the best row first, then the block nearest the row's middle (left on a tie)", ({ expect }) => {
    expect(bestAvailable([row("........."), row(".........")], 3)).toEqual({ row: 0, start: 3 });
    expect(bestAvailable([row("........")], 2)).toEqual({ row: 0, start: 3 });
    expect(bestAvailable([row("..........")], 3)).toEqual({ row: 0, start: 3 }); // 3-5 and 4-6 tie: left
    expect(bestAvailable([row("xxxx.xxxx"), row("..xxxxx..")], 2)).toEqual({ row: 1, start: 0 });
    expect(bestAvailable([row("xxx...xxx")], 3)).toEqual({ row: 0, start: 3 });
  });

  it("never leaves a single empty seat beside the hold when another choice exists, in any row", ({ expect }) => {
    // Every pair in "..." strands a seat; row 1 has pairs that do not (its middle pair would).
    expect(bestAvailable([row("..."), row("....xxxxx")], 2)).toEqual({ row: 1, start: 2 });
    // The middle block of "....." for 3 strands a seat on each side; either edge block does not.
    expect(bestAvailable([row(".....")], 3)).toEqual({ row: 0, start: 0 });
    // In one row: the middle block would strand a seat, the block at the run's edge does not.
    expect(bestAvailable([row("xx.....xx")], 2)).toEqual({ row: 0, start: 2 });
    expect(bestAvailable([row("xx....xxx")], 2)).toEqual({ row: 0, start: 4 });
    // When every choice strands a seat, one is still taken (best row, nearest the middle).
    expect(bestAvailable([row("x...xxx"), row("...")], 2)).toEqual({ row: 0, start: 2 });
    // ... but a later row's orphan-free block beats it.
    expect(bestAvailable([row("x...xxx"), row("....")], 2)).toEqual({ row: 1, start: 0 });
  });

  it("finds nothing when no row has enough adjacent free seats", ({ expect }) => {
    expect(bestAvailable([row(".x.x."), row("..x..")], 3)).toBeNull();
    expect(bestAvailable([row("xxxxx")], 1)).toBeNull();
    expect(bestAvailable([], 1)).toBeNull();
  });
});

describe("best available in the section object", () => {
  it("holds adjacent seats in one row and names them; a retry gets the same seats", async ({ expect }) => {
    const { stub } = await reservedSection([
      { label: "A", seats: 6 },
      { label: "B", seats: 6 },
    ]);
    expect(await stub.hold({ holdId: hid(), userId: newUserId(), expiresAt: Date.now() + MINUTE, seats: ["R-A-3"] })).toBe(1000);
    const req = best(3);
    // Row A has 1-2 and 4-6 free: 4-6 leaves nothing stranded and fits.
    const first = await stub.hold(req);
    expect(first).toEqual({ ok: true, totalCents: 3000, seats: ["R-A-4", "R-A-5", "R-A-6"] });
    expect(await stub.hold(req)).toEqual(first);
    // Row A is left with 1-2: three go to row B, at an edge, since both middle blocks would strand
    // a seat; then two fill row A (best row first).
    expect(await stub.hold(best(3))).toEqual({ ok: true, totalCents: 3300, seats: ["R-B-1", "R-B-2", "R-B-3"] });
    expect(await stub.hold(best(2))).toEqual({ ok: true, totalCents: 2000, seats: ["R-A-1", "R-A-2"] });
    // Row B has 4-6 left: no row has 4 adjacent seats.
    expect(await stub.hold(best(4))).toEqual({ ok: false, reason: "seat_unavailable", unavailable: [] });
    expect((await rawSeats(stub)).filter((s) => s.status === "available").map((s) => s.seat_id)).toEqual(["R-B-4", "R-B-5", "R-B-6"]);
  });

  it("racing best-available holds: every seat held at most once, every hold adjacent in one row", async ({ expect }) => {
    const rows = ["A", "B", "C", "D", "E", "F"].map((label) => ({ label, seats: 20 }));
    const { stub } = await reservedSection(rows);
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => stub.hold(best((i % 3) + 1))));
    const taken = results.filter(holdTaken) as SeatsChosen[];
    const seats = taken.flatMap((t) => t.seats);
    expect(new Set(seats).size).toBe(seats.length);
    for (const t of taken) {
      const parts = t.seats.map((s) => s.split("-"));
      expect(new Set(parts.map((p) => p[1])).size).toBe(1);
      const numbers = parts.map((p) => Number(p[2]));
      expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    }
    const held = (await rawSeats(stub)).filter((s) => s.status === "held");
    expect(held.length).toBe(seats.length);
    expect(new Set(held.map((s) => s.hold_id)).size).toBe(taken.length);
    // 120 requests for 240 seats into 120: the first ones all fit, the last are refused when rows fill.
    expect(taken.length).toBeGreaterThan(40);
    for (const r of results) if (!holdTaken(r)) expect(r).toEqual({ ok: false, reason: "seat_unavailable", unavailable: [] });
  });
});

describe("POST /api/v1/events/:eventId/holds {section, quantity} on a reserved section", () => {
  it("201 with the seats held; 409 seat_unavailable with details.unavailable [] when no row fits; the per-user limit applies", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 4 }, { label: "B", seats: 4 }], overrides: { max_tickets_per_user: 4 } });
    const a = await tokenFor();
    const res = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: a.token, body: { section: "R", quantity: 2 } });
    expect(res.status).toBe(201);
    // 2-3 would strand 1 and 4; of the two edge pairs, equally near the middle, the left one.
    expect(res.body).toMatchObject({ seats: ["R-A-1", "R-A-2"], quantity: 2, items: [{ section: "R", kind: "reserved", seats: ["R-A-1", "R-A-2"], quantity: 2 }] });
    const seatMap = await call("GET", `/api/v1/events/${ev.eventId}/seats?section=R`);
    expect(seatMap.body.sections[0].seats.filter((s: { status: string }) => s.status === "held").map((s: { seat_id: string }) => s.seat_id)).toEqual(["R-A-1", "R-A-2"]);

    const b = await tokenFor();
    const none = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: b.token, body: { section: "R", quantity: 4 } });
    expect(none.status).toBe(201);
    expect(none.body.seats).toEqual(["R-B-1", "R-B-2", "R-B-3", "R-B-4"]);
    const full = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: b.token, body: { items: [{ section: "R", quantity: 1 }] } });
    expect(full.status).toBe(422);
    expect(full.body.error.code).toBe("limit_exceeded");
    const c = await tokenFor();
    const refused = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: c.token, body: { section: "R", quantity: 3 } });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: { code: "seat_unavailable", message: expect.any(String), details: { unavailable: [] } } });
    // The refused request held nothing: are still free, and a pair takes both.
    const pair = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: c.token, body: { section: "R", quantity: 2 } });
    expect(pair.status).toBe(201);
    expect(pair.body.seats).toEqual(["R-A-3", "R-A-4"]);
  });
});
