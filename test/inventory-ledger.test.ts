/**
 * BuyerLedger: per-user limits (also under racing requests), all-or-nothing holds across
 * section objects, and confirm / release / return / expiry keeping the quota exact. Every case
 * runs in both layouts: one ledger per buyer (events made before sharding) and one shard that
 * keeps every buyer of the event (the tightest sharing a sharded event can have).
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { ledgerForNewHold } from "../src/durable-objects/buyer-ledger-handle";
import type { HoldItemRequest } from "../src/shared/inventory/types";
import { backdateHold, gaSection, newEventId, newUserId, rawCounters, rawSeats, reservedSection, sleep } from "./support/inventory-fixtures";

/** An event with reserved section R (rows A, B of 5) and GA section GA (capacity 20). */
async function eventWith(shards: number, gaCapacity = 20) {
  const eventId = newEventId();
  const r = await reservedSection(
    [
      { label: "A", seats: 5 },
      { label: "B", seats: 5 },
    ],
    eventId,
    "R",
  );
  const ga = await gaSection(gaCapacity, 2500, eventId, "GA");
  return { eventId, shards, r: r.stub, ga: ga.stub };
}

/** A buyer and its ledger (its own, or the event's shard), whose calls name the buyer. */
function buyer(ev: { eventId: string; shards: number }, max = 8, ttl = 600) {
  const userId = newUserId();
  const { eventId } = ev;
  const { stub, shard } = ledgerForNewHold(env, eventId, userId, ev.shards);
  return {
    userId,
    ledger: {
      getHold: (holdId: string) => stub.getHold(holdId, userId),
      releaseHold: (holdId: string) => stub.releaseHold(holdId, userId),
      confirmHold: (holdId: string) => stub.confirmHold(holdId, userId),
      returnSold: (holdId: string) => stub.returnSold(holdId, userId),
    },
    hold: (items: HoldItemRequest[], ttlSeconds = ttl) =>
      stub.createHold({ eventId, userId, items, holdTtlSeconds: ttlSeconds, maxTicketsPerUser: max, shard }),
  };
}

const LAYOUTS = [
  { layout: "per-buyer ledgers", shards: 0 },
  { layout: "every buyer in one shard", shards: 1 },
];

describe.each(LAYOUTS)("$layout", ({ shards }) => {
const event = (gaCapacity?: number) => eventWith(shards, gaCapacity);

describe("createHold", () => {
  it("holds seats and GA places in one hold across sections", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev);
    const res = await b.hold([
      { section: "R", seats: ["R-A-1", "R-B-2"] },
      { section: "GA", quantity: 3 },
    ]);
    expect(res).toMatchObject({ ok: true, eventId: ev.eventId, userId: b.userId, status: "held", seats: ["R-A-1", "R-B-2"], quantity: 5 });
    if (!res.ok) return;
    expect(res.totalCents).toBe(1000 + 1100 + 3 * 2500);
    expect(res.items.map((i) => [i.section, i.quantity])).toEqual([
      ["R", 2],
      ["GA", 3],
    ]);
    expect(res.expiresAt).toBeGreaterThan(Date.now() + 590_000);
    expect(await b.ledger.getHold(res.holdId)).toEqual(res);
    expect(await ev.r.snapshot()).toMatchObject({ held: 2 });
    expect(await ev.ga.snapshot()).toMatchObject({ held: 3 });
  });

  it("is all or nothing across sections: a refused part leaves no seat held anywhere", async ({ expect }) => {
    const ev = await event(4);
    const other = buyer(ev);
    expect(await other.hold([{ section: "R", seats: ["R-A-3"] }])).toMatchObject({ ok: true });
    const b = buyer(ev, 8);

    // Reserved part refused, GA part would fit.
    expect(
      await b.hold([
        { section: "GA", quantity: 2 },
        { section: "R", seats: ["R-A-2", "R-A-3", "R-A-4"] },
      ]),
    ).toEqual({ ok: false, reason: "seat_unavailable", unavailable: ["R-A-3"] });
    // GA part refused, reserved part would fit.
    expect(
      await b.hold([
        { section: "R", seats: ["R-A-2", "R-A-4"] },
        { section: "GA", quantity: 5 },
      ]),
    ).toEqual({ ok: false, reason: "sold_out", section: "GA", available: 4 });

    expect(await rawCounters(ev.ga)).toEqual({ capacity: 4, held: 0, sold: 0 });
    expect((await rawSeats(ev.r)).filter((s) => s.status !== "available").map((s) => s.seat_id)).toEqual(["R-A-3"]);
    // Nothing of the refused attempts counts toward the quota: all 8 are still available.
    expect(
      await b.hold([
        { section: "R", seats: ["R-A-1", "R-A-2", "R-A-4", "R-A-5"] },
        { section: "GA", quantity: 4 },
      ]),
    ).toMatchObject({ ok: true, quantity: 8 });
  });

  it("releases every part when a section does not exist", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev);
    expect(
      await b.hold([
        { section: "R", seats: ["R-B-1"] },
        { section: "NOPE", quantity: 1 },
      ]),
    ).toEqual({ ok: false, reason: "not_initialized", section: "NOPE" });
    expect(await ev.r.snapshot()).toMatchObject({ held: 0, available: 10 });
  });

  it("reports unknown seats from any section", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev);
    expect(await b.hold([{ section: "R", seats: ["R-A-1", "R-C-1"] }])).toEqual({ ok: false, reason: "unknown_seats", seats: ["R-C-1"] });
    expect(await ev.r.snapshot()).toMatchObject({ held: 0 });
  });
});

