/**
 * Where SectionInventory keeps a hold: a held reserved hold lives on its seat rows (and in
 * the object's memory, rebuilt at start) and gets its `holds` row only when it ends. These
 * tests pin what that must not change: restarts, hold ids used once, and objects stored by
 * the first schema (hold rows for held holds) carried over.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { MIGRATIONS, type SectionInventory } from "../src/durable-objects/section-inventory";
import { gaSection, newUserId, rawCounters, rawHolds, rawSeats, reservedSection } from "./support/inventory-fixtures";

const MINUTE = 60_000;
const hid = () => `hold-${crypto.randomUUID()}`;

describe("held reserved holds", () => {
  it("live on their seats with no hold row, survive a restart, and get their row when they end", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 4 }]);
    const userId = newUserId();
    const h = { holdId: hid(), userId, expiresAt: Date.now() + 10 * MINUTE, seats: ["R-A-3", "R-A-1"] };
    expect(await stub.hold(h)).toBe(2000);
    expect(await rawHolds(stub)).toEqual([]);
    expect((await rawSeats(stub)).filter((s) => s.hold_id === h.holdId).map((s) => s.seat_id)).toEqual(["R-A-1", "R-A-3"]);

    await evictDurableObject(stub);
    // Rebuilt from the seats: a retry still gets the same answer, another seat is still taken.
    expect(await stub.hold(h)).toBe(2000);
    expect(await stub.hold({ ...h, holdId: hid(), seats: ["R-A-1"] })).toEqual({ ok: false, reason: "seat_unavailable", unavailable: ["R-A-1"] });
    const sold = await stub.confirm(h.holdId);
    expect(sold).toMatchObject({ ok: true, quantity: 2, totalCents: 2000, expiresAt: h.expiresAt });
    expect(sold.ok && [...sold.seats].sort()).toEqual(["R-A-1", "R-A-3"]);
    expect(await rawHolds(stub)).toEqual([expect.objectContaining({ hold_id: h.holdId, status: "sold", quantity: 2 })]);
    expect(await rawCounters(stub)).toEqual({ capacity: 4, held: 0, sold: 2 });
    expect(await stub.unsell(h.holdId)).toMatchObject({ ok: true });
    expect(await rawCounters(stub)).toEqual({ capacity: 4, held: 0, sold: 0 });
  });

  it("use a hold id once: once it ended, or from another user, the id is refused and nothing changes", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 3 }]);
    const released = { holdId: hid(), userId: newUserId(), expiresAt: Date.now() + MINUTE, seats: ["R-A-1"] };
    expect(await stub.hold(released)).toBe(1000);
    expect(await stub.release(released.holdId)).toEqual({ ok: true, released: true });
    // Called on the instance: a refused id is a caller's bug, thrown, not a refusal to answer.
    const reuse = (r: typeof released) => runInDurableObject(stub, (instance: SectionInventory) => expect(instance.hold(r)).rejects.toThrow(/already used/));
    await reuse(released);

    const sold = { holdId: hid(), userId: newUserId(), expiresAt: Date.now() + MINUTE, seats: ["R-A-2"] };
    expect(await stub.hold(sold)).toBe(1000);
    expect(await stub.confirm(sold.holdId)).toMatchObject({ ok: true });
    await reuse({ ...sold, seats: ["R-A-3"] });

    const live = { holdId: hid(), userId: newUserId(), expiresAt: Date.now() + MINUTE, seats: ["R-A-3"] };
    expect(await stub.hold(live)).toBe(1000);
    await reuse({ ...live, userId: newUserId() });

    expect((await rawSeats(stub)).map((s) => [s.status, s.hold_id])).toEqual([
      ["available", null],
      ["sold", sold.holdId],
      ["held", live.holdId],
    ]);
  });
});

describe("an object stored by the first schema (hold rows for held holds, seats_by_hold)", () => {
  it("carries its holds over: held ones stay held and end normally, due ones expire, sold ones stay sold", async ({ expect }) => {
    const { stub } = await reservedSection([{ label: "A", seats: 4 }]);
    const later = Date.now() + 30 * MINUTE;
    const [held, due, sold] = [hid(), hid(), hid()];
    const buyer = newUserId();
    await runInDurableObject(stub, async (_i, state) => {
      const sql = state.storage.sql;
      const section = sql.exec("SELECT * FROM section").one();
      const seats = sql.exec("SELECT seat_id, label, row_label, number, price_cents, position FROM seats").toArray();
      await state.storage.deleteAll();
      sql.exec(MIGRATIONS[0]);
      sql.exec("CREATE TABLE _schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
      sql.exec("INSERT INTO _schema_version (id, version) VALUES (1, 1)");
      sql.exec(
        "INSERT INTO section (id, event_id, key, kind, capacity, price_cents, layout_digest) VALUES (1, ?, ?, ?, ?, ?, ?)",
        section.event_id, section.key, section.kind, seats.length, null, section.layout_digest,
      );
      for (const s of seats)
        sql.exec("INSERT INTO seats (seat_id, label, row_label, number, price_cents, position) VALUES (?, ?, ?, ?, ?, ?)", s.seat_id, s.label, s.row_label, s.number, s.price_cents, s.position);
      const old = (holdId: string, status: string, expiresAt: number, seatIds: string[]) => {
        sql.exec(
          "INSERT INTO holds (hold_id, user_id, status, quantity, total_cents, expires_at, seats) VALUES (?, ?, ?, ?, ?, ?, ?)",
          holdId, buyer, status, seatIds.length, seatIds.length * 1000, expiresAt, JSON.stringify(seatIds),
        );
        for (const seat of seatIds) sql.exec("UPDATE seats SET status = ?, hold_id = ? WHERE seat_id = ?", status, holdId, seat);
      };
      old(held, "held", later, ["R-A-1", "R-A-2"]);
      old(due, "held", Date.now() - 1, ["R-A-3"]);
      old(sold, "sold", later, ["R-A-4"]);
    });
    await evictDurableObject(stub);

    expect((await rawSeats(stub)).map((s) => [s.seat_id, s.status, s.hold_id])).toEqual([
      ["R-A-1", "held", held],
      ["R-A-2", "held", held],
      ["R-A-3", "available", null],
      ["R-A-4", "sold", sold],
    ]);
    const state = await runInDurableObject(stub, (_i, st) => ({
      version: st.storage.sql.exec<{ version: number }>("SELECT version FROM _schema_version").one().version,
      indexes: st.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").toArray().map((r) => r.name),
      alarm: st.storage.getAlarm(),
    }));
    expect(state.version).toBe(MIGRATIONS.length);
    expect(state.indexes).toEqual(["holds_due"]);
    expect(await state.alarm).toBe(later);
    expect((await rawHolds(stub)).map((h) => [h.hold_id, h.status]).sort()).toEqual([[due, "expired"], [sold, "sold"]].sort());
    // The carried-over held hold is the same hold: a retry answers it, confirm sells both seats.
    expect(await stub.hold({ holdId: held, userId: buyer, expiresAt: later, seats: ["R-A-1", "R-A-2"] })).toBe(2000);
    expect(await stub.confirm(held)).toMatchObject({ ok: true, seats: ["R-A-1", "R-A-2"], totalCents: 2000, expiresAt: later });
    expect(await stub.confirm(due)).toEqual({ ok: false, reason: "expired" });
    expect(await stub.unsell(sold)).toMatchObject({ ok: true, seats: ["R-A-4"] });
    expect(await rawCounters(stub)).toEqual({ capacity: 4, held: 0, sold: 2 });
  });
});

describe("an object stored by the second schema (held/sold counters on the section row)", () => {
  it("a GA section keeps its counters, price and holds: held ones end normally, due ones expire, capacity still bounds", async ({ expect }) => {
    const { stub, layout } = await gaSection(5, 2500);
    const later = Date.now() + 30 * MINUTE;
    const [held, due, sold] = [hid(), hid(), hid()];
    const buyer = newUserId();
    await runInDurableObject(stub, async (_i, state) => {
      const sql = state.storage.sql;
      const section = sql.exec<{ event_id: string; key: string; layout_digest: string }>("SELECT * FROM section").one();
      await state.storage.deleteAll();
      sql.exec(MIGRATIONS[0]);
      sql.exec(MIGRATIONS[1]);
      sql.exec("CREATE TABLE _schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
      sql.exec("INSERT INTO _schema_version (id, version) VALUES (1, 2)");
      sql.exec(
        "INSERT INTO section (id, event_id, key, kind, capacity, price_cents, layout_digest, held, sold) VALUES (1, ?, ?, 'ga', 5, 2500, ?, 3, 1)",
        section.event_id, section.key, section.layout_digest,
      );
      const old = (holdId: string, status: string, quantity: number, expiresAt: number) =>
        sql.exec(
          "INSERT INTO holds (hold_id, user_id, status, quantity, total_cents, expires_at, seats) VALUES (?, ?, ?, ?, ?, ?, '[]')",
          holdId, buyer, status, quantity, quantity * 2500, expiresAt,
        );
      old(held, "held", 2, later);
      old(due, "held", 1, Date.now() - 1);
      old(sold, "sold", 1, later);
    });
    await evictDurableObject(stub);

    expect(await rawCounters(stub)).toEqual({ capacity: 5, held: 2, sold: 1 });
    expect(await stub.init(layout)).toEqual({ ok: true, created: false });
    expect(await stub.snapshot()).toEqual({ key: "GA", kind: "ga", capacity: 5, available: 2, held: 2, sold: 1, price_cents: 2500 });
    expect(await stub.hold({ holdId: held, userId: buyer, expiresAt: later, quantity: 2 })).toBe(5000);
    expect(await stub.hold({ holdId: hid(), userId: buyer, expiresAt: later, quantity: 3 })).toEqual({ ok: false, reason: "sold_out", available: 2 });
    expect(await stub.confirm(held)).toMatchObject({ ok: true, quantity: 2, totalCents: 5000 });
    expect(await stub.confirm(due)).toEqual({ ok: false, reason: "expired" });
    expect(await stub.unsell(sold)).toMatchObject({ ok: true, quantity: 1 });
    expect(await rawCounters(stub)).toEqual({ capacity: 5, held: 0, sold: 2 });
  });
});
