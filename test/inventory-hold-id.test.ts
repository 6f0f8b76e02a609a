/** Hold ids: opaque to clients, but they carry the event id, and newer ids sort after older ones. */
import { describe, it } from "vitest";
import { newId } from "../src/shared/ids";
import { makeHoldId, parseHoldId } from "../src/shared/inventory/hold-id";

describe("hold ids", () => {
  it("round-trip the event id and reject anything else", ({ expect }) => {
    const eventId = newId("evt");
    const holdId = makeHoldId(eventId);
    expect(holdId).toMatch(/^hld_[0-9a-z]{40}$/);
    expect(parseHoldId(holdId)).toEqual({ eventId });
    for (const bad of ["", "hld_", "nope", `${holdId}x`, holdId.toUpperCase(), `evt_${holdId.slice(4)}`, "hld_../../etc"])
      expect(parseHoldId(bad)).toBeNull();
    expect(() => makeHoldId("not-an-event")).toThrow();
  });

  it("are unique and sort by creation time", ({ expect }) => {
    const eventId = newId("evt");
    const t = Date.now();
    const ids = Array.from({ length: 1000 }, (_, i) => makeHoldId(eventId, t + i));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    // Same millisecond: still distinct (random part).
    expect(makeHoldId(eventId, t)).not.toBe(makeHoldId(eventId, t));
  });
});
