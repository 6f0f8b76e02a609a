// Whole-event holds through the Worker's HTTP path on workerd (Miniflare's Node API, not
// `wrangler dev` and its proxy): an event of 20 reserved sections x 2,500 seats, 2,000 buyers,
// 64 clients from Node making 2-seat holds at random positions (every hold takes seats no one
// holds, so each is a real hold that succeeds). In the same run, alternating rounds, with the
// same requests and the same load generator:
// - a plain Worker request (no call at all), and a Worker whose request makes two chained no-op
//   object calls (Worker -> per-buyer object -> per-section object): the platform's own ceiling
//   for this path (bench/chain-worker.ts, its own workerd);
// - a reference Node + PostgreSQL server (bench/pg-reference-server.mjs): one transaction per
//   hold, per-user count and conditional `UPDATE ... WHERE status = 'AVAILABLE'`. The bench
//   starts and stops a throwaway cluster with Debian's initdb/pg_ctl under /tmp; without them
//   it says so and skips that reference (it installs nothing).
// Reports holds/s, p50/p99, the ratios, and runtime CPU per request (workerd's, or the Node
// server's plus PostgreSQL's) for a buyer's first hold and a returning buyer's.
// Goals (issue: flash-sale readiness): holds >= 50% of the chained no-op rate; a first hold's
// CPU <= 1.5x a returning one's. Writes bench/results/event-holds.json.
// Run: npm run bench -- event-holds, or node bench/event-holds.bench.mjs. With `--strip` (or
// STRIP=1) the app runs without the costs only Miniflare has (`withoutLocalOnlyCosts` in
// bench/app-miniflare.mjs: log lines to Node, the Analytics Engine proxy, the Rate Limiting
// objects); results then go to bench/results/event-holds-strip.json.
import { execFileSync, fork } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Miniflare } from "miniflare";
import { bundleWorker, startApp, withoutLocalOnlyCosts } from "./app-miniflare.mjs";
import { buyerTokens, childPids, cpuSeconds, pct, publishedReservedEvent } from "./lib.mjs";

const root = path.resolve(import.meta.dirname, "..");
const SECTIONS = 20;
const ROWS = 50;
const PER_ROW = 50; // 2,500 seats a section
const BUYERS = 2_000;
const CLIENTS = 64;
const MAX_PER_USER = 50;
const FIRST_ROUNDS = 4; // 4 x 500 first holds: every buyer's first
const RETURNING_ROUNDS = 4;
const RETURNING_PER_ROUND = 1_000;
const BASELINE_PER_ROUND = 1_000;
const WARMUP = 300;
const GOAL_VS_CHAIN = 0.5;
const GOAL_FIRST_VS_RETURNING = 1.5;

const fmt = (n, d = 0) => (n === null || n === undefined ? "-" : n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));


/** One round: `n` requests from CLIENTS concurrent loops; `make(i)` gives [url, init, expected status]. */
async function round(n, make, cpuPids) {
  let next = 0;
  let bad = 0;
  let firstBad;
  const latencies = new Array(n);
  const client = async () => {
    for (let i = next++; i < n; i = next++) {
      const [url, init, want] = make(i);
      const t0 = performance.now();
      const res = await fetch(url, init);
      const text = await res.text();
      latencies[i] = performance.now() - t0;
      if (res.status !== want) {
        bad++;
        firstBad ??= `${res.status} ${text.slice(0, 300)}`;
      }
    }
  };
  const cpu0 = cpuSeconds(cpuPids());
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const wallMs = performance.now() - t0;
  const cpu = cpuSeconds(cpuPids()) - cpu0;
  if (firstBad) console.error(`  ${bad} unexpected answers, first: ${firstBad}`);
  return { latencies, wallMs, bad, cpu };
}

function summary(name, runs) {
  if (runs.length === 0) return null;
  const n = runs.reduce((s, r) => s + r.latencies.length, 0);
  const wall = runs.reduce((s, r) => s + r.wallMs, 0);
  const all = Float64Array.from(runs.flatMap((r) => r.latencies)).sort();
  const cpu = runs.reduce((s, r) => s + r.cpu, 0);
  return { name, requests: n, per_second: (n / wall) * 1000, p50_ms: pct(all, 50), p99_ms: pct(all, 99), cpu_ms_per_request: (cpu * 1000) / n, errors: runs.reduce((s, r) => s + r.bad, 0) };
}

