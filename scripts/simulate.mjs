// `npm run simulate`: a flash sale against the local system, end to end, through the public API.
//
//   npm run simulate                         # against a running `npm run dev` (http://localhost:8787)
//   npm run simulate -- --origin http://127.0.0.1:8788
//   npm run simulate -- --local              # starts its own workerd (Miniflare on the built bundle)
//   options: --fans 24000 --concurrency 200 --admit-per-minute 1500 --ttl 60 --minutes 7.5 --out sim-results
//            --sections 50 (of each kind; fewer for a small venue that sells out in minutes)
//
// The sale phase stops once sold out, or after --minutes (fans not started by then are counted
// as not reached), so that a run on a slow or busy machine still ends within 10 minutes with what
// it measured.
//
// An organizer (signed up through the API) creates a venue of 50,000 seats in 100 sections (50
// reserved sections of 20 rows x 25 seats, 50 general-admission sections of 500) and an event
// with the waiting room on, going on sale a few seconds later. Fans join the queue (before the
// opening: a random order), wait for admission, hold (best available in a reserved section, or
// picked seats from the seat map if the server answers 4xx to that, or GA places), order and
// pay; some decline, some abandon and let the hold expire. Each fan comes from its own address
// (`CF-Connecting-IP`: `wrangler dev` passes a client's header through to the Worker, and gives
// requests without one a single address whatever their source address, so the header is what
// makes fans distinct in both modes). At the end: sold, oversold (must be 0), stuck holds (0), admissions per
// minute against the configured rate, p50/p99 of each step and the time to sell out, printed and
// written to <out>/simulation.json and <out>/simulation.svg.
//
// Fans' sessions are signed with the deployment's SESSION_SECRET (.dev.vars, or the secrets of
// --local) instead of 20,000 sign-ups: each sign-up is a PBKDF2 hash of 100,000 iterations, work
// a real sale spreads over the weeks before it, and it would dominate a local run.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";

const root = path.resolve(import.meta.dirname, "..");
const { values: opt } = parseArgs({
  options: {
    origin: { type: "string", default: "http://localhost:8787" },
    local: { type: "boolean", default: false },
    fans: { type: "string", default: "24000" },
    concurrency: { type: "string", default: "200" },
    "admit-per-minute": { type: "string", default: "1500" },
    minutes: { type: "string", default: "7.5" },
    ttl: { type: "string", default: "60" },
    out: { type: "string", default: "sim-results" },
    // Sections of each kind (50 make the 50,000-seat venue); fewer for a short check of a sell-out.
    sections: { type: "string", default: "50" },
  },
});
const FANS = Number(opt.fans);
const CONCURRENCY = Number(opt.concurrency);
const ADMIT_PER_MINUTE = Number(opt["admit-per-minute"]);
const TTL = Number(opt.ttl);
const SALE_MS = Number(opt.minutes) * 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
const RESERVED_SECTIONS = Number(opt.sections);
const GA_SECTIONS = Number(opt.sections);
const ROWS = 20;
const SEATS_PER_ROW = 25;
const GA_CAPACITY = 500;
const CAPACITY = RESERVED_SECTIONS * ROWS * SEATS_PER_ROW + GA_SECTIONS * GA_CAPACITY;
const OPENS_IN_MS = 15_000;
const P_ABANDON_HOLD = 0.05; // hold, never order
const P_ABANDON_ORDER = 0.04; // order, never pay
const P_DECLINE = 0.08;
const MAX_TICKETS_PER_USER = 6;
/** Seats a fan wants: mostly pairs and fours, some singles and groups (mean 2.9), at most the event's limit. */
const PARTY = [
  [1, 0.15],
  [2, 0.35],
  [3, 0.15],
  [4, 0.25],
  [5, 0.04],
  [6, 0.06],
];
function partySize() {
  let r = Math.random();
  for (const [n, p] of PARTY) if ((r -= p) < 0) return n;
  return 2;
}
/** How often the organizer's stats are read: the progress line, the timeline, and the availability fans see. */
const SAMPLE_MS = 5_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const pct = (xs, p) => {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  return +s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))].toFixed(1);
};
const fmt = (n) => Math.round(n).toLocaleString("en-US");

