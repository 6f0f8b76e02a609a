// What a buyer's first hold pays for creating its ledger object. Against workerd (Miniflare),
// SQLite on disk, 64 concurrent clients inside workerd (bench/ledger-worker.ts), one GA section:
// rounds of one-place holds through (a) a ledger no one used yet (one new object per buyer and
// event: a buyer's first hold in an event made before sharding), (b) the same buyers' ledgers
// again (their next hold), (c) new buyers in their shard of SHARDS warm ledgers of the event (a
// buyer's first hold in a sharded event). Every hold also goes through the one GA section
// object, which bounds (b) and (c). Rounds alternate so machine noise hits all alike. Writes bench/results/ledger.json. Run: npm run bench -- ledger.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { bundleBenchWorker, pct } from "./lib.mjs";

const root = path.resolve(import.meta.dirname, "..");
const CLIENTS = 64;
const PER_ROUND = 1_000;
const ROUNDS = 3;
const SHARDS = 64;
const WORKER = "ledger-bench";


const outfile = await bundleBenchWorker("ledger-worker");
const persist = await mkdtemp(path.join(tmpdir(), "ledger-bench-"));
const mf = new Miniflare({
  workers: [
    {
      config: {
        name: WORKER,
        compatibilityDate: "2026-11-01",
        compatibilityFlags: ["nodejs_compat"],
        manifest: { mainModule: "ledger-worker.js", modules: { "ledger-worker.js": { type: "esm", contents: await readFile(outfile, "utf8") } } },
        env: {
          INVENTORY: { type: "durable-object", worker: WORKER, exportName: "SectionInventory" },
          BUYER_LEDGER: { type: "durable-object", worker: WORKER, exportName: "BuyerLedger" },
        },
        exports: { SectionInventory: { type: "durable-object", storage: "sqlite" }, BuyerLedger: { type: "durable-object", storage: "sqlite" } },
      },
    },
  ],
  resourcePersistencePath: persist,
});
const results = { first: [], returning: [], shard: [] };
try {
  const base = (await mf.ready).href.replace(/\/$/, "");
  const get = async (q) => {
    const res = await fetch(`${base}${q}`);
    if (!res.ok) throw new Error(`${q}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  await get("/init?key=GA");
  // Warm-up: the code paths and the shards (every shard gets its object and schema).
  await get(`/drive?mode=first&n=${PER_ROUND}&start=0&clients=${CLIENTS}&prefix=w&shards=${SHARDS}`);
  await get(`/drive?mode=shard&n=${PER_ROUND}&start=0&clients=${CLIENTS}&prefix=w&shards=${SHARDS}`);
  for (let r = 0; r < ROUNDS; r++) {
    const start = (r + 1) * PER_ROUND;
    for (const mode of ["first", "returning", "shard"]) {
      // `returning` holds again for the buyers the `first` round of this round created.
      const out = await get(`/drive?mode=${mode === "returning" ? "first" : mode}&n=${PER_ROUND}&start=${start}&clients=${CLIENTS}&prefix=r&shards=${SHARDS}`);
      if (out.failures > 0) throw new Error(`${mode}: ${out.failures} holds failed`);
      results[mode].push({ perSecond: (PER_ROUND / out.wall_ms) * 1000, latencies: out.latencies });
    }
  }
} finally {
  await mf.dispose();
  await rm(persist, { recursive: true, force: true });
}
const summary = {};
for (const [mode, runs] of Object.entries(results)) {
  const all = runs.flatMap((x) => x.latencies).sort((a, b) => a - b);
  const rates = runs.map((x) => x.perSecond).sort((a, b) => a - b);
  summary[mode] = { per_second_median: Math.round(rates[Math.floor(rates.length / 2)]), p50_ms: +pct(all, 50).toFixed(1), p99_ms: +pct(all, 99).toFixed(1) };
  console.log(`${mode.padEnd(10)} ${String(summary[mode].per_second_median).padStart(6)} holds/s  p50 ${summary[mode].p50_ms} ms  p99 ${summary[mode].p99_ms} ms`);
}
console.log(`first-hold rate / returning-hold rate: ${(summary.first.per_second_median / summary.returning.per_second_median).toFixed(2)}`);
await mkdir(path.join(root, "bench/results"), { recursive: true });
await writeFile(path.join(root, "bench/results/ledger.json"), JSON.stringify({ clients: CLIENTS, per_round: PER_ROUND, rounds: ROUNDS, shards: SHARDS, ...summary }, null, 2));