// ---- PostgreSQL reference (optional) ----
function pgBinaries() {
  const dirs = ["/usr/lib/postgresql"].filter(existsSync).flatMap((d) => readdirSync(d).map((v) => path.join(d, v, "bin")));
  for (const dir of [...dirs.sort().reverse(), "/usr/local/bin", "/usr/bin"]) {
    if (existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl")) && existsSync(path.join(dir, "psql"))) return dir;
  }
  return null;
}

async function startPostgres() {
  const bin = pgBinaries();
  if (!bin) return { skipped: "PostgreSQL binaries (initdb, pg_ctl, psql) not found; install Debian's `postgresql` to measure the reference" };
  const dir = await mkdtemp(path.join(tmpdir(), "pg-bench-"));
  // PostgreSQL refuses to run as root: run it as the `postgres` user when we are root.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => {
    const full = asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    return execFileSync(full[0], full[1], { stdio: ["ignore", "pipe", "pipe"] }).toString();
  };
  if (asRoot) execFileSync("chown", ["postgres", dir]);
  const data = path.join(dir, "data");
  const port = 20000 + Math.floor(Math.random() * 20000);
  try {
    run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    // Durable commits as a real deployment would have them (fsync on, synchronous_commit on).
    run("pg_ctl", ["-D", data, "-w", "-l", path.join(dir, "log"), "-o", `-p ${port} -k ${dir} -c listen_addresses='' -c max_connections=50 -c shared_buffers=128MB`, "start"]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return { skipped: `could not start PostgreSQL: ${String(err.stderr ?? err).slice(0, 300)}` };
  }
  const psql = (sql) => run("psql", ["-h", dir, "-p", String(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]);
  const postmaster = Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const pids = () => {
    const out = [postmaster];
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster) out.push(Number(d));
      } catch {}
    }
    return out;
  };
  return {
    dir,
    port,
    psql,
    pids,
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      } catch {}
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---- the run ----
const seatId = (s, r, n) => `S${s + 1}-R${r + 1}-${n + 1}`;
// Every disjoint pair of adjacent seats, in a random order: holds at random positions that never collide.
const pairs = [];
for (let s = 0; s < SECTIONS; s++) for (let r = 0; r < ROWS; r++) for (let n = 0; n < PER_ROW; n += 2) pairs.push([seatId(s, r, n), seatId(s, r, n + 1)]);
for (let i = pairs.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
}

