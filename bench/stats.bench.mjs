// Organizer stats benchmark, against the real system (wrangler dev, local D1 on disk):
// an event with 100,000 paid orders (one ticket each, paid over three days with a burst in
// the first hour, 2,000 of them refunded) is seeded straight into D1 before the server starts,
// with the stats triggers live, as checkout would have left it. Then:
//  1. the answer time of GET /api/v1/admin/events/{id}/stats (sequential requests, p50/p95),
//     which must not grow with the number of orders: it reads bucket rows, never the orders;
//     measured alternately with an event of the same venue that has no orders at all (the
//     two should match), and with a whole day of one-minute points;
//  2. the streamed attendee CSV export of all 100,000 tickets, which does read every row, in
//     pages of 1,000.
// Run: npm run bench -- stats, or node bench/stats.bench.mjs. Writes bench/results/stats.json.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { startSystem } from "../test/e2e/support/server.ts";

const root = path.resolve(import.meta.dirname, "..");
const ORDERS = 100_000;
const REFUNDED = 2_000;
const PRICE = 4_500;
const SAMPLES = 60;
const EVENT = "evt_benchstats000000000000";
/** Same venue, no orders: the baseline, so the figure shows what 100,000 orders add (nothing, if no order is read). */
const EMPTY_EVENT = "evt_benchstatsempty0000000";
const ORGANIZER = "usr_benchstats000000000000";

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const fmt = (n, d = 1) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

/**
 * Seed SQL: organizer, venue with one GA section, draft event, then ORDERS orders with their
 * item and ticket in three statements over a recursive counter. Paid times: half in the first
 * hour of the sale (the burst), the rest over three days. Refunds on every 50th order.
 */
