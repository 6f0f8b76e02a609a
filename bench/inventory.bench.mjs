// Inventory benchmark, against workerd itself (Miniflare's runtime, not `wrangler dev`):
// one hot reserved section of 10,000 seats (100 rows x 100) in a SectionInventory Durable
// Object with SQLite storage persisted on disk (a temp dir), 64 concurrent clients.
// Measures holds/second and p50/p99 latency, and in the same run the rate of a no-op RPC
// (ping) to the same object, in alternating rounds so that machine noise hits both alike.
// Goal: holds >= 70% of the no-op rate. Each hold is a real single-seat hold that succeeds
// (every seat ends up held exactly once, checked at the end). The clients are call loops in
// a bench Worker in the same workerd (bench/inventory-worker.ts), calling over RPC.
// The measurement is repeated on three fresh sections and judged on the median run.
// Secondary figures: the same ops driven over HTTP from Node on another 10,000-seat section.
// Holds are group-committed by SectionInventory (concurrent holds share one storage commit)
// and a held seat is one row update; what remains between a hold and a ping is mostly the
// row the hold writes (bench figures and analysis: README, Benchmarks).
// Live seat map: holds on one section with 0 and with VIEWERS open viewer sockets (on LiveFeed
// shards, as the live route places them), in alternating rounds of the same run.
// Run: npm run bench (all benches), npm run bench -- inventory, or node bench/inventory.bench.mjs.
// KEEP_BENCH_STORAGE=1 keeps the temp dir. Writes bench/results/inventory.json.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Miniflare } from "miniflare";
import { bundleBenchWorker, dirBytes, fmt, pct } from "./lib.mjs";

const root = path.resolve(import.meta.dirname, "..");
const ROWS = 100;
const SEATS_PER_ROW = 100;
const SEATS = ROWS * SEATS_PER_ROW;
const CLIENTS = 64;
const ROUNDS = 10;
const HOLDS_PER_ROUND = SEATS / ROUNDS;
const PINGS_PER_ROUND = 2_000;
const WARMUP = 2_000;
const GOAL = 0.7;
const REPEATS = 3;
const VIEWERS = 1_000;
/** As LIVE_FEED_SHARDS in src/worker/inventory/live.ts. */
const FEED_SHARDS = 4;


const bundle = () => bundleBenchWorker("inventory-worker");

/** One round of `n` calls of `op` from CLIENTS concurrent loops inside workerd. */
async function drive(base, q, op, n, start = 0) {
  const res = await fetch(`${base}/drive?${q}&op=${op}&n=${n}&clients=${CLIENTS}&start=${start}&seats=${SEATS_PER_ROW}`);
  if (!res.ok) throw new Error(`drive ${op}: ${res.status} ${await res.text()}`);
  const { wall_ms, latencies, failures } = await res.json();
  return { latencies, wallMs: wall_ms, bad: failures };
}

