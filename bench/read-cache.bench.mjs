// Read-cache benchmark, against workerd itself (Miniflare's runtime running the built app, not
// `wrangler dev`): seat-map reads (GET /api/v1/events/{id}/seats?section=KEY) of a published
// event of 10 reserved sections x 1,000 seats, from 64 concurrent readers, each request with
// its own CF-Connecting-IP. In the same run, in alternating rounds:
//  - cached: the real route through the app's router, served by the read cache;
//  - direct: the same read straight from D1 and the section object, as before the cache.
//  - noop: a request the app's router answers at once (404), the ceiling for any route here.
// It counts the SectionInventory.snapshot calls each round makes: with the cache about one
// per section per freshness window (2 s), however many reads; without it, one per read.
// The readers are loops inside workerd (bench/read-cache-worker.ts), so Node's HTTP client is
// not what is measured. Rates are timed from Node around each round, because workerd's clock
// does not move while a request runs without I/O (and a cache hit does none).
// Run: npm run bench -- read-cache, or node bench/read-cache.bench.mjs. Writes bench/results/read-cache.json.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Miniflare } from "miniflare";
import { generateDevSecrets } from "../scripts/dev-secrets.mjs";
import { bundleBenchWorker, fmt } from "./lib.mjs";

const root = path.resolve(import.meta.dirname, "..");
const SECTIONS = 10;
const ROWS = 10;
// READ_BENCH_SEATS_PER_ROW changes the section size (answer size), e.g. to see what the body costs.
const SEATS_PER_ROW = Number(process.env.READ_BENCH_SEATS_PER_ROW ?? 100);
const CLIENTS = 64;
const ROUNDS = Number(process.env.READ_BENCH_ROUNDS ?? 3);
const CACHED_READS = 20_000;
const DIRECT_READS = 1_000;
const WINDOW_S = 2;


// mainFields as wrangler bundles the app.
const bundle = () => bundleBenchWorker("read-cache-worker", { mainFields: ["browser", "module", "main"] });

/** The D1 migrations, statement by statement (drizzle-kit separates them with a marker). */
async function migrationStatements() {
  const dir = path.join(root, "migrations");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const out = [];
  for (const f of files)
    for (const s of (await readFile(path.join(dir, f), "utf8")).split("--> statement-breakpoint")) if (s.trim()) out.push(s.trim());
  return out;
}

let logLines = 0;
const persist = await mkdtemp(path.join(tmpdir(), "read-cache-bench-"));
const WORKER = "read-cache-bench";
const text = (value) => ({ type: "text", value });
const objects = ["SectionInventory", "BuyerLedger", "WaitingRoom", "RateLimiter", "CheckoutSaga", "LiveFeed"];
const bindingOf = { SectionInventory: "INVENTORY", BuyerLedger: "BUYER_LEDGER", WaitingRoom: "WAITING_ROOM", RateLimiter: "RATE_LIMITER", CheckoutSaga: "CHECKOUT", LiveFeed: "LIVE_FEED" };
/** The Rate Limiting bindings of wrangler.toml, as Miniflare takes them. */
const rateLimits = Object.fromEntries(
  [...(await readFile(path.join(root, "wrangler.toml"), "utf8")).matchAll(/\[\[ratelimits\]\]\s*name = "(\w+)"\s*namespace_id = "(\d+)"\s*simple = \{ limit = (\d+), period = (\d+) \}/g)].map(
    ([, name, namespace, limit, period]) => [name, { type: "rate-limit", namespace, simple: { limit: Number(limit), period: Number(period) } }],
  ),
);
const mf = new Miniflare({
  workers: [
    {
      config: {
        name: WORKER,
        compatibilityDate: "2026-11-01",
        compatibilityFlags: ["nodejs_compat"],
        cache: { enabled: true },
        manifest: {
          mainModule: "read-cache-worker.js",
          modules: { "read-cache-worker.js": { type: "esm", contents: await readFile(await bundle(), "utf8") } },
        },
        env: {
          PUBLIC_ORIGIN: text("http://localhost:8787"),
          TICKET_ISSUER: text("https://tickets.edge.example"),
          ...Object.fromEntries(Object.entries(generateDevSecrets()).map(([k, v]) => [k, text(v)])),
          DB: { type: "d1", name: "ticketing", id: "bench" },
          METRICS: { type: "analytics-engine-dataset", name: "bench_metrics" },
          ...rateLimits,
          ...Object.fromEntries(objects.map((o) => [bindingOf[o], { type: "durable-object", worker: WORKER, exportName: o }])),
        },
        exports: Object.fromEntries(objects.map((o) => [o, { type: "durable-object", storage: "sqlite" }])),
      },
    },
  ],
  resourcePersistencePath: persist,
  // The app logs one JSON line per request (observability/request-log.ts). workerd still
  // writes each one; here they are counted instead of printed, so the terminal is not the bench.
  handleStructuredLogs: () => void logLines++,
});

