/** Hold ids: opaque to clients, but they carry the event id, and newer ids sort after older ones. */
import { describe, it } from "vitest";
import { newId } from "../src/shared/ids";
import { ledgerShardOf, makeHoldId, MAX_LEDGER_SHARDS, parseHoldId } from "../src/shared/inventory/hold-id";

describe("hold ids", () => {
  it("round-trip the event id and reject anything else", ({ expect }) => {
    const eventId = newId("evt");
    const holdId = makeHoldId(eventId, null);
    expect(holdId).toMatch(/^hld_[0-9a-z]{40}$/);
    expect(parseHoldId(holdId)).toEqual({ eventId, shard: null });
    for (const bad of ["", "hld_", "nope", `${holdId}x`, `${holdId}xyz`, `${holdId}il`, holdId.toUpperCase(), `evt_${holdId.slice(4)}`, "hld_../../etc"])
      expect(parseHoldId(bad)).toBeNull();
    expect(() => makeHoldId("not-an-event", null)).toThrow();
  });

  it("carry the ledger shard of sharded events; legacy ids (no shard) keep their 40 characters", ({ expect }) => {
    const eventId = newId("evt");
    for (const shard of [0, 1, 31, 32, 63, 500, MAX_LEDGER_SHARDS - 1]) {
      const holdId = makeHoldId(eventId, shard);
      expect(holdId).toMatch(/^hld_[0-9a-z]{42}$/);
      expect(parseHoldId(holdId)).toEqual({ eventId, shard });
    }
    for (const bad of [-1, MAX_LEDGER_SHARDS, 1.5]) expect(() => makeHoldId(eventId, bad)).toThrow();
  });

  it("put a buyer in a stable shard, and spread buyers over the shards", ({ expect }) => {
    // FNV-1a of the user id: the same shard in every isolate and deploy.
    // A changed hash would move every buyer of every live event to another shard's quota.
    expect(ledgerShardOf("a", 2 ** 32)).toBe(0xe40c292c); // the published FNV-1a test vector
    expect(ledgerShardOf("foobar", 2 ** 32)).toBe(0xbf9cf968);
    expect(ledgerShardOf("usr_00000000000000000000", 64)).toBe(10);
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 6400; i++) counts[ledgerShardOf(newId("usr"), 64)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(160);
  });

  it("are unique and sort by creation time", ({ expect }) => {
    const eventId = newId("evt");
    const t = Date.now();
    const ids = Array.from({ length: 1000 }, (_, i) => makeHoldId(eventId, null, t + i));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    // Same millisecond: still distinct (random part).
    expect(makeHoldId(eventId, null, t)).not.toBe(makeHoldId(eventId, null, t));
  });
});