describe("per-user limit", () => {
  it("counts held and sold tickets across sections", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev, 4);
    const first = await b.hold([{ section: "R", seats: ["R-A-1", "R-A-2"] }]);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(await b.ledger.confirmHold(first.holdId)).toMatchObject({ ok: true, status: "sold" });
    expect(await b.hold([{ section: "GA", quantity: 3 }])).toEqual({ ok: false, reason: "limit_exceeded", limit: 4, used: 2, requested: 3 });
    const second = await b.hold([{ section: "GA", quantity: 2 }]);
    expect(second).toMatchObject({ ok: true });
    expect(await b.hold([{ section: "GA", quantity: 1 }])).toMatchObject({ ok: false, reason: "limit_exceeded", used: 4 });
    // Another user is not affected.
    expect(await buyer(ev, 4).hold([{ section: "GA", quantity: 4 }])).toMatchObject({ ok: true });
    // Releasing frees quota; a refund (return) frees the sold part.
    if (second.ok) expect(await b.ledger.releaseHold(second.holdId)).toEqual({ ok: true, holdId: second.holdId });
    expect(await b.ledger.returnSold(first.holdId)).toMatchObject({ ok: true });
    expect(await ev.r.snapshot()).toMatchObject({ sold: 0, held: 0 });
    expect(await b.hold([{ section: "GA", quantity: 4 }])).toMatchObject({ ok: true });
  });

  it("holds under racing requests of one user: never more than the limit", async ({ expect }) => {
    const ev = await event(200);
    const b = buyer(ev, 5);
    const results = await Promise.all(Array.from({ length: 40 }, () => b.hold([{ section: "GA", quantity: 1 }])));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    for (const r of results) if (!r.ok) expect(r.reason).toBe("limit_exceeded");
    expect(await rawCounters(ev.ga)).toEqual({ capacity: 200, held: 5, sold: 0 });

    // Racing multi-ticket requests over both sections, for another user.
    const c = buyer(ev, 6);
    const seats = ["R-A-1", "R-A-2", "R-A-3", "R-A-4", "R-A-5", "R-B-1", "R-B-2", "R-B-3", "R-B-4", "R-B-5"];
    const mixed = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        c.hold(i % 2 === 0 ? [{ section: "R", seats: [seats[i % 10]!] }, { section: "GA", quantity: 1 }] : [{ section: "GA", quantity: 2 }]),
      ),
    );
    const won = mixed.reduce((n, r) => n + (r.ok ? r.quantity : 0), 0);
    expect(won).toBeLessThanOrEqual(6);
    expect(won).toBeGreaterThanOrEqual(5); // 2-ticket requests: at most one ticket of quota left unused
    const gaHeld = (await rawCounters(ev.ga)).held - 5;
    const rHeld = (await rawSeats(ev.r)).filter((s) => s.status === "held").length;
    expect(gaHeld + rHeld).toBe(won);
  });
});

