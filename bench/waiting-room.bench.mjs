// Waiting room benchmark, against workerd itself through Miniflare (not wrangler dev), loopback only:
//  1. joins per second and status reads per second against ONE WaitingRoom object, empty;
//  2. the time and on-disk storage to hold 1,000,000 queued users in that object's SQLite
//     (bulk-loaded through the object's `joinMany` RPC in batches of 10,000 inside the object,
//     the same code path as a join, to avoid a million HTTP round trips);
//  3. joins and status reads per second again with 1,000,000 users waiting (O(log n) reads).
// A small harness Worker (bundled with esbuild) drives the object with 32 concurrent RPCs and
// times them inside workerd: the figures are the object's (plus the Worker->object hop), not
// Node's HTTP client, and leave out auth and the D1 event lookup of the public routes.
// All joins happen before on-sale: the random-key path, the dearer of the two.
// Local workerd syncs each join's write to disk before answering, so joins/s here is bound by
// the disk; TMPDIR=/dev/shm shows the object's own cost. BENCH_CONCURRENCY sets the RPCs in flight.
// Run: node bench/waiting-room.bench.mjs [users]   (also run by bench/run.mjs). Prints a
// summary and writes bench/results/waiting-room.json.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { dirBytes } from "./lib.mjs";

const root = path.resolve(import.meta.dirname, "..");
const TARGET_USERS = Number(process.argv[2] ?? 1_000_000);
const OPS = 5_000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const BATCH = 10_000;

const HARNESS = `
import { WaitingRoom } from ${JSON.stringify(path.join(root, "src/durable-objects/waiting-room.ts"))};
export { WaitingRoom };
let CFG; // built on the first request: at startup workerd's clock still reads 1970
const queueIds = new Map();
/** Runs n calls, conc at a time, from this Worker to the object; returns the wall time. */
async function loop(n, conc, call) {
  let next = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: conc }, async () => { while (next < n) await call(next++); }));
  return { ops: n, ms: Date.now() - t0 };
}
export default {
  async fetch(request, env) {
    CFG ??= { enabled: true, onSaleAt: Date.now() + 7 * 86400_000, admitPerMinute: 1000, sessionSeconds: 600 };
    const url = new URL(request.url);
    const room = env.WAITING_ROOM.get(env.WAITING_ROOM.idFromName("bench"));
    const q = (k) => url.searchParams.get(k);
    const n = Number(q("n")), conc = Number(q("conc") ?? 32), prefix = q("prefix");
    let out;
    if (url.pathname === "/joins") {
      out = await loop(n, conc, async (i) => {
        const r = await room.join(prefix + i, CFG);
        if (!r.ok || r.status !== "waiting") throw new Error(JSON.stringify(r));
        queueIds.set(prefix + i, r.queueId);
      });
    } else if (url.pathname === "/reads") {
      // Users joined through /joins (ids remembered), or bulk users: row id = base + 1 + i.
      const base = q("base"), range = Number(q("range"));
      out = await loop(n, conc, async (i) => {
        const k = base === null ? i : Math.floor(Math.random() * range);
        const user = prefix + k;
        const id = base === null ? queueIds.get(user) : "que_" + (Number(base) + 1 + k).toString(36);
        const r = await room.status(id, user);
        if (!r.ok || r.status !== "waiting") throw new Error(JSON.stringify(r));
      });
    } else if (url.pathname === "/bulk") {
      const start = Number(q("start"));
      out = await room.joinMany(Array.from({ length: n }, (_, i) => prefix + (start + i)), CFG);
    } else if (url.pathname === "/stats") out = await room.stats();
    else return new Response("no", { status: 404 });
    return Response.json(out);
  },
};`;

const rate = (r) => ({ ...r, perSecond: Math.round((r.ops * 1000) / r.ms) });

async function main() {
  const work = await mkdtemp(path.join(tmpdir(), "wr-bench-"));
  const entry = path.join(work, "harness.mjs");
  await writeFile(entry, HARNESS);
  const bundled = await build({ entryPoints: [entry], bundle: true, write: false, format: "esm", platform: "neutral", external: ["cloudflare:*"] });
  const persist = path.join(work, "state");
  // Miniflare 5's worker config (the same shape wrangler passes it).
  const mf = new Miniflare({
    workers: [
      {
        config: {
          name: "waiting-room-bench",
          compatibilityDate: "2026-11-01",
          manifest: { mainModule: "harness.mjs", modules: { "harness.mjs": { type: "esm", contents: bundled.outputFiles[0].text } } },
          env: { WAITING_ROOM: { type: "durable-object", worker: "waiting-room-bench", exportName: "WaitingRoom" } },
          exports: { WaitingRoom: { type: "durable-object", storage: "sqlite" } },
        },
      },
    ],
    resourcePersistencePath: persist,
    // The object's JSON line per join (see "What operators see") would flood the bench's output.
    handleStructuredLogs: () => {},
  });
  const get = async (p) => {
    const res = await mf.dispatchFetch(`http://localhost${p}`);
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const results = { target_users: TARGET_USERS, concurrency: CONCURRENCY };
  try {
    results.empty_joins = rate(await get(`/joins?n=${OPS}&conc=${CONCURRENCY}&prefix=early_`));
    results.empty_status_reads = rate(await get(`/reads?n=${OPS}&conc=${CONCURRENCY}&prefix=early_`));

    const toLoad = Math.max(0, TARGET_USERS - OPS);
    const t0 = performance.now();
    for (let start = 0; start < toLoad; start += BATCH) await get(`/bulk?start=${start}&n=${Math.min(BATCH, toLoad - start)}&prefix=bulk_`);
    const loadSeconds = (performance.now() - t0) / 1000;
    results.bulk_load = { users: toLoad, seconds: +loadSeconds.toFixed(1), perSecond: Math.round(toLoad / loadSeconds) };

    results.full_joins = rate(await get(`/joins?n=${OPS}&conc=${CONCURRENCY}&prefix=late_`));
    results.full_status_reads = rate(await get(`/reads?n=${OPS}&conc=${CONCURRENCY}&prefix=bulk_&base=${OPS}&range=${toLoad}`));
    results.stats = await get("/stats");
  } finally {
    await mf.dispose();
  }
  results.storage_bytes = await dirBytes(persist);
  results.storage_mib = +(results.storage_bytes / 2 ** 20).toFixed(1);
  results.bytes_per_user = Math.round(results.storage_bytes / results.stats.waiting);
  await rm(work, { recursive: true, force: true });

  await mkdir(path.join(root, "bench/results"), { recursive: true });
  await writeFile(path.join(root, "bench/results/waiting-room.json"), JSON.stringify(results, null, 2) + "\n");
  console.log(`waiting room (one object on workerd via Miniflare; ${CONCURRENCY} concurrent RPCs from a Worker)`);
  console.log(`  empty:        ${results.empty_joins.perSecond} joins/s, ${results.empty_status_reads.perSecond} status reads/s`);
  console.log(`  bulk load:    ${results.bulk_load.users} users in ${results.bulk_load.seconds} s (${results.bulk_load.perSecond}/s, joinMany batches of ${BATCH})`);
  console.log(`  ${results.stats.waiting} waiting: ${results.full_joins.perSecond} joins/s, ${results.full_status_reads.perSecond} status reads/s`);
  console.log(`  storage:      ${results.storage_mib} MiB on disk (${results.bytes_per_user} bytes per user)`);
}

await main();