/** The same round, driven over HTTP from Node: CLIENTS loops, one request per call. */
async function driveHttp(base, q, op, n, start = 0) {
  let next = 0;
  let bad = 0;
  const latencies = new Array(n);
  const want = op === "ping" ? 204 : 201;
  const client = async () => {
    for (let i = next++; i < n; i = next++) {
      const t0 = performance.now();
      const res = await fetch(op === "ping" ? `${base}/ping?${q}` : `${base}/hold?${q}&k=${start + i}&seats=${SEATS_PER_ROW}`);
      await res.arrayBuffer();
      latencies[i] = performance.now() - t0;
      if (res.status !== want) bad++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { latencies, wallMs: performance.now() - t0, bad };
}

function summary(name, runs) {
  const n = runs.reduce((s, r) => s + r.latencies.length, 0);
  const wall = runs.reduce((s, r) => s + r.wallMs, 0);
  const all = Float64Array.from(runs.flatMap((r) => r.latencies)).sort();
  return { name, requests: n, per_second: (n / wall) * 1000, p50_ms: pct(all, 50), p99_ms: pct(all, 99), errors: runs.reduce((s, r) => s + r.bad, 0) };
}

const rate = (run) => (run.latencies.length / run.wallMs) * 1000;
/** Per-round rates too, to show the spread. */
const rates = (runs) => runs.map((r) => Math.round(rate(r)));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const persist = await mkdtemp(path.join(tmpdir(), "inventory-bench-"));
const WORKER = "inventory-bench";
const mf = new Miniflare({
  workers: [
    {
      config: {
        name: WORKER,
        compatibilityDate: "2026-11-01",
        compatibilityFlags: ["nodejs_compat"],
        manifest: {
          mainModule: "inventory-worker.js",
          modules: { "inventory-worker.js": { type: "esm", contents: await readFile(await bundle(), "utf8") } },
        },
        env: {
          INVENTORY: { type: "durable-object", worker: WORKER, exportName: "SectionInventory" },
          LIVE_FEED: { type: "durable-object", worker: WORKER, exportName: "LiveFeed" },
        },
        exports: { SectionInventory: { type: "durable-object", storage: "sqlite" }, LiveFeed: { type: "durable-object", storage: "sqlite" } },
      },
    },
  ],
  // Durable Object SQLite files live here, on disk.
  resourcePersistencePath: persist,
});
try {
  const base = (await mf.ready).href.replace(/\/$/, "");
  const section = `evt_bench:HOT-${Date.now()}`;

  // Warm up connections, the isolate and the object, and JIT-compile both paths; the holds
  // go to a separate section so that each measured one starts with every seat free.
  const qWarm = `section=${encodeURIComponent(`${section}-warm`)}`;
  await fetch(`${base}/init?${qWarm}&rows=${ROWS}&seats=${SEATS_PER_ROW}`);
  await drive(base, qWarm, "ping", WARMUP);
  await drive(base, qWarm, "hold", WARMUP);

  /** One measurement: a fresh hot section, ping and hold rounds alternating on it. */
  async function measure(run) {
    const q = `section=${encodeURIComponent(`${section}-${run}`)}`;
    const t0 = performance.now();
    const init = await (await fetch(`${base}/init?${q}&rows=${ROWS}&seats=${SEATS_PER_ROW}`)).json();
    if (!init.ok) throw new Error(`init failed: ${JSON.stringify(init)}`);
    const initMs = performance.now() - t0;
    const pings = [];
    const holds = [];
    for (let round = 0; round < ROUNDS; round++) {
      pings.push(await drive(base, q, "ping", PINGS_PER_ROUND));
      holds.push(await drive(base, q, "hold", HOLDS_PER_ROUND, round * HOLDS_PER_ROUND));
    }
    const snap = await (await fetch(`${base}/snapshot?${q}`)).json();
    const ratio = summary("", holds).per_second / summary("", pings).per_second;
    // Each hold round against the ping round just before it: machine speed here drifts by a
    // quarter from round to round, and adjacent rounds see nearly the same machine.
    const paired = median(holds.map((h, i) => rate(h) / rate(pings[i])));
    return { pings, holds, snap, ratio, paired, initMs };
  }
  // Repeated on fresh sections, and judged on the median run: on this shared 2-core machine a
  // single run's ratio swings by +-8 points with whatever else is running.
  const runs = [];
  for (let run = 1; run <= REPEATS; run++) runs.push(await measure(run));
  const pings = runs.flatMap((r) => r.pings);
  const holds = runs.flatMap((r) => r.holds);
  const snap = runs[0].snap;
  const ping = summary("no-op RPC (ping)", pings);
  const hold = summary("hold (1 seat)", holds);
  const ratio = median(runs.map((r) => r.ratio));

  /**
   * Holds with and without an audience: two fresh sections, one watched by VIEWERS sockets
   * (spread over the feed shards), hold rounds alternating between them. Node counts the
   * messages but parses only one socket's, so that the clients' own CPU stays small.
   */
  async function measureViewers() {
    const keys = { quiet: `Q${Date.now()}`, watched: `W${Date.now()}` };
    for (const key of Object.values(keys)) {
      const init = await (await fetch(`${base}/init?key=${key}&rows=${ROWS}&seats=${SEATS_PER_ROW}`)).json();
      if (!init.ok) throw new Error(`init failed: ${JSON.stringify(init)}`);
    }
    const wsBase = base.replace(/^http/, "ws");
    const sockets = [];
    let messages = 0;
    let last = null;
    const t0 = performance.now();
    for (let i = 0; i < VIEWERS; i += 100)
      await Promise.all(
        Array.from({ length: Math.min(100, VIEWERS - i) }, (_, j) =>
          new Promise((resolve, reject) => {
            const ws = new WebSocket(`${wsBase}/live?key=${keys.watched}&shard=${(i + j) % FEED_SHARDS}`);
            let first = true;
            ws.onmessage = (e) => {
              if (first) {
                first = false;
                return resolve();
              }
              messages++;
              if (i + j === 0) last = JSON.parse(e.data);
            };
            ws.onerror = () => reject(new Error("viewer socket failed"));
            sockets.push(ws);
          }),
        ),
      );
    const connectMs = performance.now() - t0;
    const quiet = [];
    const watched = [];
    for (let round = 0; round < ROUNDS; round++) {
      quiet.push(await drive(base, `key=${keys.quiet}`, "hold", HOLDS_PER_ROUND, round * HOLDS_PER_ROUND));
      watched.push(await drive(base, `key=${keys.watched}`, "hold", HOLDS_PER_ROUND, round * HOLDS_PER_ROUND));
    }
    // Every change reaches the viewers: the first socket's last message says the section is full.
    const deadline = Date.now() + 30_000;
    while (last?.available !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const ws of sockets) ws.close();
    if (last?.available !== 0) throw new Error(`viewers did not see the section fill up: ${JSON.stringify(last && { seq: last.seq, available: last.available })}`);
    return { quiet: summary("hold, 0 viewers", quiet), watched: summary(`hold, ${fmt(VIEWERS)} viewers`, watched), connectMs, messages, lastSeq: last.seq };
  }
  const live = await measureViewers();

  // Secondary figures: the same over HTTP from Node (a fresh 10,000-seat section), where each
  // call also pays an HTTP round trip, as a client of the API would.
  const q2 = `section=${encodeURIComponent(`${section}-http`)}`;
  await fetch(`${base}/init?${q2}&rows=${ROWS}&seats=${SEATS_PER_ROW}`);
  await driveHttp(base, q2, "ping", WARMUP);
  const httpPings = [];
  const httpHolds = [];
  for (let round = 0; round < ROUNDS; round++) {
    httpPings.push(await driveHttp(base, q2, "ping", PINGS_PER_ROUND / 2));
    httpHolds.push(await driveHttp(base, q2, "hold", HOLDS_PER_ROUND, round * HOLDS_PER_ROUND));
  }
  const snap2 = await (await fetch(`${base}/snapshot?${q2}`)).json();
  const httpPing = summary("ping over HTTP", httpPings);
  const httpHold = summary("hold over HTTP", httpHolds);
  const onDisk = await dirBytes(persist);

  console.log(`section: ${fmt(snap.capacity)} seats, ${fmt(snap.held)} held, ${fmt(snap.available)} available; storage on disk ${fmt(onDisk / 1024)} KiB (${persist})`);
  console.log(`clients: ${CLIENTS} concurrent RPC call loops in workerd, ${REPEATS} runs of ${ROUNDS} alternating rounds; machine load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
  console.log("");
  console.log("operation             requests   per second   p50 ms   p99 ms   errors");
  for (const s of [ping, hold, httpPing, httpHold])
    console.log(
      `${s.name.padEnd(20)} ${fmt(s.requests).padStart(9)} ${fmt(s.per_second).padStart(12)} ${fmt(s.p50_ms, 2).padStart(8)} ${fmt(s.p99_ms, 2).padStart(8)} ${fmt(s.errors).padStart(8)}`,
    );
  runs.forEach((r, i) =>
    console.log(
      `run ${i + 1}: holds / no-op = ${fmt(r.ratio * 100, 1)}% (median of paired rounds ${fmt(r.paired * 100, 1)}%); init ${fmt(r.initMs)} ms; per-round ping ${rates(r.pings).join(" ")}; hold ${rates(r.holds).join(" ")}`,
    ),
  );
  console.log("");
  console.log(`holds / no-op, median of ${REPEATS} runs = ${fmt(ratio * 100, 1)}% (goal >= ${GOAL * 100}%): ${ratio >= GOAL ? "met" : "NOT met"}  [RPC inside workerd: the object's own cost]`);
  console.log(`over HTTP from Node: holds / no-op = ${fmt((httpHold.per_second / httpPing.per_second) * 100, 1)}%  [what an HTTP client sees]`);
  console.log("");
  console.log(`live seat map: ${fmt(VIEWERS)} viewer sockets on ${FEED_SHARDS} feed shards (opened in ${fmt(live.connectMs)} ms), alternating rounds`);
  for (const s of [live.quiet, live.watched])
    console.log(`${s.name.padEnd(22)} ${fmt(s.requests).padStart(7)} holds ${fmt(s.per_second).padStart(8)}/s  p50 ${fmt(s.p50_ms, 2)} ms  p99 ${fmt(s.p99_ms, 2)} ms`);
  // A section gathers changes for 50 ms, and while its previous message is still being delivered:
  // the slower the delivery, the fewer and larger the messages.
  console.log(`viewers got ${fmt(live.messages)} change messages in all, ${fmt(live.lastSeq)} per viewer for ${fmt(SEATS)} seat changes`);

  const clean = [ping, hold, httpPing, httpHold, live.quiet, live.watched].every((s) => s.errors === 0) && runs.every((r) => r.snap.held === SEATS) && snap2.held === SEATS;
  if (!clean) throw new Error("bench run was not clean: every seat should be held exactly once");
  await mkdir(path.join(root, "bench/results"), { recursive: true });
  await writeFile(
    path.join(root, "bench/results/inventory.json"),
    JSON.stringify({ at: new Date().toISOString(), seats: SEATS, clients: CLIENTS, ping, hold, ratio, runs: runs.map((r) => ({ ratio: r.ratio, paired_median_ratio: r.paired })), http: { ping: httpPing, hold: httpHold }, live: { viewers: VIEWERS, shards: FEED_SHARDS, quiet: live.quiet, watched: live.watched, messages: live.messages, seq: live.lastSeq }, storage_bytes: onDisk }, null, 2),
  );
} finally {
  await mf.dispose();
  if (!process.env.KEEP_BENCH_STORAGE) await rm(persist, { recursive: true, force: true });
}