describe("confirm, release, return, expiry", () => {
  it("confirm sells every part; sold holds cannot be released; retries are harmless", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev);
    const h = await b.hold([
      { section: "R", seats: ["R-A-1"] },
      { section: "GA", quantity: 2 },
    ]);
    if (!h.ok) throw new Error("hold failed");
    const [c1, c2] = await Promise.all([b.ledger.confirmHold(h.holdId), b.ledger.confirmHold(h.holdId)]);
    expect(c1).toMatchObject({ ok: true, status: "sold" });
    expect(c2).toMatchObject({ ok: true, status: "sold" });
    expect(await b.ledger.releaseHold(h.holdId)).toEqual({ ok: false, reason: "sold" });
    expect(await ev.r.snapshot()).toMatchObject({ sold: 1, held: 0 });
    expect(await ev.ga.snapshot()).toMatchObject({ sold: 2, held: 0 });
    expect(await b.ledger.returnSold(h.holdId)).toMatchObject({ ok: true });
    expect(await b.ledger.returnSold(h.holdId)).toMatchObject({ ok: true });
    expect(await ev.ga.snapshot()).toMatchObject({ sold: 0, held: 0, available: 20 });
    expect(await b.ledger.getHold(h.holdId)).toEqual({ ok: false, reason: "returned" });
  });

  it("confirm racing release: exactly one of them wins", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev, 20);
    const holds = await Promise.all(Array.from({ length: 10 }, (_, i) => b.hold([{ section: "R", seats: [`R-${i < 5 ? "A" : "B"}-${(i % 5) + 1}`] }])));
    const outcomes = await Promise.all(
      holds.map(async (h) => {
        if (!h.ok) throw new Error("hold failed");
        const [c, r] = await Promise.all([b.ledger.confirmHold(h.holdId), b.ledger.releaseHold(h.holdId)]);
        expect(c.ok !== r.ok).toBe(true);
        return c.ok;
      }),
    );
    const sold = outcomes.filter(Boolean).length;
    expect(await ev.r.snapshot()).toMatchObject({ sold, held: 0, available: 10 - sold });
  });

  it("release frees seats at once; a released hold cannot be confirmed", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev);
    const h = await b.hold([{ section: "R", seats: ["R-B-5"] }]);
    if (!h.ok) throw new Error("hold failed");
    expect(await b.ledger.releaseHold(h.holdId)).toEqual({ ok: true, holdId: h.holdId });
    expect(await b.ledger.releaseHold(h.holdId)).toEqual({ ok: false, reason: "released" });
    expect(await b.ledger.confirmHold(h.holdId)).toEqual({ ok: false, reason: "released" });
    expect(await buyer(ev).hold([{ section: "R", seats: ["R-B-5"] }])).toMatchObject({ ok: true });
  });

  it("an expired hold frees its quota and cannot be confirmed", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev, 2);
    // 2 s of life: the limit check below must land before expiry even on a loaded CI machine.
    const h = await b.hold([{ section: "GA", quantity: 2 }], 2);
    if (!h.ok) throw new Error("hold failed");
    expect(await b.hold([{ section: "GA", quantity: 1 }])).toMatchObject({ reason: "limit_exceeded" });
    await sleep(Math.max(0, h.expiresAt - Date.now()) + 100);
    expect(await b.ledger.getHold(h.holdId)).toEqual({ ok: false, reason: "expired" });
    expect(await b.ledger.confirmHold(h.holdId)).toEqual({ ok: false, reason: "expired" });
    expect(await b.hold([{ section: "GA", quantity: 2 }])).toMatchObject({ ok: true });
    expect(await ev.ga.snapshot()).toMatchObject({ held: 2, sold: 0 });
  });

  it("a part that expired in its section before confirm reached it: nothing is sold, quota freed once", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev, 3);
    const h = await b.hold([
      { section: "R", seats: ["R-A-5"] },
      { section: "GA", quantity: 2 },
    ]);
    if (!h.ok) throw new Error("hold failed");
    // The GA section's clock ran out first (its alarm fired); the ledger does not know yet.
    await backdateHold(ev.ga, h.holdId);
    await b.ledger.getHold(h.holdId); // no effect on the section
    const { runDurableObjectAlarm } = await import("cloudflare:test");
    await runDurableObjectAlarm(ev.ga);
    expect(await b.ledger.confirmHold(h.holdId)).toEqual({ ok: false, reason: "expired" });
    expect(await ev.r.snapshot()).toMatchObject({ sold: 0, held: 0, available: 10 });
    expect(await ev.ga.snapshot()).toMatchObject({ sold: 0, held: 0 });
    expect(await b.ledger.getHold(h.holdId)).toEqual({ ok: false, reason: "expired" });
    // The quota is whole again (3), not more.
    expect(await b.hold([{ section: "GA", quantity: 4 }])).toMatchObject({ reason: "limit_exceeded", used: 0 });
    expect(await b.hold([{ section: "GA", quantity: 3 }])).toMatchObject({ ok: true });
  });

  it("a confirmed hold keeps its seats and its quota after its expiry time passes", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev, 3);
    const h = await b.hold([
      { section: "R", seats: ["R-B-1", "R-B-2"] },
      { section: "GA", quantity: 1 },
    ], 2);
    if (!h.ok) throw new Error("hold failed");
    // The confirm must land before expiry even on a loaded machine, hence 2 s rather than a few hundred ms.
    expect(await b.ledger.confirmHold(h.holdId)).toMatchObject({ ok: true, status: "sold" });
    await sleep(Math.max(0, h.expiresAt - Date.now()) + 100);
    const { runDurableObjectAlarm } = await import("cloudflare:test");
    await runDurableObjectAlarm(ev.r);
    await runDurableObjectAlarm(ev.ga);
    expect(await ev.r.snapshot()).toMatchObject({ sold: 2, held: 0 });
    expect(await ev.ga.snapshot()).toMatchObject({ sold: 1, held: 0 });
    expect(await b.ledger.getHold(h.holdId)).toMatchObject({ ok: true, status: "sold" });
    expect(await b.hold([{ section: "GA", quantity: 1 }])).toMatchObject({ ok: false, reason: "limit_exceeded", used: 3 });
  });

  it("answers not_found for hold ids it does not have", async ({ expect }) => {
    const ev = await event();
    const b = buyer(ev);
    expect(await b.ledger.getHold("hld_nope")).toEqual({ ok: false, reason: "not_found" });
    expect(await b.ledger.releaseHold("hld_nope")).toEqual({ ok: false, reason: "not_found" });
    expect(await b.ledger.confirmHold("hld_nope")).toEqual({ ok: false, reason: "not_found" });
    expect(await b.ledger.returnSold("hld_nope")).toEqual({ ok: false, reason: "not_found" });
  });
});
});
