/**
 * SectionInventory on its own: init, all-or-nothing holds, GA counters, the seat state
 * machine (confirm / release / unsell), and racing holds against one object.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { holdTaken } from "../src/shared/inventory/types";
import { gaSection, newUserId, rawCounters, rawSeats, reservedSection } from "./support/inventory-fixtures";

const MINUTE = 60_000;
const req = (holdId: string, more: { seats: string[] } | { quantity: number }, userId = newUserId(), ttl = 10 * MINUTE) => ({
  holdId,
  userId,
  expiresAt: Date.now() + ttl,
  ...more,
});
const hid = () => `hold-${crypto.randomUUID()}`;

describe("init", () => {
  it("is idempotent for the same layout and refuses a different one", async ({ expect }) => {
    const { stub, layout } = await reservedSection([{ label: "A", seats: 3 }]);
    expect(await stub.init(layout)).toEqual({ ok: true, created: false });
    const other = { ...layout, seats: layout.seats.slice(0, 2) };
    expect(await stub.init(other)).toEqual({ ok: false, reason: "layout_mismatch" });
    const snap = await stub.snapshot();
    expect(snap).toMatchObject({ key: "R", kind: "reserved", capacity: 3, available: 3, held: 0, sold: 0 });
    expect(snap!.seats!.map((s) => [s.seat_id, s.row, s.number, s.status])).toEqual([
      ["R-A-1", "A", 1, "available"],
      ["R-A-2", "A", 2, "available"],
      ["R-A-3", "A", 3, "available"],
    ]);
  });

  it("answers not_initialized and a null snapshot before init", async ({ expect }) => {
    const { section, newEventId } = await import("./support/inventory-fixtures");
    const stub = section(newEventId(), "X");
    expect(await stub.snapshot()).toBeNull();
    expect(await stub.hold(req(hid(), { quantity: 1 }))).toEqual({ ok: false, reason: "not_initialized" });
  });
});

describe("reserved holds", () => {
  it("holds all requested seats or none, naming the taken ones", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 5 }]);
    const first = await stub.hold(req(hid(), { seats: ["R-A-1", "R-A-2"] }));
    expect(first).toBe(2000);
    const second = await stub.hold(req(hid(), { seats: ["R-A-2", "R-A-3", "R-A-1"] }));
    expect(second).toEqual({ ok: false, reason: "seat_unavailable", unavailable: ["R-A-2", "R-A-1"] });
    // R-A-3 was free but must not be held by the refused request.
    const seats = await rawSeats(stub);
    expect(seats.filter((s) => s.status !== "available").map((s) => s.seat_id)).toEqual(["R-A-1", "R-A-2"]);
    expect(await stub.snapshot()).toMatchObject({ available: 3, held: 2, sold: 0 });
  });

  it("refuses unknown seats and seats for a GA section", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 2 }]);
    expect(await stub.hold(req(hid(), { seats: ["R-A-1", "R-Z-9"] }))).toEqual({ ok: false, reason: "unknown_seats", seats: ["R-Z-9"] });
    // A quantity is best available for a reserved section: more than a row has is refused.
    expect(await stub.hold(req(hid(), { quantity: 3 }))).toEqual({ ok: false, reason: "seat_unavailable", unavailable: [] });
    const ga = await gaSection(5);
    expect(await ga.stub.hold(req(hid(), { seats: ["GA-1"] }))).toEqual({ ok: false, reason: "wrong_kind", kind: "ga" });
    expect(await stub.snapshot()).toMatchObject({ available: 2, held: 0 });
  });

  it("walks the state machine: held -> sold -> available (refund); released and expired holds cannot be sold", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 4 }]);
    const a = hid();
    await stub.hold(req(a, { seats: ["R-A-1"] }));
    expect(await stub.confirm(a)).toMatchObject({ ok: true, seats: ["R-A-1"] });
    expect(await stub.confirm(a)).toMatchObject({ ok: true }); // retry is harmless
    expect(await stub.release(a)).toEqual({ ok: true, released: false }); // a sold seat is not released
    expect(await stub.snapshot()).toMatchObject({ available: 3, held: 0, sold: 1 });
    expect(await stub.hold(req(hid(), { seats: ["R-A-1"] }))).toMatchObject({ ok: false, reason: "seat_unavailable" });

    expect(await stub.unsell(a)).toMatchObject({ ok: true, seats: ["R-A-1"] });
    expect(await stub.unsell(a)).toMatchObject({ ok: true }); // retry is harmless
    expect(await stub.snapshot()).toMatchObject({ available: 4, held: 0, sold: 0 });
    expect(await stub.confirm(a)).toEqual({ ok: false, reason: "returned" });

    const b = hid();
    await stub.hold(req(b, { seats: ["R-A-1", "R-A-2"] }));
    expect(await stub.unsell(b)).toEqual({ ok: false, reason: "not_sold" });
    expect(await stub.release(b)).toEqual({ ok: true, released: true });
    expect(await stub.release(b)).toEqual({ ok: true, released: false });
    expect(await stub.confirm(b)).toEqual({ ok: false, reason: "released" });
    expect(await stub.confirm("never-existed")).toEqual({ ok: false, reason: "not_found" });
    expect(await stub.snapshot()).toMatchObject({ available: 4, held: 0, sold: 0 });
    // Released seats can be held again at once.
    expect(await stub.hold(req(hid(), { seats: ["R-A-2"] }))).toBe(1000);
  });

  it("answers a retried hold (same hold id) with the same hold instead of a second one", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 2 }]);
    const r = req(hid(), { seats: ["R-A-1"] });
    const a = await stub.hold(r);
    const b = await stub.hold(r);
    expect(b).toEqual(a);
    expect(await stub.snapshot()).toMatchObject({ held: 1 });
    const ga = await gaSection(5);
    const g = req(hid(), { quantity: 2 });
    const [g1, g2] = await Promise.all([ga.stub.hold(g), ga.stub.hold(g)]);
    expect(g1).toBe(5000);
    expect(g2).toEqual(g1);
    expect(await rawCounters(ga.stub)).toEqual({ capacity: 5, held: 2, sold: 0 });
  });
});

describe("call order", () => {
  it("applies calls in arrival order, also while holds wait to be group-committed", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 3 }]);
    const a = hid();
    const b = hid();
    // Called within one turn, as deliveries can be: each call must see the holds queued before it.
    const [held, released, heldB, confirmed, snap] = await runInDurableObject(stub, async (instance) => {
      const h = instance.hold(req(a, { seats: ["R-A-1"] }));
      const r = instance.release(a);
      const hb = instance.hold(req(b, { seats: ["R-A-2"] }));
      const c = instance.confirm(b);
      const s = instance.snapshot();
      return [await h, r, await hb, c, s] as const;
    });
    expect(held).toBe(1000);
    expect(released).toEqual({ ok: true, released: true });
    expect(heldB).toBe(1000);
    expect(confirmed).toMatchObject({ ok: true, seats: ["R-A-2"] });
    expect(snap).toMatchObject({ available: 2, held: 0, sold: 1 });
  });
});

describe("GA holds", () => {
  it("counts down to zero and never past capacity", async ({ expect }) => {
    const { stub } = await gaSection(5, 3000);
    expect(await stub.hold(req(hid(), { quantity: 3 }))).toBe(9000);
    expect(await stub.hold(req(hid(), { quantity: 3 }))).toEqual({ ok: false, reason: "sold_out", available: 2 });
    const b = hid();
    expect(await stub.hold(req(b, { quantity: 2 }))).toBe(6000);
    expect(await stub.hold(req(hid(), { quantity: 1 }))).toEqual({ ok: false, reason: "sold_out", available: 0 });
    expect(await stub.confirm(b)).toEqual({ ok: true, holdId: b, section: "GA", kind: "ga", seats: [], quantity: 2, totalCents: 6000, expiresAt: expect.any(Number) });
    expect(await stub.snapshot()).toMatchObject({ capacity: 5, available: 0, held: 3, sold: 2, price_cents: 3000 });
    await stub.unsell(b);
    await stub.unsell(b);
    expect(await stub.snapshot()).toMatchObject({ available: 2, held: 3, sold: 0 });
  });
});

describe("races", () => {
  it("300 concurrent holds on overlapping seats: each seat has at most one holder, losers learn the taken seats", async ({ expect }) => {
    const { stub, seatIds } = await reservedSection([
      { label: "A", seats: 20 },
      { label: "B", seats: 20 },
    ]);
    // Every request wants 1-4 adjacent seats starting at a random place: heavy overlap.
    const requests = Array.from({ length: 300 }, () => {
      const start = Math.floor(Math.random() * seatIds.length);
      const n = 1 + Math.floor(Math.random() * 4);
      return req(hid(), { seats: seatIds.slice(start, start + n) }) as ReturnType<typeof req> & { seats: string[] };
    });
    const results = await Promise.all(requests.map((r) => stub.hold(r)));

    const owner = new Map<string, string>();
    for (const [i, res] of results.entries()) {
      if (!holdTaken(res)) continue;
      for (const seat of requests[i]!.seats) {
        expect(owner.has(seat), `seat ${seat} held twice`).toBe(false);
        owner.set(seat, requests[i]!.holdId);
      }
    }
    const seats = await rawSeats(stub);
    for (const s of seats) expect(s.hold_id ?? undefined).toBe(owner.get(s.seat_id));
    for (const [i, res] of results.entries()) {
      if (holdTaken(res)) continue;
      expect(res.reason).toBe("seat_unavailable");
      if (res.reason !== "seat_unavailable") continue;
      expect(res.unavailable.length).toBeGreaterThan(0);
      // Every seat reported taken is in the request and really belongs to a winner.
      for (const seat of res.unavailable) {
        expect(requests[i]!.seats).toContain(seat);
        expect(owner.has(seat)).toBe(true);
      }
    }
    const snap = (await stub.snapshot())!;
    expect(snap.held).toBe(owner.size);
    expect(snap.available + snap.held + snap.sold).toBe(snap.capacity);
    expect(results.some((r) => !holdTaken(r))).toBe(true);
  });

  it("300 concurrent GA holds never go past capacity; what is left can still be held one by one", async ({ expect }) => {
    const { stub } = await gaSection(250);
    const wants = Array.from({ length: 300 }, (_, i) => 1 + (i % 3));
    const results = await Promise.all(wants.map((q) => stub.hold(req(hid(), { quantity: q }))));
    const won = results.reduce<number>((n, r, i) => n + (holdTaken(r) ? wants[i]! : 0), 0);
    expect(won).toBeLessThanOrEqual(250);
    for (const r of results) if (!holdTaken(r)) expect(r.reason).toBe("sold_out");
    const snap = (await stub.snapshot())!;
    expect(snap.held).toBe(won);
    expect(snap.available + snap.held + snap.sold).toBe(250);
    for (let left = snap.available; left > 0; left--) expect(await stub.hold(req(hid(), { quantity: 1 }))).toBe(2500);
    expect(await stub.hold(req(hid(), { quantity: 1 }))).toEqual({ ok: false, reason: "sold_out", available: 0 });
    expect(await rawCounters(stub)).toEqual({ capacity: 250, held: 250, sold: 0 });
  });

  it("concurrent confirm and release of the same hold: exactly one wins, counts stay whole", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 30 }]);
    const ids = Array.from({ length: 30 }, hid);
    const holds = await Promise.all(ids.map((id, i) => stub.hold(req(id, { seats: [`R-A-${i + 1}`] }))));
    expect(holds.every((h) => holdTaken(h))).toBe(true);
    const outcomes = await Promise.all(ids.flatMap((id) => [stub.confirm(id), stub.release(id)]));
    let sold = 0;
    for (let i = 0; i < outcomes.length; i += 2) {
      const confirmed = outcomes[i]!.ok;
      const released = (outcomes[i + 1] as { released: boolean }).released;
      expect(confirmed !== released).toBe(true);
      if (confirmed) sold++;
    }
    expect(await stub.snapshot()).toMatchObject({ available: 30 - sold, held: 0, sold });
  });
});