async function api(base, method, p, { token, body, ip = "192.0.2.1" } = {}) {
  const headers = { "CF-Connecting-IP": ip };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const out = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** One round: n reads from CLIENTS loops in workerd; returns reads/s (timed here) and object calls. */
async function round(base, mode, eventId, sections, n) {
  await fetch(`${base}/bench/calls`); // reset the counters
  const t0 = performance.now();
  const res = await fetch(`${base}/bench/drive?mode=${mode}&event=${eventId}&sections=${sections.join(",")}&n=${n}&clients=${CLIENTS}`);
  if (!res.ok) throw new Error(`drive ${mode}: ${res.status} ${await res.text()}`);
  const out = await res.json();
  const seconds = (performance.now() - t0) / 1000;
  const calls = await (await fetch(`${base}/bench/calls`)).json();
  return { mode, reads: n, seconds, perSecond: n / seconds, snapshots: calls.snapshot ?? 0, failures: out.failures, maxAge: out.max_age_s, addresses: out.addresses };
}

try {
  const base = (await mf.ready).href.replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  for (const s of await migrationStatements()) await db.prepare(s).run();

  // A published event through the public API, as an organizer would make it.
  const org = await api(base, "POST", "/api/v1/auth/signup", { body: { email: `org-${Date.now()}@bench.test`, password: "bench-password-1", name: "Bench", role: "organizer" } });
  const sections = Array.from({ length: SECTIONS }, (_, i) => `S${i + 1}`);
  const venue = await api(base, "POST", "/api/v1/admin/venues", {
    token: org.token,
    body: {
      name: "Bench Arena",
      city: "Lisbon",
      sections: sections.map((key) => ({
        key,
        name: `Section ${key}`,
        kind: "reserved",
        rows: Array.from({ length: ROWS }, (_, r) => ({ label: String.fromCharCode(65 + r), seats: SEATS_PER_ROW, price_tier: "standard" })),
      })),
    },
  });
  const now = Date.now();
  const event = await api(base, "POST", "/api/v1/admin/events", {
    token: org.token,
    body: {
      venue_id: venue.venue_id,
      name: "Bench Night",
      category: "concert",
      city: "Lisbon",
      starts_at: new Date(now + 30 * 86_400_000).toISOString(),
      ends_at: new Date(now + 30 * 86_400_000 + 3 * 3_600_000).toISOString(),
      on_sale_at: new Date(now - 3_600_000).toISOString(),
      price_tiers: { standard: 5000 },
    },
  });
  await api(base, "POST", `/api/v1/admin/events/${event.event_id}/publish`, { token: org.token });

  // Warm both paths (isolate, objects, JIT).
  await round(base, "direct", event.event_id, sections, 500);
  await round(base, "cached", event.event_id, sections, 5_000);

  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push(await round(base, "direct", event.event_id, sections, DIRECT_READS));
    rounds.push(await round(base, "cached", event.event_id, sections, CACHED_READS));
    rounds.push(await round(base, "noop", event.event_id, sections, CACHED_READS));
  }
  const sum = (mode, f) => rounds.filter((r) => r.mode === mode).reduce((s, r) => s + f(r), 0);
  const total = (mode) => {
    const reads = sum(mode, (r) => r.reads);
    const seconds = sum(mode, (r) => r.seconds);
    const snapshots = sum(mode, (r) => r.snapshots);
    // What "one per section per window" allows for this much time: a window may straddle a round's start and end.
    const windows = rounds.filter((r) => r.mode === mode).reduce((s, r) => s + Math.ceil(r.seconds / WINDOW_S) + 1, 0);
    return { reads, seconds, per_second: reads / seconds, snapshot_calls: snapshots, calls_per_read: snapshots / reads, allowed_calls: windows * SECTIONS };
  };
  const cached = total("cached");
  const direct = total("direct");
  const noop = total("noop");

  console.log(`event: ${SECTIONS} reserved sections x ${fmt(ROWS * SEATS_PER_ROW)} seats; reads of one section each (GET .../seats?section=KEY)`);
  console.log(`readers: ${CLIENTS} concurrent loops in workerd, one CF-Connecting-IP per request; ${ROUNDS} alternating rounds; machine load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
  console.log("");
  console.log("path      reads   seconds   reads/s   object calls   calls/read   max Age s   addresses");
  for (const r of rounds)
    console.log(
      `${r.mode.padEnd(7)} ${fmt(r.reads).padStart(7)} ${fmt(r.seconds, 2).padStart(9)} ${fmt(r.perSecond).padStart(9)} ${fmt(r.snapshots).padStart(14)} ${fmt(r.snapshots / r.reads, 4).padStart(12)} ${String(r.maxAge).padStart(11)} ${fmt(r.addresses).padStart(11)}`,
    );
  console.log("");
  console.log(`cached: ${fmt(cached.per_second)} reads/s; direct from the objects: ${fmt(direct.per_second)} reads/s; ratio ${fmt(cached.per_second / direct.per_second, 1)}x`);
  console.log(`request log lines written by the app (not printed): ${fmt(logLines)}`);
  console.log(`no-op request through the router: ${fmt(noop.per_second)}/s; cached reads run at ${fmt((cached.per_second / noop.per_second) * 100)}% of it`);
  console.log(
    `object calls: ${fmt(cached.snapshot_calls)} for ${fmt(cached.reads)} cached reads over ${fmt(cached.seconds, 1)} s (at most ${fmt(cached.allowed_calls)} allowed: one per section per ${WINDOW_S} s window); ${fmt(direct.snapshot_calls)} for ${fmt(direct.reads)} direct reads`,
  );
  const failures = rounds.reduce((s, r) => s + r.failures, 0);
  const maxAge = Math.max(...rounds.filter((r) => r.mode === "cached").map((r) => r.maxAge));
  if (failures > 0) throw new Error(`${failures} reads failed`);
  if (cached.snapshot_calls > cached.allowed_calls) throw new Error("the cache made more object calls than one per section per window");
  if (direct.snapshot_calls !== direct.reads) throw new Error("direct reads should make one object call each");
  if (maxAge > 5) throw new Error(`an answer was ${maxAge} s old, past the 5 s bound`);
  await mkdir(path.join(root, "bench/results"), { recursive: true });
  await writeFile(
    path.join(root, `bench/results/read-cache${SEATS_PER_ROW === 100 ? "" : `-${ROWS * SEATS_PER_ROW}-seats`}.json`),
    JSON.stringify({ at: new Date().toISOString(), load: loadavg()[0], sections: SECTIONS, seats_per_section: ROWS * SEATS_PER_ROW, clients: CLIENTS, cached, direct, noop, ratio: cached.per_second / direct.per_second, max_age_s: maxAge, rounds }, null, 2) + "\n",
  );
} finally {
  await mf.dispose();
  await rm(persist, { recursive: true, force: true });
}
