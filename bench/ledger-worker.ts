/**
 * Bench-only Worker for bench/ledger.bench.mjs: the real BuyerLedger and SectionInventory, and a
 * driver that makes N one-place GA holds through ledgers from C concurrent loops inside workerd.
 * `mode` names the ledger each hold goes to: `first` a ledger no hold has used yet (a new object
 * and its schema: a buyer's first hold today), `returning` one that already holds (the buyer's
 * next hold), `shard` the buyer's shard of SHARDS ledgers of the event (a new buyer's hold
 * in a sharded event, as the app makes it: the shard is warm, the buyer is not).
 */
import { BuyerLedger } from "../src/durable-objects/buyer-ledger";
import { SectionInventory } from "../src/durable-objects/section-inventory";
import { ledgerObjectName, ledgerShardName, ledgerShardOf, sectionObjectName } from "../src/shared/inventory/hold-id";

export { BuyerLedger, SectionInventory };

interface BenchEnv {
  INVENTORY: DurableObjectNamespace<SectionInventory>;
  BUYER_LEDGER: DurableObjectNamespace<BuyerLedger>;
}

const EVENT_ID = "evt_ledgerbench000000000";
const DAY = 86_400_000;

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const param = (name: string) => Number(url.searchParams.get(name));
    const key = url.searchParams.get("key") ?? "GA";
    if (url.pathname === "/init") {
      const stub = env.INVENTORY.getByName(sectionObjectName(EVENT_ID, key));
      await stub.init({ eventId: EVENT_ID, sectionKey: key, kind: "ga", capacity: 10_000_000, price_cents: 5000 });
      await stub.setSale({ state: "published", onSaleAt: new Date(Date.now() - DAY).toISOString(), endsAt: new Date(Date.now() + DAY).toISOString() });
      return new Response(null, { status: 204 });
    }
    const mode = url.searchParams.get("mode");
    const total = param("n");
    const start = param("start");
    const shards = param("shards");
    const prefix = url.searchParams.get("prefix") ?? "u";
    const latencies: number[] = new Array(total);
    let next = 0;
    let failures = 0;
    const call = async (i: number) => {
      const k = start + i;
      const user = `usr_${prefix}${k}`;
      const shard = mode === "shard" ? ledgerShardOf(user, shards) : null;
      const name = shard === null ? ledgerObjectName(EVENT_ID, user) : ledgerShardName(EVENT_ID, shard);
      const r = await env.BUYER_LEDGER.getByName(name).createHold({
        shard,
        eventId: EVENT_ID,
        userId: user,
        items: [{ section: key, quantity: 1 }],
        holdTtlSeconds: 1800,
        maxTicketsPerUser: 1_000_000,
      });
      if (!r.ok) failures++;
    };
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: param("clients") }, async () => {
        for (let i = next++; i < total; i = next++) {
          const s = performance.now();
          await call(i);
          latencies[i] = performance.now() - s;
        }
      }),
    );
    return Response.json({ wall_ms: performance.now() - t0, latencies, failures });
  },
};
