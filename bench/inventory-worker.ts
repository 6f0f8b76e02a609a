/**
 * Bench-only Worker: the real SectionInventory class plus a load driver. `/drive` runs N
 * calls from C concurrent client loops inside this Worker, each calling the object over RPC
 * (the same path the hold route takes), and returns per-call latencies. Driving from inside
 * workerd keeps Node's HTTP client out of the figures, so they are the Durable Object's:
 * RPC, SQL, and the commit to SQLite on disk. Built and run by bench/inventory.bench.mjs.
 */
import { LiveFeed } from "../src/durable-objects/live-feed";
import { SectionInventory } from "../src/durable-objects/section-inventory";
import { liveFeedName, makeHoldId, sectionObjectName } from "../src/shared/inventory/hold-id";
import { holdTaken, type LayoutSeat } from "../src/shared/inventory/types";

export { LiveFeed, SectionInventory };

interface BenchEnv {
  INVENTORY: DurableObjectNamespace<SectionInventory>;
  LIVE_FEED: DurableObjectNamespace<LiveFeed>;
}

const HOLD_TTL_MS = 30 * 60_000;
const EVENT_ID = "evt_bench000000000000000";

/** Seat i of the hot section, row-major. */
const seatId = (i: number, perRow: number) => `HOT-R${Math.floor(i / perRow) + 1}-${(i % perRow) + 1}`;

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const param = (name: string) => Number(url.searchParams.get(name));
    // `key`: a section of the bench event under its real object name (the live feed finds it by
    // that); `section`: any object name.
    const key = url.searchParams.get("key");
    const stub = env.INVENTORY.getByName(key !== null ? sectionObjectName(EVENT_ID, key) : (url.searchParams.get("section") ?? "bench"));
    switch (url.pathname) {
      // A viewer's socket on one section, to the given feed shard: what the live route does
      // after its D1 checks.
      case "/live": {
        const feed = liveFeedName(EVENT_ID, param("shard"));
        const target = new URL("https://live-feed/");
        target.searchParams.set("event", EVENT_ID);
        target.searchParams.set("feed", feed);
        target.searchParams.set("section", key!);
        return env.LIVE_FEED.getByName(feed).fetch(target, { headers: { Upgrade: "websocket", "X-Live-Sections": JSON.stringify([{ key, name: key }]) } });
      }
      case "/init": {
        const seats: LayoutSeat[] = [];
        for (let i = 0; i < param("rows") * param("seats"); i++) {
          const label = seatId(i, param("seats"));
          seats.push({ seat_id: label, label, row: label.split("-")[1]!, number: (i % param("seats")) + 1, price_cents: 5000 });
        }
        const init = await stub.init({ eventId: EVENT_ID, sectionKey: key ?? "HOT", kind: "reserved", seats });
        // No event row in D1 here: the section is told its sale window, as publish does.
        const day = 86_400_000;
        await stub.setSale({ state: "published", onSaleAt: new Date(Date.now() - day).toISOString(), endsAt: new Date(Date.now() + day).toISOString() });
        return Response.json(init);
      }
      case "/drive": {
        const op = url.searchParams.get("op");
        const total = param("n");
        const clients = param("clients");
        const start = param("start");
        const perRow = param("seats");
        const latencies: number[] = new Array(total);
        let next = 0;
        let failures = 0;
        const call = async (i: number) => {
          if (op === "ping") return stub.ping();
          // Every hold takes a seat no one holds yet, so each one is a real write that succeeds.
          const k = start + i;
          // Hold ids as the ledger makes them.
          const holdId = makeHoldId(EVENT_ID, k % 64);
          const r = await stub.hold({ holdId, userId: `usr_${k % 997}`, expiresAt: Date.now() + HOLD_TTL_MS, seats: [seatId(k, perRow)] });
          if (!holdTaken(r)) failures++;
        };
        const client = async () => {
          for (let i = next++; i < total; i = next++) {
            const t0 = performance.now();
            await call(i);
            latencies[i] = performance.now() - t0;
          }
        };
        const t0 = performance.now();
        await Promise.all(Array.from({ length: clients }, client));
        return Response.json({ wall_ms: performance.now() - t0, latencies, failures });
      }
      // Single calls, for the HTTP-driven phase (clients outside workerd, one request per call).
      case "/ping":
        await stub.ping();
        return new Response(null, { status: 204 });
      case "/hold": {
        const k = param("k");
        const r = await stub.hold({ holdId: makeHoldId(EVENT_ID, k % 64), userId: `usr_${k % 997}`, expiresAt: Date.now() + HOLD_TTL_MS, seats: [seatId(k, param("seats"))] });
        return new Response(null, { status: holdTaken(r) ? 201 : 409 });
      }
      case "/snapshot": {
        const s = await stub.snapshot();
        return Response.json(s && { capacity: s.capacity, available: s.available, held: s.held, sold: s.sold });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