// ---- the system under test ----
let origin = opt.origin.replace(/\/$/, "");
let sessionSecret;
let app;
if (opt.local) {
  const { startApp } = await import("../bench/app-miniflare.mjs");
  // The simulator is the only client; the per-IP and per-user limits stay at their defaults. The
  // state goes to memory (tmpfs) where there is one: every object commit syncs to disk on the
  // runtime's one thread locally, which costs a third of the sale's throughput on a disk here and
  // is nothing Cloudflare's replicated storage makes a Worker wait for on its CPU.
  app = await startApp({ ...(existsSync("/dev/shm") ? { persistIn: "/dev/shm" } : {}) });
  origin = app.origin;
  sessionSecret = app.secrets.SESSION_SECRET;
} else {
  const devVars = path.join(root, ".dev.vars");
  if (!existsSync(devVars)) throw new Error("no .dev.vars: start the system with `npm run dev` first, or use --local");
  sessionSecret = /^SESSION_SECRET='?([^'\n]*)'?$/m.exec(readFileSync(devVars, "utf8"))?.[1];
  if (!sessionSecret) throw new Error("SESSION_SECRET not found in .dev.vars");
}
const secretKey = new TextEncoder().encode(sessionSecret);

const counts = { requests: 0, status: {}, rateLimited: 0, networkErrors: 0 };
const lat = { join: [], queue_poll: [], wait_for_admission_s: [], hold: [], order: [], pay: [], tickets: [], seat_map: [] };