function seedSql(onSale) {
  const t0 = Date.parse(onSale);
  const iso = (expr) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${t0 / 1000} + (${expr}), 'unixepoch')`;
  const paidOffset = `CASE WHEN i % 2 = 0 THEN (i * 3600.0 / ${ORDERS}) ELSE (i * 259200.0 / ${ORDERS}) END`;
  const counter = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ORDERS - 1})`;
  return [
    `INSERT INTO users (id, email, name, password_hash, role) VALUES ('${ORGANIZER}', 'bench-organizer@example.test', 'Bench', 'x', 'organizer');`,
    `INSERT INTO venues (id, organizer_id, name, city) VALUES ('ven_benchstats', '${ORGANIZER}', 'Bench Arena', 'Benchville');`,
    `INSERT INTO venue_sections (venue_id, key, name, kind, capacity, layout, position) VALUES ('ven_benchstats', 'GA', 'Floor', 'ga', 200000, '{"key":"GA","name":"Floor","kind":"ga","capacity":200000,"price_tier":"ga"}', 0);`,
    `INSERT INTO events (id, organizer_id, venue_id, name, category, city, starts_at, ends_at, on_sale_at, price_tiers)
     VALUES ('${EVENT}', '${ORGANIZER}', 'ven_benchstats', 'Bench Night', 'concert', 'Benchville', '2030-01-01T20:00:00.000Z', '2030-01-01T23:00:00.000Z', '${onSale}', '{"ga":${PRICE}}');`,
    `INSERT INTO events (id, organizer_id, venue_id, name, category, city, starts_at, ends_at, on_sale_at, price_tiers)
     VALUES ('${EMPTY_EVENT}', '${ORGANIZER}', 'ven_benchstats', 'Empty Night', 'concert', 'Benchville', '2030-01-01T20:00:00.000Z', '2030-01-01T23:00:00.000Z', '${onSale}', '{"ga":${PRICE}}');`,
    `INSERT INTO users (id, email, name, password_hash) ${counter}
     SELECT 'usr_b' || i, 'buyer' || i || '@example.test', 'Buyer ' || i, 'x' FROM n;`,
    `INSERT INTO orders (id, user_id, event_id, hold_id, status, subtotal_cents, amount_cents, currency, hold_expires_at, created_at, updated_at, paid_at, captured_at, payment_provider, payment_id)
     ${counter}
     SELECT printf('ord_b%07d', i), 'usr_b' || i, '${EVENT}', 'hld_b' || i, 'paid', ${PRICE}, ${PRICE}, 'usd', '2030-01-01T00:00:00.000Z',
            ${iso(`${paidOffset} - 60`)}, ${iso(paidOffset)}, ${iso(paidOffset)}, ${iso(paidOffset)}, 'local', 'pay_b' || i FROM n;`,
    `INSERT INTO order_items (id, order_id, position, event_id, section_key, seat_label, price_cents) ${counter}
     SELECT 'itm_b' || i, printf('ord_b%07d', i), 0, '${EVENT}', 'GA', NULL, ${PRICE} FROM n;`,
    `INSERT INTO tickets (id, order_id, order_item_id, user_id, event_id, section_key, seat_label, kid, jwt, issued_at, expires_at) ${counter}
     SELECT printf('tkt_b%07d', i), printf('ord_b%07d', i), 'itm_b' || i, 'usr_b' || i, '${EVENT}', 'GA', NULL, 'bench', 'x.y.z',
            ${iso(paidOffset)}, '2030-01-02T00:00:00.000Z' FROM n;`,
    // Refunds go through the same columns checkout writes, so the triggers subtract them.
    `UPDATE orders SET status = 'refunded', refunded_cents = amount_cents, refunded_at = paid_at, updated_at = paid_at
     WHERE event_id = '${EVENT}' AND CAST(substr(id, 6) AS INTEGER) % ${ORDERS / REFUNDED} = 0;`,
    `UPDATE tickets SET status = 'revoked', revoked_at = issued_at WHERE event_id = '${EVENT}' AND CAST(substr(id, 6) AS INTEGER) % ${ORDERS / REFUNDED} = 0;`,
  ].join("\n");
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "stats-bench-"));
  const onSale = new Date(Date.now() - 3 * 86_400_000).toISOString();
  let seedMs = 0;
  const sys = await startSystem({
    beforeStart: async (wrangler, persistArgs) => {
      const file = path.join(dir, "seed.sql");
      await writeFile(file, seedSql(onSale));
      const t = performance.now();
      await wrangler(["d1", "execute", "DB", ...persistArgs, "--file", file, "--yes"]);
      seedMs = performance.now() - t;
    },
  });
  try {
    const token = await new SignJWT({ role: "organizer" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(ORGANIZER)
      .setAudience("session")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(sys.secrets.SESSION_SECRET));
    const headers = { Authorization: `Bearer ${token}` };
    for (const id of [EVENT, EMPTY_EVENT]) {
      const published = await fetch(`${sys.origin}/api/v1/admin/events/${id}/publish`, { method: "POST", headers });
      if (!published.ok) throw new Error(`publish: ${published.status} ${await published.text()}`);
    }

    const statsUrl = `${sys.origin}/api/v1/admin/events/${EVENT}/stats?minutes=60`;
    const first = await (await fetch(statsUrl, { headers })).json();
    const want = { orders: ORDERS - REFUNDED, revenue_cents: (ORDERS - REFUNDED) * PRICE, tickets: ORDERS - REFUNDED };
    const got = { orders: first.orders, revenue_cents: first.revenue_cents, tickets: first.totals?.tickets_sold };
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`wrong stats: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
    const daySum = first.series.per_day.reduce((n, d) => n + d.orders_paid, 0);
    if (daySum !== ORDERS) throw new Error(`per-day series sums to ${daySum}, not ${ORDERS}`);

    // Alternating requests to the full and the empty event, so machine noise hits both alike.
    const times = [];
    const emptyTimes = [];
    const emptyUrl = statsUrl.replace(EVENT, EMPTY_EVENT);
    for (let i = 0; i < SAMPLES; i++) {
      for (const [url, into] of [[statsUrl, times], [emptyUrl, emptyTimes]]) {
        const t = performance.now();
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        into.push(performance.now() - t);
        if (!res.ok) throw new Error(`stats: ${res.status}`);
      }
    }
    // A whole day of minutes: the largest per-minute window an answer gives.
    const dayTimes = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await (await fetch(`${statsUrl.replace("minutes=60", "minutes=1440")}&from=${encodeURIComponent(onSale)}`, { headers })).arrayBuffer();
      dayTimes.push(performance.now() - t);
    }

    const t = performance.now();
    const csv = await fetch(`${sys.origin}/api/v1/admin/events/${EVENT}/exports/attendees.csv`, { headers });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of csv.body) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    }
    const csvMs = performance.now() - t;
    if (lines !== ORDERS + 1) throw new Error(`attendee CSV has ${lines} lines, expected ${ORDERS + 1}`);

    const result = {
      orders: ORDERS,
      refunded: REFUNDED,
      seed_ms: Math.round(seedMs),
      stats_60min: { samples: SAMPLES, p50_ms: pct(times, 50), p95_ms: pct(times, 95), max_ms: Math.max(...times) },
      stats_60min_no_orders: { samples: SAMPLES, p50_ms: pct(emptyTimes, 50), p95_ms: pct(emptyTimes, 95) },
      stats_1440min: { samples: dayTimes.length, p50_ms: pct(dayTimes, 50), p95_ms: pct(dayTimes, 95) },
      attendees_csv: { rows: ORDERS, bytes, ms: Math.round(csvMs) },
      loadavg: loadavg(),
    };
    console.log(`seeded ${ORDERS.toLocaleString()} paid orders (${REFUNDED.toLocaleString()} refunded) in ${fmt(seedMs / 1000)} s`);
    console.log(`stats (60 one-minute points): p50 ${fmt(result.stats_60min.p50_ms)} ms, p95 ${fmt(result.stats_60min.p95_ms)} ms over ${SAMPLES} requests`);
    console.log(`same, event without orders: p50 ${fmt(result.stats_60min_no_orders.p50_ms)} ms, p95 ${fmt(result.stats_60min_no_orders.p95_ms)} ms`);
    console.log(`stats (1,440 one-minute points): p50 ${fmt(result.stats_1440min.p50_ms)} ms, p95 ${fmt(result.stats_1440min.p95_ms)} ms`);
    console.log(`attendee CSV: ${ORDERS.toLocaleString()} rows, ${fmt(bytes / 1e6)} MB in ${fmt(csvMs / 1000)} s`);
    await mkdir(path.join(root, "bench/results"), { recursive: true });
    await writeFile(path.join(root, "bench/results/stats.json"), JSON.stringify(result, null, 2) + "\n");
  } finally {
    await sys.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
