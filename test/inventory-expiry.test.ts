/**
 * Hold expiry in SectionInventory: one alarm per object at the earliest expiry, expiry with
 * no request (real time), expiry applied on access, re-arming after a restart that lost the
 * alarm, and alarms that run twice.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import {
  backdateHold,
  gaSection,
  newUserId,
  rawCounters,
  rawHolds,
  rawSeats,
  reservedSection,
  sleep,
} from "./support/inventory-fixtures";

const MINUTE = 60_000;
const hid = () => `hold-${crypto.randomUUID()}`;
const hold = (holdId: string, expiresAt: number, more: { seats: string[] } | { quantity: number }) => ({
  holdId,
  userId: newUserId(),
  expiresAt,
  ...more,
});
type Stub = Awaited<ReturnType<typeof reservedSection>>["stub"];
const alarmOf = (stub: Stub) => runInDurableObject(stub, (_i, state) => state.storage.getAlarm());

describe("alarm", () => {
  it("is kept at the earliest expiry of the held holds", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 5 }]);
    expect(await alarmOf(stub)).toBeNull();
    const t = Date.now();
    await stub.hold(hold(hid(), t + 10 * MINUTE, { seats: ["R-A-1"] }));
    expect(await alarmOf(stub)).toBe(t + 10 * MINUTE);
    const early = hid();
    await stub.hold(hold(early, t + 5 * MINUTE, { seats: ["R-A-2"] }));
    expect(await alarmOf(stub)).toBe(t + 5 * MINUTE);
    await stub.hold(hold(hid(), t + 7 * MINUTE, { seats: ["R-A-3"] }));
    expect(await alarmOf(stub)).toBe(t + 5 * MINUTE);
    // Confirming the earliest hold leaves the alarm early; when it runs it re-arms to the next.
    await stub.confirm(early);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await alarmOf(stub)).toBe(t + 7 * MINUTE);
  });

  it("expires due holds when it runs, and running it again changes nothing", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 4 }]);
    const t = Date.now();
    const due = hid();
    const later = hid();
    const sold = hid();
    await stub.hold(hold(due, t + 10 * MINUTE, { seats: ["R-A-1", "R-A-2"] }));
    await stub.hold(hold(later, t + 20 * MINUTE, { seats: ["R-A-3"] }));
    await stub.hold(hold(sold, t + 10 * MINUTE, { seats: ["R-A-4"] }));
    await stub.confirm(sold);
    // Time passes for `due` (and for the sold hold, which must stay sold).
    await backdateHold(stub, due);
    await backdateHold(stub, sold);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const seats = await rawSeats(stub);
    expect(seats.map((s) => s.status)).toEqual(["available", "available", "held", "sold"]);
    expect(await rawCounters(stub)).toEqual({ capacity: 4, held: 1, sold: 1 });
    expect(await alarmOf(stub)).toBe(t + 20 * MINUTE);

    // At-least-once delivery: the same alarm work again is a no-op.
    await runInDurableObject(stub, async (instance) => {
      await instance.alarm();
      await instance.alarm();
    });
    expect(await rawSeats(stub)).toEqual(seats);
    expect(await rawCounters(stub)).toEqual({ capacity: 4, held: 1, sold: 1 });
    expect((await rawHolds(stub)).find((h) => h.hold_id === due)?.status).toBe("expired");
    expect(await stub.confirm(due)).toEqual({ ok: false, reason: "expired" });
    // The expired seats can be held again.
    expect(await stub.hold(hold(hid(), Date.now() + MINUTE, { seats: ["R-A-1", "R-A-2"] }))).toBe(2000);
  });

  it("runs only while there are held holds", async ({ expect }) => {
    const { stub } = await gaSection(10);
    const h = hid();
    await stub.hold(hold(h, Date.now() + MINUTE, { quantity: 2 }));
    await stub.release(h);
    // The hold is gone: the alarm is cleared or, if it runs, finds nothing to do.
    await runDurableObjectAlarm(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect(await rawCounters(stub)).toEqual({ capacity: 10, held: 0, sold: 0 });
  });
});

describe("expiry by time", () => {
  it("frees seats when the alarm fires, with no request", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 3 }]);
    const g = await gaSection(10);
    // Far enough ahead that both holds reach their objects first (hold() refuses a past expiry).
    const expiresAt = Date.now() + 1500;
    await stub.hold(hold(hid(), expiresAt, { seats: ["R-A-1", "R-A-2"] }));
    await g.stub.hold(hold(hid(), expiresAt, { quantity: 7 }));
    // Watch storage directly (not through RPC methods, which would expire on access).
    let seats = await rawSeats(stub);
    let counters = await rawCounters(g.stub);
    expect(seats.filter((s) => s.status === "held")).toHaveLength(2);
    for (let i = 0; i < 100 && (seats.some((s) => s.status === "held") || counters.held > 0); i++) {
      await sleep(100);
      seats = await rawSeats(stub);
      counters = await rawCounters(g.stub);
    }
    expect(seats.every((s) => s.status === "available" && s.hold_id === null)).toBe(true);
    expect(counters).toEqual({ capacity: 10, held: 0, sold: 0 });
  });

  it("is applied on access even when the alarm has not run", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 2 }]);
    const h = hid();
    const expiresAt = Date.now() + 1500; // room for the hold to land before it is due, even under load
    await stub.hold(hold(h, expiresAt, { seats: ["R-A-1"] }));
    // Lose the alarm (as a local restart can), then let the hold run out.
    await runInDurableObject(stub, (_i, state) => state.storage.deleteAlarm());
    await sleep(Math.max(0, expiresAt - Date.now()) + 100);
    expect(await stub.hold(hold(hid(), Date.now() + MINUTE, { seats: ["R-A-1"] }))).toBe(1000);
    expect(await stub.confirm(h)).toEqual({ ok: false, reason: "expired" });
  });
});

describe("restart", () => {
  it("re-arms a lost alarm and expires what became due while the object was gone", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 3 }]);
    const t = Date.now();
    const gone = hid();
    await stub.hold(hold(gone, t + 10 * MINUTE, { seats: ["R-A-1"] }));
    await stub.hold(hold(hid(), t + 30 * MINUTE, { seats: ["R-A-2"] }));
    await backdateHold(stub, gone);
    await runInDurableObject(stub, (_i, state) => state.storage.deleteAlarm());
    expect(await alarmOf(stub)).toBeNull();

    await evictDurableObject(stub);
    // The first thing the restarted object runs is the constructor: by then the due hold is
    // expired and the alarm is back, at the next expiry.
    expect(await alarmOf(stub)).toBe(t + 30 * MINUTE);
    expect((await rawSeats(stub)).map((s) => s.status)).toEqual(["available", "held", "available"]);
    expect(await rawCounters(stub)).toEqual({ capacity: 3, held: 1, sold: 0 });
  });

  it("keeps holds, sales and counts across a restart", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 3 }]);
    const a = hid();
    await stub.hold(hold(a, Date.now() + MINUTE, { seats: ["R-A-1", "R-A-3"] }));
    await stub.confirm(a);
    await evictDurableObject(stub);
    expect(await stub.snapshot()).toMatchObject({ available: 1, held: 0, sold: 2 });
    expect(await stub.hold(hold(hid(), Date.now() + MINUTE, { seats: ["R-A-3"] }))).toEqual({
      ok: false,
      reason: "seat_unavailable",
      unavailable: ["R-A-3"],
    });
  });
});