const STRIP = process.argv.includes("--strip") || process.env.STRIP === "1";
const stripDir = STRIP ? await mkdtemp(path.join(tmpdir(), "event-holds-strip-")) : undefined;
const app = await startApp(STRIP ? { entry: await withoutLocalOnlyCosts(stripDir) } : {});
const appPids = childPids("workerd");
const chainScript = await bundleWorker("bench/chain-worker.ts");
const chainPersist = await mkdtemp(path.join(tmpdir(), "chain-bench-"));
const chainMf = new Miniflare({
  workers: [
    {
      config: {
        name: "chain",
        compatibilityDate: "2026-11-01",
        manifest: { mainModule: "chain.js", modules: { "chain.js": { type: "esm", contents: chainScript } } },
        env: { NOOP: { type: "durable-object", worker: "chain", exportName: "NoopObject" } },
        exports: { NoopObject: { type: "durable-object", storage: "sqlite" } },
      },
    },
  ],
  resourcePersistencePath: chainPersist,
});
const chainOrigin = (await chainMf.ready).href.replace(/\/$/, "");
const chainPids = childPids("workerd").filter((p) => !appPids.includes(p));
const pgServer = await startPostgres();
let pgChild;
const results = {};
try {
  const { eventId, organizerToken } = await publishedReservedEvent(app.origin, { sections: SECTIONS, rows: ROWS, perRow: PER_ROW, maxPerUser: MAX_PER_USER });
  const tokenOf = await buyerTokens(app.secrets.SESSION_SECRET, BUYERS + CLIENTS, "bench", 6);

  if (!pgServer.skipped) {
    pgServer.psql(`CREATE TABLE seats (event_id text NOT NULL, seat_id text NOT NULL, status text NOT NULL DEFAULT 'AVAILABLE', hold_id text, user_id text,
                     expires_at timestamptz, price_cents int NOT NULL, PRIMARY KEY (event_id, seat_id));
                   CREATE TABLE buyer_counts (event_id text NOT NULL, user_id text NOT NULL, held int NOT NULL, PRIMARY KEY (event_id, user_id));
                   INSERT INTO seats (event_id, seat_id, price_cents)
                     SELECT '${eventId}', 'S' || s || '-R' || r || '-' || n, 5000
                     FROM generate_series(1, ${SECTIONS}) s, generate_series(1, ${ROWS}) r, generate_series(1, ${PER_ROW}) n;`);
    pgServer.psql("VACUUM ANALYZE");
    const pgPort = 20000 + Math.floor(Math.random() * 20000);
    pgChild = fork(path.join(root, "bench/pg-reference-server.mjs"), [String(pgPort), pgServer.dir, String(pgServer.port), app.secrets.SESSION_SECRET, String(MAX_PER_USER)], { stdio: "inherit" });
    await new Promise((resolve, reject) => {
      pgChild.once("message", resolve);
      pgChild.once("exit", (code) => reject(new Error(`pg reference server exited ${code}`)));
    });
    pgServer.origin = `http://127.0.0.1:${pgPort}`;
  }
  const pgPids = () => (pgServer.skipped ? [] : [pgChild.pid, ...pgServer.pids()]);

  let nextPair = 0;
  /** The same hold request for both servers: [buyer, seats]. */
  const holdRequests = (buyerOf, n) => Array.from({ length: n }, (_, i) => [buyerOf(i), pairs[nextPair++]]);
  const holdTo = (origin, reqs) => (i) => [
    `${origin}/api/v1/events/${eventId}/holds`,
    {
      method: "POST",
      // Each buyer from its own address, as in a sale (the per-IP limit is the platform's binding).
      headers: { "content-type": "application/json", authorization: `Bearer ${tokenOf[reqs[i][0]]}`, "cf-connecting-ip": `10.9.${reqs[i][0] >> 8}.${reqs[i][0] & 255}` },
      body: JSON.stringify({ seats: reqs[i][1] }),
    },
    201,
  ];
  const plain = () => [`${chainOrigin}/plain`, {}, 204];
  const chain = (i) => [`${chainOrigin}/chain?k=${i}&buyers=${BUYERS}&sections=${SECTIONS}`, {}, 204];
  const appCpu = () => appPids;
  const chainCpu = () => chainPids;

  // Warm-up: connections, isolates, JIT; holds by extra buyers (not the measured ones).
  const warm = holdRequests((i) => BUYERS + (i % CLIENTS), WARMUP);
  await round(WARMUP, plain, chainCpu);
  // Every no-op object exists before it is measured: the baseline is calls to existing objects.
  await round(BUYERS, chain, chainCpu);
  await round(WARMUP, holdTo(app.origin, warm), appCpu);
  if (!pgServer.skipped) await round(WARMUP, holdTo(pgServer.origin, warm), pgPids);

  const runs = { plain: [], chain: [], first: [], returning: [], pg_first: [], pg_returning: [] };
  async function alternate(kind, reqs) {
    runs.plain.push(await round(BASELINE_PER_ROUND, plain, chainCpu));
    runs.chain.push(await round(BASELINE_PER_ROUND, chain, chainCpu));
    runs[kind].push(await round(reqs.length, holdTo(app.origin, reqs), appCpu));
    if (!pgServer.skipped) runs[`pg_${kind}`].push(await round(reqs.length, holdTo(pgServer.origin, reqs), pgPids));
    const r = runs[kind].at(-1);
    console.log(`  ${kind.padEnd(9)} round: ${fmt((r.latencies.length / r.wallMs) * 1000)} holds/s; chained no-op ${fmt((runs.chain.at(-1).latencies.length / runs.chain.at(-1).wallMs) * 1000)}/s`);
  }
  const perFirst = BUYERS / FIRST_ROUNDS;
  for (let r = 0; r < FIRST_ROUNDS; r++) await alternate("first", holdRequests((i) => r * perFirst + i, perFirst));
  for (let r = 0; r < RETURNING_ROUNDS; r++) await alternate("returning", holdRequests(() => Math.floor(Math.random() * BUYERS), RETURNING_PER_ROUND));

  for (const [k, v] of Object.entries(runs)) results[k] = summary(k, v);
  const holdsAll = summary("holds", [...runs.first, ...runs.returning]);
  const pgAll = summary("pg", [...runs.pg_first, ...runs.pg_returning]);

  // Clean run: every hold took its two seats, and the inventory says so.
  const stats = await (await fetch(`${app.origin}/api/v1/admin/events/${eventId}/stats`, { headers: { authorization: `Bearer ${organizerToken}` } })).json();
  const held = stats.sections.reduce((a, s) => a + s.held, 0);
  const expectedHeld = 2 * (WARMUP + BUYERS + RETURNING_ROUNDS * RETURNING_PER_ROUND);
  const errors = Object.values(results).reduce((a, s) => a + (s?.errors ?? 0), 0);

  const line = (label, s) =>
    s && console.log(`${label.padEnd(34)} ${fmt(s.requests).padStart(7)} ${fmt(s.per_second).padStart(9)} ${fmt(s.p50_ms, 1).padStart(8)} ${fmt(s.p99_ms, 1).padStart(8)} ${fmt(s.cpu_ms_per_request, 2).padStart(10)}`);
  console.log("");
  console.log(`event: ${SECTIONS} reserved sections x ${fmt(ROWS * PER_ROW)} seats, ${fmt(BUYERS)} buyers, ${CLIENTS} clients over HTTP from Node, 2-seat holds; machine load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
  console.log(`${"".padEnd(34)} ${"requests".padStart(7)} ${"per s".padStart(9)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"CPU ms/req".padStart(10)}`);
  line("plain Worker request", results.plain);
  line("Worker -> object -> object (no-op)", results.chain);
  line("hold, buyer's first (Worker)", results.first);
  line("hold, returning buyer (Worker)", results.returning);
  line("hold, all (Worker)", holdsAll);
  line("hold, buyer's first (Node+PostgreSQL)", results.pg_first);
  line("hold, returning (Node+PostgreSQL)", results.pg_returning);
  line("hold, all (Node+PostgreSQL)", pgAll);
  if (pgServer.skipped) console.log(`Node + PostgreSQL reference skipped: ${pgServer.skipped}`);
  const vsChain = holdsAll.per_second / results.chain.per_second;
  const firstVsReturning = results.first.cpu_ms_per_request / results.returning.cpu_ms_per_request;
  console.log("");
  console.log(`holds / chained no-op calls = ${fmt(vsChain * 100, 1)}% (goal >= ${GOAL_VS_CHAIN * 100}%): ${vsChain >= GOAL_VS_CHAIN ? "met" : "NOT met"}`);
  console.log(`CPU of a first hold / a returning one = ${fmt(firstVsReturning, 2)}x (goal <= ${GOAL_FIRST_VS_RETURNING}x): ${firstVsReturning <= GOAL_FIRST_VS_RETURNING ? "met" : "NOT met"}`);
  console.log(`chained no-op / plain request = ${fmt((results.chain.per_second / results.plain.per_second) * 100, 1)}%; object-call CPU over a plain request: ${fmt(results.chain.cpu_ms_per_request - results.plain.cpu_ms_per_request, 2)} ms`);
  if (pgAll) console.log(`Node + PostgreSQL / Worker holds = ${fmt(pgAll.per_second / holdsAll.per_second, 1)}x the rate, ${fmt(holdsAll.cpu_ms_per_request / pgAll.cpu_ms_per_request, 1)}x less CPU per hold (workerd: one thread for every object here; PostgreSQL: both cores)`);
  console.log(`inventory: ${fmt(held)} seats held, expected ${fmt(expectedHeld)}`);

  Object.assign(results, {
    at: new Date().toISOString(),
    sections: SECTIONS,
    seats_per_section: ROWS * PER_ROW,
    buyers: BUYERS,
    clients: CLIENTS,
    holds_all: holdsAll,
    pg_all: pgAll,
    pg_skipped: pgServer.skipped ?? null,
    ratios: {
      holds_vs_chain: vsChain,
      first_vs_returning_cpu: firstVsReturning,
      chain_vs_plain: results.chain.per_second / results.plain.per_second,
      pg_vs_holds_rate: pgAll ? pgAll.per_second / holdsAll.per_second : null,
    },
    goals: { holds_vs_chain: GOAL_VS_CHAIN, first_vs_returning_cpu: GOAL_FIRST_VS_RETURNING },
    load_average: loadavg()[0],
  });
  await mkdir(path.join(root, "bench/results"), { recursive: true });
  results.strip = STRIP;
  await writeFile(path.join(root, `bench/results/event-holds${STRIP ? "-strip" : ""}.json`), JSON.stringify(results, null, 2));
  if (errors > 0 || held !== expectedHeld) throw new Error(`bench run was not clean: ${errors} unexpected answers, ${held} seats held (expected ${expectedHeld})`);
} finally {
  pgChild?.kill();
  if (!pgServer.skipped) await pgServer.stop();
  await chainMf.dispose();
  await rm(chainPersist, { recursive: true, force: true });
  await app.dispose();
  if (stripDir) await rm(stripDir, { recursive: true, force: true });
}