async function call(method, route, { token, body, headers = {}, ip } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (ip) h["CF-Connecting-IP"] = ip;
  if (body !== undefined) h["Content-Type"] = "application/json";
  for (let attempt = 0; ; attempt++) {
    counts.requests++;
    let res;
    try {
      res = await fetch(origin + route, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      counts.networkErrors++;
      // No answer in time: the fan gives up, as a person would (whatever it held expires).
      if (err.name === "TimeoutError") throw new Error(`${method} ${route}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
      if (attempt >= 5) throw err;
      await sleep(200 * 2 ** attempt);
      continue;
    }
    const text = await res.text();
    counts.status[res.status] = (counts.status[res.status] ?? 0) + 1;
    const json = text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text;
    if (res.status === 429 && attempt < 8) {
      counts.rateLimited++;
      await sleep(1000 * Number(res.headers.get("Retry-After") ?? 1) * (0.5 + Math.random()));
      continue;
    }
    return { status: res.status, body: json, headers: res.headers };
  }
}
async function ok(status, method, route, opts) {
  const r = await call(method, route, opts);
  if (r.status !== status) throw new Error(`${method} ${route}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const timed = async (bucket, fn) => {
  const t0 = now();
  const r = await fn();
  lat[bucket].push(now() - t0);
  return r;
};

// ---- the event, created as an organizer would ----
const organizer = await ok(201, "POST", "/api/v1/auth/signup", {
  body: { email: `sim-organizer-${Date.now()}@example.test`, password: "simulate-password-1", name: "Simulated Organizer", role: "organizer" },
});
const sections = [];
for (let i = 1; i <= RESERVED_SECTIONS; i++) {
  const rows = Array.from({ length: ROWS }, (_, r) => ({ label: String.fromCharCode(65 + r), seats: SEATS_PER_ROW, price_tier: r < 5 ? "premium" : "standard" }));
  sections.push({ key: `R${i}`, name: `Block ${i}`, kind: "reserved", rows });
}
for (let i = 1; i <= GA_SECTIONS; i++) sections.push({ key: `G${i}`, name: `Floor ${i}`, kind: "ga", capacity: GA_CAPACITY, price_tier: "floor" });
const venue = await ok(201, "POST", "/api/v1/admin/venues", { token: organizer.token, body: { name: "Simulated Arena", city: "Lisbon", sections } });
const opensAt = Date.now() + OPENS_IN_MS;
const startsAt = Date.now() + 30 * 24 * 3600_000;
const event = await ok(201, "POST", "/api/v1/admin/events", {
  token: organizer.token,
  body: {
    venue_id: venue.venue_id,
    name: `Flash sale ${new Date().toISOString().slice(0, 16)}`,
    category: "concert",
    city: "Lisbon",
    starts_at: new Date(startsAt).toISOString(),
    ends_at: new Date(startsAt + 3 * 3600_000).toISOString(),
    on_sale_at: new Date(opensAt).toISOString(),
    price_tiers: { premium: 12000, standard: 7500, floor: 5500 },
    hold_ttl_seconds: TTL,
    max_tickets_per_user: MAX_TICKETS_PER_USER,
    waiting_room: { enabled: true, admit_per_minute: ADMIT_PER_MINUTE, session_seconds: 600 },
  },
});
const eventId = event.event_id;
await ok(200, "POST", `/api/v1/admin/events/${eventId}/publish`, { token: organizer.token });
console.log(`[sim] ${origin}: event ${eventId}, ${fmt(CAPACITY)} seats in ${sections.length} sections, waiting room ${fmt(ADMIT_PER_MINUTE)}/min, opens in ${OPENS_IN_MS / 1000} s; ${fmt(FANS)} fans, ${CONCURRENCY} at a time`);

// ---- fans ----
const runId = Date.now().toString(36);
const fanToken = (i) =>
  new SignJWT({ role: "buyer" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(`usr_sim${runId}${String(i).padStart(7, "0")}`)
    .setAudience("session")
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 6 * 3600)
    .sign(secretKey);
const fanIp = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

const soldOut = new Set();
const admissions = []; // ms since the opening, per admitted fan
const outcome = { paid: 0, declined: 0, abandoned_hold: 0, abandoned_order: 0, gave_up: 0, order_failed: 0, cut_off: 0, best_available_fallbacks: 0 };
const soldSeats = new Map(); // seat label -> order id (from the tickets of paid orders)
let duplicateSeats = 0;
let ticketsSeen = 0;
let bestAvailable = true;
const seatMapCache = new Map(); // section -> {at, seats}

/**
 * Sections with seats to sell as a fan sees them: the storefront's availability, at most a
 * sample old (one organizer stats read for all fans instead of each fan reading the seat map),
 * minus the sections this run's holds were just refused in.
 */
function openSections() {
  return sections.filter((s) => !soldOut.has(s.key));
}
/** Nothing available and nothing held: no seat can come back. */
const saleOver = () => lastStats !== undefined && lastStats.available === 0 && lastStats.held === 0;

/** Picked seats in a reserved section: `n` adjacent available seats from a fresh-enough seat map. */
async function pickSeats(section, n, ip) {
  let cached = seatMapCache.get(section);
  if (!cached || Date.now() - cached.at > 2_000) {
    const map = await timed("seat_map", () => ok(200, "GET", `/api/v1/events/${eventId}/seats?section=${section}`, { ip }));
    cached = { at: Date.now(), seats: map.sections[0].seats };
    seatMapCache.set(section, cached);
  }
  const free = cached.seats.filter((s) => s.status === "available");
  if (free.length < n) return null;
  const start = free[Math.floor(Math.random() * free.length)];
  const run = free.filter((s) => s.row === start.row && s.number >= start.number && s.number < start.number + n);
  return (run.length === n ? run : free.slice(0, n)).map((s) => s.seat_id);
}

async function hold(token, ip, want) {
  const headers = { "X-Admission-Token": admissionOf.get(token) };
  const post = (body) => timed("hold", () => call("POST", `/api/v1/events/${eventId}/holds`, { token, ip, body, headers }));
  const waitUntil = Date.now() + (TTL + 10) * 1000;
  for (let tries = 0; tries < 8; tries++) {
    const open = openSections();
    if (open.length === 0) {
      // All held, some maybe abandoned: like a fan who keeps the page open, wait for seats to come
      // back (an abandoned hold ends within the TTL), then give up.
      if (saleOver() || Date.now() > waitUntil || Date.now() - started > SALE_MS) return null;
      await sleep(SAMPLE_MS * (0.5 + Math.random()));
      tries--;
      continue;
    }
    const s = open[Math.floor(Math.random() * open.length)];
    // Fewer seats when the first try found none together.
    const n = tries === 0 ? want : 1;
    let body = s.kind === "ga" || bestAvailable ? { section: s.key, quantity: n } : { seats: await pickSeats(s.key, n, ip) };
    if (body.seats === null) {
      soldOut.add(s.key);
      continue;
    }
    let r = await post(body);
    const refusal = r.body?.error?.code;
    if (s.kind === "reserved" && body.section && r.status >= 400 && r.status < 500 && !["seat_unavailable", "sold_out", "limit_exceeded"].includes(refusal)) {
      // This build has no best available for reserved sections: pick seats from the map.
      bestAvailable = false;
      outcome.best_available_fallbacks++;
      body = { seats: await pickSeats(s.key, n, ip) };
      if (body.seats === null) continue;
      r = await post(body);
    }
    if (r.status === 201) return r.body;
    const code = r.body?.error?.code;
    if (code === "seat_unavailable" && body.seats) seatMapCache.delete(s.key);
    else if ((code === "seat_unavailable" || code === "sold_out") && n === 1) soldOut.add(s.key);
    else if (code !== "seat_unavailable" && code !== "sold_out") throw new Error(`hold: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return null;
}

const admissionOf = new Map();

async function fan(i) {
  const token = await fanToken(i);
  const ip = fanIp(i);
  // Join (before the opening too: those get a random order).
  let q = await timed("join", () => call("POST", `/api/v1/events/${eventId}/queue`, { token, ip }));
  if (q.status !== 201 && q.status !== 200) throw new Error(`join: ${q.status} ${JSON.stringify(q.body)}`);
  const joinedAt = Date.now();
  let state = q.body;
  while (state.status !== "admitted" || !state.admission_token) {
    if (saleOver() || Date.now() - started > SALE_MS) return void outcome.gave_up++;
    // Poll when the server asks (Retry-After: about a tenth of the ETA, jittered by the server).
    await sleep(Number(q.headers.get("Retry-After") ?? 2) * 1000);
    q = await timed("queue_poll", () => call("GET", `/api/v1/events/${eventId}/queue/${state.queue_id}`, { token, ip }));
    if (q.status !== 200) throw new Error(`queue status: ${q.status} ${JSON.stringify(q.body)}`);
    state = { ...q.body, queue_id: state.queue_id };
  }
  lat.wait_for_admission_s.push((Date.now() - joinedAt) / 1000);
  // The admission's own moment: its session ends session_seconds after it.
  admissions.push(Date.parse(state.expires_at) - 600_000 - opensAt);
  admissionOf.set(token, state.admission_token);

  const overBudget = () => Date.now() - started > SALE_MS;
  if (overBudget()) return void outcome.cut_off++;
  const n = partySize();
  const h = await hold(token, ip, n);
  if (!h) return void outcome.gave_up++;
  if (Math.random() < P_ABANDON_HOLD) return void outcome.abandoned_hold++;
  if (overBudget()) return void outcome.cut_off++;
  const o = await timed("order", () => call("POST", "/api/v1/orders", { token, ip, body: { hold_id: h.hold_id }, headers: { "Idempotency-Key": crypto.randomUUID() } }));
  if (o.status !== 201) return void outcome.order_failed++;
  if (Math.random() < P_ABANDON_ORDER) return void outcome.abandoned_order++;
  if (overBudget()) return void outcome.cut_off++;
  const decline = Math.random() < P_DECLINE;
  const p = await timed("pay", () => call("POST", `/api/v1/test-gateway/payments/${o.body.payment.payment_id}/${decline ? "fail" : "succeed"}`, { ip }));
  if (p.status !== 200) return void outcome.order_failed++;
  if (decline) return void outcome.declined++;
  const paid = await timed("tickets", () => ok(200, "GET", `/api/v1/orders/${o.body.order_id}`, { token, ip }));
  if (paid.status !== "paid") return void outcome.order_failed++;
  outcome.paid++;
  for (const t of paid.tickets) {
    ticketsSeen++;
    if (!t.seat_label) continue;
    if (soldSeats.has(t.seat_label)) duplicateSeats++;
    soldSeats.set(t.seat_label, paid.order_id);
  }
}

// ---- progress ----
const started = Date.now();
const loadAtStart = os.loadavg();
let done = 0;
let failed = 0;
/** First sample with no seat to buy (every seat sold or held): what fans see as sold out. */
let soldOutAt = null;
/** First sample with every seat sold (abandoned holds' seats came back and were bought). */
let allSoldAt = null;
let lastStats;
const timeline = [];
async function stats() {
  const s = await ok(200, "GET", `/api/v1/admin/events/${eventId}/stats`, { token: organizer.token });
  const sum = (k) => s.sections.reduce((a, x) => a + x[k], 0);
  return { sold: sum("sold"), held: sum("held"), available: sum("available"), capacity: sum("capacity"), sections: s.sections, admitted: s.queue?.admitted ?? null };
}
let reporting = true;
let lastReqAt = Date.now();
const reporter = (async () => {
  let lastReq = 0;
  let lastPrint = 0;
  while (reporting) {
    await sleep(SAMPLE_MS);
    const sample = await stats().catch(() => undefined);
    if (!sample) continue;
    lastStats = sample;
    // What the storefront shows: a section with seats again (an abandoned hold ended) is open again.
    for (const s of sample.sections) {
      if (s.available > 0) soldOut.delete(s.key);
      else soldOut.add(s.key);
    }
    const t = (Date.now() - opensAt) / 1000;
    // Admissions: the room's own count (in the organizer's stats), next to those the fans saw.
    timeline.push({ t, sold: lastStats.sold, held: lastStats.held, admitted: sample.admitted ?? admissions.length, admitted_seen_by_fans: admissions.length });
    if (soldOutAt === null && sample.available === 0) soldOutAt = t;
    if (allSoldAt === null && saleOver()) allSoldAt = t;
    if (Date.now() - lastPrint < 10_000 && soldOutAt !== t && allSoldAt !== t) continue;
    lastPrint = Date.now();
    console.log(
      `[sim] t=${t.toFixed(0).padStart(4)} s  sold ${fmt(lastStats.sold).padStart(6)}  held ${fmt(lastStats.held).padStart(5)}  available ${fmt(lastStats.available).padStart(6)}  admitted ${fmt(admissions.length).padStart(6)}  fans done ${fmt(done).padStart(6)}  ${fmt((counts.requests - lastReq) / ((Date.now() - lastReqAt) / 1000))} req/s  p50 ms: ${["hold", "order", "pay", "tickets"].map((k) => `${k} ${pct(lat[k], 50) ?? "-"}`).join(", ")}; 429s ${counts.rateLimited}`,
    );
    lastReq = counts.requests;
    lastReqAt = Date.now();
  }
})();

let nextFan = 0;
let notReached = 0;
let afterSellOut = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let i = nextFan++; i < FANS; i = nextFan++) {
      if (saleOver()) {
        afterSellOut++;
        continue;
      }
      if (Date.now() - started > SALE_MS) {
        notReached++;
        continue;
      }
      // Fans arrive over the seconds before the opening, then keep coming.
      if (i < CONCURRENCY) await sleep(Math.random() * (OPENS_IN_MS - 3_000));
      try {
        await fan(i);
      } catch (err) {
        failed++;
        if (failed <= 5) console.error(`[sim] fan ${i}: ${err.message}`);
      }
      done++;
    }
  }),
);
const allDoneAt = (Date.now() - opensAt) / 1000;
/** Seconds from the opening to sell the venue at the rate sold in the last two minutes of the sale. */
function projectSellOut() {
  const inSale = timeline.filter((p) => p.t <= allDoneAt);
  const last = inSale.at(-1);
  const from = inSale.findLast((p) => p.t <= (last?.t ?? 0) - 120) ?? inSale[0];
  if (!last || !from || last.t <= from.t || last.sold <= from.sold) return null;
  const perSecond = (last.sold - from.sold) / (last.t - from.t);
  return Math.round(last.t + (CAPACITY - last.sold) / perSecond);
}
// Stuck holds: one TTL after the last fan, nothing may still be held. Sold out means nothing is
// held already; a short wait then shows that it stays so.
const settle = saleOver() ? 2 * SAMPLE_MS : (TTL + 5) * 1000;
console.log(`[sim] all fans done at t=${allDoneAt.toFixed(0)} s; ${saleOver() ? "sold out" : `waiting one hold TTL (${TTL} s) for abandoned holds to end`}`);
await sleep(settle);
reporting = false;
await reporter;
const final = await stats();
const seatMap = await ok(200, "GET", `/api/v1/events/${eventId}/seats`);
const heldOnMap = seatMap.sections.reduce((a, s) => a + (s.seats ?? []).filter((x) => x.status === "held").length, 0);
const oversold = duplicateSeats + final.sections.reduce((a, s) => a + Math.max(0, s.sold - s.capacity), 0) + Math.max(0, final.sold + final.held + final.available - final.capacity);

// Admissions per minute of the sale, against the configured rate: from the room's own count
// (sampled every 10 s), and as the fans saw them.
const perMinuteSeen = [];
for (const t of admissions) {
  const m = Math.max(0, Math.floor(t / 60_000));
  perMinuteSeen[m] = (perMinuteSeen[m] ?? 0) + 1;
}
const admittedAt = (sec) => timeline.filter((p) => p.t <= sec).at(-1)?.admitted ?? 0;
const minutesOfSale = Math.ceil(Math.max(0, ...timeline.map((p) => p.t)) / 60);
const perMinute = Array.from({ length: minutesOfSale }, (_, m) => admittedAt(60 * (m + 1)) - admittedAt(60 * m));
const result = {
  at: new Date().toISOString(),
  origin: opt.local ? "local workerd (Miniflare)" : origin,
  machine: { cpus: os.cpus().length, load_average_1_5_15_at_start: loadAtStart.map((x) => +x.toFixed(2)), at_end: os.loadavg().map((x) => +x.toFixed(2)) },
  event_id: eventId,
  capacity: CAPACITY,
  sections: sections.length,
  fans: FANS,
  concurrency: CONCURRENCY,
  hold_ttl_seconds: TTL,
  sold: final.sold,
  oversold,
  stuck_holds: final.held + heldOnMap,
  available_at_end: final.available,
  tickets_seen_by_buyers: ticketsSeen,
  time_to_sell_out_s: soldOutAt,
  time_to_all_sold_s: allSoldAt,
  // Not sold out: at the rate of the sale's last two minutes, how long the whole venue would take.
  projected_sell_out_s: soldOutAt === null ? projectSellOut() : null,
  all_fans_done_s: allDoneAt,
  admissions: {
    total: timeline.at(-1)?.admitted ?? admissions.length,
    configured_per_minute: ADMIT_PER_MINUTE,
    per_minute: perMinute,
    seen_by_fans_per_minute: Array.from(perMinuteSeen, (x) => x ?? 0),
  },
  outcome,
  fans_failed: failed,
  fans_not_reached_in_time: notReached,
  fans_arriving_after_sell_out: afterSellOut,
  sale_minutes_budget: Number(opt.minutes),
  best_available: bestAvailable ? "used" : "not available: picked seats",
  steps_ms: Object.fromEntries(Object.entries(lat).map(([k, xs]) => [k, { n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99) }])),
  requests: counts,
  timeline,
};
console.log("");
console.log(
  `[sim] sold ${fmt(result.sold)} of ${fmt(CAPACITY)}; oversold ${result.oversold}; stuck holds ${result.stuck_holds}; time to sell out ${soldOutAt === null ? `not sold out (at the last two minutes' rate: ${result.projected_sell_out_s === null ? "-" : `${fmt(result.projected_sell_out_s)} s`})` : `${soldOutAt.toFixed(0)} s (nothing left to buy; every seat sold: ${allSoldAt === null ? "not within the sale" : `${allSoldAt.toFixed(0)} s`})`}`,
);
console.log(`[sim] admissions per minute: ${result.admissions.per_minute.join(", ")} (configured ${fmt(ADMIT_PER_MINUTE)}; seen by fans ${result.admissions.seen_by_fans_per_minute.join(", ")})`);
for (const [k, v] of Object.entries(result.steps_ms)) console.log(`[sim] ${k.padEnd(22)} n=${String(v.n).padStart(6)}  p50 ${v.p50}  p99 ${v.p99}`);
console.log(`[sim] outcomes ${JSON.stringify(outcome)}; fans failed ${failed}; not reached within ${opt.minutes} min ${notReached}; arriving after the sell-out ${afterSellOut}; requests ${fmt(counts.requests)} (${JSON.stringify(counts.status)})`);

const outDir = path.resolve(root, opt.out);
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, "simulation.json"), JSON.stringify(result, null, 2));
await writeFile(path.join(outDir, "simulation.svg"), chart(result));
console.log(`[sim] wrote ${path.join(outDir, "simulation.json")} and simulation.svg`);
if (app) await app.dispose();
process.exit(result.oversold === 0 && result.stuck_holds === 0 ? 0 : 1);

/** Sold, held and admitted over time, and admissions per minute against the configured rate. */
function chart(r) {
  const W = 900;
  const H = 420;
  const pad = 50;
  const tl = r.timeline;
  const tMax = Math.max(1, ...tl.map((p) => p.t));
  // Scaled to what happened (a short run sells a sliver of the venue); capacity is in the title.
  const yMax = Math.max(10, ...tl.map((p) => Math.max(p.sold, p.held, p.admitted))) * 1.1;
  const x = (t) => pad + ((W - 2 * pad) * t) / tMax;
  const y = (v) => H - pad - ((H - 2 * pad) * v) / yMax;
  const line = (k, color) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${tl.map((p) => `${x(p.t).toFixed(1)},${y(p[k]).toFixed(1)}`).join(" ")}"/>`;
  const legend = [
    ["sold", "#1b7f3b"],
    ["held", "#d98a00"],
    ["admitted", "#2a5db0"],
  ]
    .map(([k, c], i) => `<text x="${pad + 10 + i * 110}" y="${pad - 20}" fill="${c}" font-size="14">${k}</text>`)
    .join("");
  const bars = r.admissions.per_minute
    .map((v, m) => {
      const bw = 30;
      const bx = W + 40 + m * (bw + 6);
      const bh = ((H - 2 * pad) * v) / Math.max(v, r.admissions.configured_per_minute * 1.2);
      return `<rect x="${bx}" y="${H - pad - bh}" width="${bw}" height="${bh}" fill="#2a5db0"/><text x="${bx}" y="${H - pad + 16}" font-size="11">${m + 1}</text>`;
    })
    .join("");
  const minutes = Math.max(1, r.admissions.per_minute.length);
  const rateY = H - pad - (H - 2 * pad) / 1.2;
  const totalW = W + 60 + Math.max(minutes * 36, 420) + 40;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad}" y="20" font-size="16">Flash sale: ${fmt(r.capacity)} seats, ${fmt(r.fans)} fans; sold ${fmt(r.sold)}, oversold ${r.oversold}, stuck holds ${r.stuck_holds}${r.time_to_sell_out_s === null ? "" : `, sold out in ${r.time_to_sell_out_s.toFixed(0)} s`}</text>
${legend}
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="black"/>
<text x="${W / 2}" y="${H - 12}" font-size="12">seconds since the opening (max ${tMax.toFixed(0)})</text>
<text x="${pad - 45}" y="${pad - 4}" font-size="11">${fmt(yMax)}</text>
${line("sold", "#1b7f3b")}${line("held", "#d98a00")}${line("admitted", "#2a5db0")}
<text x="${W + 40}" y="${pad - 20}" font-size="14">admissions per minute (line: configured ${fmt(r.admissions.configured_per_minute)})</text>
${bars}
<line x1="${W + 36}" y1="${rateY}" x2="${W + 40 + minutes * 36}" y2="${rateY}" stroke="#c00" stroke-dasharray="4 3"/>
</svg>
`;
}
