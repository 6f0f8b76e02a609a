/**
 * The live seat map stream (GET /api/v1/events/{id}/seats/live): a snapshot first, then one
 * `changes` message per change of a section with seq + 1; every kind of change (hold,
 * release, expiry, sale, refund), order under racing holds, gaps and resync, one socket for
 * the whole venue or one section, and objects woken after eviction.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { liveFeedName } from "../src/shared/inventory/hold-id";
import type { LiveChangesMessage, LiveServerMessage, LiveSnapshotMessage } from "../src/shared/inventory/live";
import { ledgerOfHold } from "../src/durable-objects/buyer-ledger-handle";
import { LIVE_FEED_SHARDS } from "../src/worker/inventory/live";
import { publishedEvent } from "./support/fixtures";
import { call } from "./support/http";
import { backdateHold, section, tokenFor } from "./support/inventory-fixtures";
import { socketInbox } from "./support/socket-inbox";

type Viewer = { ws: WebSocket; next: (ms?: number) => Promise<LiveServerMessage>; pending: () => number };

async function openLive(eventId: string, sectionKey?: string): Promise<Viewer> {
  const q = sectionKey === undefined ? "" : `?section=${sectionKey}`;
  const res = await exports.default.fetch(`http://localhost/api/v1/events/${eventId}/seats/live${q}`, { headers: { Upgrade: "websocket" } });
  if (res.status !== 101 || !res.webSocket) throw new Error(`live: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  return { ws, ...socketInbox<LiveServerMessage>(ws, { defaultTimeoutMs: 5_000 }) };
}

const snapshotOf = async (v: Viewer) => {
  const m = await v.next();
  if (m.type !== "snapshot") throw new Error(`expected a snapshot, got ${JSON.stringify(m)}`);
  return m;
};
const changesOf = async (v: Viewer) => {
  const m = await v.next();
  if (m.type !== "changes") throw new Error(`expected changes, got ${JSON.stringify(m)}`);
  return m;
};
const seqOf = (snap: LiveSnapshotMessage, key: string) => snap.sections.find((s) => s.key === key)!.seq;
const hold = (eventId: string, token: string, body: unknown) => call("POST", `/api/v1/events/${eventId}/holds`, { token, body });

describe("live seat map", () => {
  it("starts with the seat map and its seqs, then sends every hold, release, sale and refund in order", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 10 });
    const v = await openLive(ev.eventId);
    const snap = await snapshotOf(v);
    const map = (await call("GET", `/api/v1/events/${ev.eventId}/seats`)).body;
    expect(snap.sections.map(({ seq, ...rest }) => rest)).toEqual(map.sections);
    expect(snap.sections.every((s) => Number.isInteger(s.seq))).toBe(true);
    let seq = seqOf(snap, "R");

    const buyer = await tokenFor();
    const h = await hold(ev.eventId, buyer.token, { seats: ["R-A-1", "R-A-2"] });
    expect(h.status).toBe(201);
    expect(await changesOf(v)).toEqual({ type: "changes", section: "R", seq: ++seq, available: 8, seats: [{ seat_id: "R-A-1", status: "held" }, { seat_id: "R-A-2", status: "held" }] });

    expect((await call("DELETE", `/api/v1/holds/${h.body.hold_id}`, { token: buyer.token })).status).toBe(200);
    expect(await changesOf(v)).toEqual({ type: "changes", section: "R", seq: ++seq, available: 10, seats: [{ seat_id: "R-A-1", status: "available" }, { seat_id: "R-A-2", status: "available" }] });

    const sale = await hold(ev.eventId, buyer.token, { seats: ["R-B-3"] });
    expect(await changesOf(v)).toMatchObject({ seq: ++seq, available: 9, seats: [{ seat_id: "R-B-3", status: "held" }] });
    const ledger = ledgerOfHold(env, sale.body.hold_id, buyer.userId)!;
    expect(await ledger.confirmHold(sale.body.hold_id, buyer.userId)).toMatchObject({ ok: true, status: "sold" });
    expect(await changesOf(v)).toEqual({ type: "changes", section: "R", seq: ++seq, available: 9, seats: [{ seat_id: "R-B-3", status: "sold" }] });
    expect(await ledger.returnSold(sale.body.hold_id, buyer.userId)).toMatchObject({ ok: true });
    expect(await changesOf(v)).toEqual({ type: "changes", section: "R", seq: ++seq, available: 10, seats: [{ seat_id: "R-B-3", status: "available" }] });

    // GA: counts only, with its own seq.
    expect((await hold(ev.eventId, buyer.token, { section: "GA", quantity: 3 })).status).toBe(201);
    expect(await changesOf(v)).toEqual({ type: "changes", section: "GA", seq: seqOf(snap, "GA") + 1, available: 7 });
    v.ws.close();
  });

  it("sends an expiry by alarm", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 0 });
    const v = await openLive(ev.eventId, "R");
    const seq = seqOf(await snapshotOf(v), "R");
    const buyer = await tokenFor();
    const h = await hold(ev.eventId, buyer.token, { seats: ["R-A-4"] });
    expect(await changesOf(v)).toMatchObject({ seq: seq + 1, seats: [{ seat_id: "R-A-4", status: "held" }] });
    const stub = section(ev.eventId, "R");
    await backdateHold(stub, h.body.hold_id);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await changesOf(v)).toEqual({ type: "changes", section: "R", seq: seq + 2, available: 10, seats: [{ seat_id: "R-A-4", status: "available" }] });
    v.ws.close();
  });

  it("keeps order under racing holds: seqs without gaps, and the snapshot with every change applied is the seat map", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 20 }, { label: "B", seats: 20 }], gaCapacity: 0 });
    const v = await openLive(ev.eventId);
    const snap = await snapshotOf(v);
    const buyers = await Promise.all(Array.from({ length: 30 }, () => tokenFor()));
    // Overlapping pairs: some win, some lose; and some best-available holds.
    const results = await Promise.all(
      buyers.map((b, i) => hold(ev.eventId, b.token, i % 3 === 0 ? { section: "R", quantity: 2 } : { seats: [`R-A-${(i % 10) + 1}`, `R-A-${(i % 10) + 2}`] })),
    );
    expect(results.some((r) => r.status === 201)).toBe(true);
    const seats = new Map(snap.sections[0]!.seats!.map((s) => [s.seat_id, s.status]));
    const map = (await call("GET", `/api/v1/events/${ev.eventId}/seats`)).body.sections[0];
    let seq = snap.sections[0]!.seq;
    let available = snap.sections[0]!.available;
    while (available !== map.available || v.pending() > 0) {
      const m = await changesOf(v);
      expect(m.seq).toBe(++seq);
      available = m.available;
      for (const c of m.seats!) seats.set(c.seat_id, c.status);
    }
    expect([...seats]).toEqual(map.seats.map((s: { seat_id: string; status: string }) => [s.seat_id, s.status]));
    v.ws.close();
  });

  it("one socket for the whole venue gets every section; a section's socket gets only that section", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 10 });
    const all = await openLive(ev.eventId);
    const ga = await openLive(ev.eventId, "GA");
    expect((await snapshotOf(all)).sections.map((s) => s.key)).toEqual(["R", "GA"]);
    const gaSnap = await snapshotOf(ga);
    expect(gaSnap.sections).toEqual([{ key: "GA", name: "General admission", kind: "ga", capacity: 10, available: 10, price_cents: expect.any(Number), seq: expect.any(Number) }]);
    const buyer = await tokenFor();
    await hold(ev.eventId, buyer.token, { seats: ["R-A-1"] });
    expect(await changesOf(all)).toMatchObject({ section: "R" });
    await hold(ev.eventId, buyer.token, { section: "GA", quantity: 1 });
    expect(await changesOf(all)).toMatchObject({ section: "GA", available: 9 });
    expect(await changesOf(ga)).toMatchObject({ section: "GA", available: 9, seq: gaSnap.sections[0]!.seq + 1 });
    all.ws.close();
    ga.ws.close();
  });

  it("a gap in seq is passed on, and a resync answers a fresh snapshot from the sections; the stream goes on from there", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 0 });
    const v = await openLive(ev.eventId, "R");
    const seq = seqOf(await snapshotOf(v), "R");
    const buyer = await tokenFor();
    await hold(ev.eventId, buyer.token, { seats: ["R-A-1"] });
    expect(await changesOf(v)).toMatchObject({ seq: seq + 1 });
    // A message lost between a section and the feed: the next one the feed gets skips a seq.
    // (Sent to every shard: the viewer is on one of them.)
    const lost: LiveChangesMessage = { type: "changes", section: "R", seq: seq + 3, available: 9, seats: [] };
    await Promise.all(Array.from({ length: LIVE_FEED_SHARDS }, (_, i) => env.LIVE_FEED.getByName(liveFeedName(ev.eventId, i)).publish(lost)));
    expect(await changesOf(v)).toEqual(lost);

    v.ws.send(JSON.stringify({ type: "resync" }));
    const fresh = await snapshotOf(v);
    expect(fresh.sections).toHaveLength(1);
    expect(fresh.sections[0]).toMatchObject({ key: "R", seq: seq + 1, available: 9 });
    expect(fresh.sections[0]!.seats!.find((s) => s.seat_id === "R-A-1")!.status).toBe("held");
    await hold(ev.eventId, buyer.token, { seats: ["R-A-2"] });
    expect(await changesOf(v)).toMatchObject({ seq: seq + 2, seats: [{ seat_id: "R-A-2", status: "held" }] });
    // Anything else from a client is ignored.
    v.ws.send("hello");
    v.ws.send(JSON.stringify({ type: "resync" }));
    expect(await snapshotOf(v)).toMatchObject({ sections: [{ key: "R", seq: seq + 2 }] });
    v.ws.close();
  });

  it("wakes up after eviction: the open socket still gets changes and resyncs, and seqs go on", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 0 });
    const v = await openLive(ev.eventId);
    const seq = seqOf(await snapshotOf(v), "R");
    const buyer = await tokenFor();
    await hold(ev.eventId, buyer.token, { seats: ["R-B-1"] });
    expect(await changesOf(v)).toMatchObject({ seq: seq + 1 });

    // The viewer's shard is one of these (the others never started).
    let evicted = 0;
    for (let i = 0; i < LIVE_FEED_SHARDS; i++)
      evicted += await evictDurableObject(env.LIVE_FEED.getByName(liveFeedName(ev.eventId, i))).then(
        () => 1,
        (err: Error) => {
          if (!/not currently running/.test(err.message)) throw err;
          return 0;
        },
      );
    expect(evicted).toBe(1);
    await evictDurableObject(section(ev.eventId, "R"));

    await hold(ev.eventId, buyer.token, { seats: ["R-B-2"] });
    expect(await changesOf(v)).toEqual({ type: "changes", section: "R", seq: seq + 2, available: 8, seats: [{ seat_id: "R-B-2", status: "held" }] });
    v.ws.send(JSON.stringify({ type: "resync" }));
    expect(await snapshotOf(v)).toMatchObject({ sections: [{ key: "R", seq: seq + 2, available: 8 }] });
    v.ws.close();
  });

  it("answers 404 for unknown events and sections and 426 without a WebSocket upgrade", async ({ expect }) => {
    const ev = await publishedEvent({ gaCapacity: 0 });
    const upgrade = { headers: { Upgrade: "websocket" } };
    expect((await call("GET", `/api/v1/events/evt_00000000000000000000/seats/live`, upgrade)).status).toBe(404);
    const noSection = await call("GET", `/api/v1/events/${ev.eventId}/seats/live?section=NOPE`, upgrade);
    expect(noSection.status).toBe(404);
    expect(noSection.body.error.code).toBe("not_found");
    const plain = await call("GET", `/api/v1/events/${ev.eventId}/seats/live`);
    expect(plain.status).toBe(426);
    expect(plain.body.error.code).toBe("upgrade_required");
  });
});
