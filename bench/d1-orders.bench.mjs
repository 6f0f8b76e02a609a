// D1 writes per order, against D1's single writer. The app on workerd through Miniflare's Node
// API (bench/app-miniflare.mjs), its entry wrapped by bench/d1-count-worker.ts, which counts every
// D1 call of the Worker, its queue consumers and its objects.
// 1. Cost: ORDERS_COUNTED paid orders one after another (hold -> order -> pay with the local
//    provider, whose webhook the saga turns into tickets), counters read after each step and
//    after the queues settled; then a refund of each. Reports per paid order and per refund: D1
//    write transactions (a call that writes; a batch is one), write statements, rows written
//    (D1's `meta.rows_written`), and the read calls beside them.
// 2. Rate, in alternating rounds with CLIENTS concurrent clients: paid orders end to end through
//    the app (each a buyer's first hold, order and payment), a raw D1 write transaction shaped
//    like the order's insert (one batch: an order row and two item rows) from a bench route, and
//    the plain request rate of the same Worker (the ceiling).
// Writes bench/results/d1-orders.json. Run: npm run bench -- d1-orders.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { startApp } from "./app-miniflare.mjs";
import { fmt, pct, publishedEvent } from "./lib.mjs";

const root = path.resolve(import.meta.dirname, "..");
const SECTIONS = 10;
const CAPACITY = 10_000; // GA places a section
const ORDERS_COUNTED = 20;
const CLIENTS = 64;
const ROUNDS = 3;
const ORDERS_PER_ROUND = 300;
const RAW_PER_ROUND = 2_000;
const PLAIN_PER_ROUND = 2_000;
const QUEUE_SETTLE_MS = 8_000; // the outbox's first sweep comes 5 s after a payment change

const app = await startApp({ entry: "bench/d1-count-worker.ts" });
const results = {};
try {
  const call = async (method, route, { body, token, headers = {} } = {}) => {
    const res = await fetch(app.origin + route, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
  };
  const must = async (want, method, route, opts) => {
    const r = await call(method, route, opts);
    if (r.status !== want) throw new Error(`${method} ${route}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  };
  const counters = async (reset = true) => must(200, "GET", `/__bench/d1-counts${reset ? "?reset=1" : ""}`);

  // The event, through the public API: GA sections, so every order is a real one that succeeds.
  const { eventId, organizerToken } = await publishedEvent(app.origin, {
    venueSections: Array.from({ length: SECTIONS }, (_, s) => ({ key: `G${s + 1}`, name: `Floor ${s + 1}`, kind: "ga", capacity: CAPACITY, price_tier: "ga" })),
    priceTiers: { ga: 2500 },
    maxPerUser: 8,
  });

  // Buyers' sessions, signed as the app signs them (sign-ups would only measure PBKDF2).
  const key = new TextEncoder().encode(app.secrets.SESSION_SECRET);
  const buyers = ORDERS_COUNTED + ROUNDS * ORDERS_PER_ROUND + CLIENTS;
  const tokenOf = await Promise.all(
    Array.from({ length: buyers }, (_, i) =>
      new SignJWT({ role: "buyer" }).setProtectedHeader({ alg: "HS256" }).setSubject(`usr_d1bench${String(i).padStart(6, "0")}`).setAudience("session").setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 6 * 3600).sign(key),
    ),
  );
  const ipOf = (b) => `10.8.${b >> 8}.${b & 255}`;

  /** One paid order of buyer `b`: 2 GA places in a random section. Returns the order id. */
  async function paidOrder(b, step = async () => {}) {
    const headers = { "cf-connecting-ip": ipOf(b) };
    const hold = await must(201, "POST", `/api/v1/events/${eventId}/holds`, { token: tokenOf[b], headers, body: { section: `G${1 + (b % SECTIONS)}`, quantity: 2 } });
    await step("hold");
    const order = await must(201, "POST", "/api/v1/orders", { token: tokenOf[b], headers: { ...headers, "Idempotency-Key": crypto.randomUUID() }, body: { hold_id: hold.hold_id } });
    await step("order");
    const paid = await must(200, "POST", `/api/v1/test-gateway/payments/${order.payment.payment_id}/succeed`, { headers });
    if (!paid.webhook?.received) throw new Error(`payment webhook not received: ${JSON.stringify(paid)}`);
    await step("pay");
    return order.order_id;
  }

  // ---- 1. what one order costs in D1 ----
  let buyer = 0;
  await paidOrder(buyer++); // warm-up: isolates, the event facts cache, the objects' schemas
  await new Promise((r) => setTimeout(r, QUEUE_SETTLE_MS));
  await counters();
  const phases = { hold: [], order: [], pay: [] };
  const ordersCounted = [];
  for (let i = 0; i < ORDERS_COUNTED; i++) {
    ordersCounted.push(
      await paidOrder(buyer++, async (phase) => {
        phases[phase].push(await counters());
      }),
    );
  }
  await new Promise((r) => setTimeout(r, QUEUE_SETTLE_MS));
  const afterQueues = await counters();
  for (const id of ordersCounted) {
    const r = await must(200, "POST", `/api/v1/admin/orders/${id}/refund`, { token: organizerToken });
    if (r.status !== "refunded") throw new Error(`refund: ${JSON.stringify(r).slice(0, 200)}`);
  }
  await new Promise((r) => setTimeout(r, QUEUE_SETTLE_MS));
  const refunds = await counters();
  const paidRows = await app.mf.getD1Database("DB", "app").then((db) => db.prepare(`SELECT count(*) AS n FROM orders WHERE id IN (${ordersCounted.map(() => "?").join(",")}) AND status = 'refunded'`).bind(...ordersCounted).first());
  if (paidRows.n !== ORDERS_COUNTED) throw new Error(`expected ${ORDERS_COUNTED} refunded orders, found ${paidRows.n}`);

  const sum = (list, k) => list.reduce((n, c) => n + c[k], 0);
  const perOrder = (list, k) => sum(list, k) / ORDERS_COUNTED;
  const KEYS = ["write_transactions", "write_statements", "rows_written", "read_calls", "writes_without_meta"];
  const phaseCost = (list) => Object.fromEntries(KEYS.map((k) => [k, perOrder(list, k)]));
  const cost = {
    hold: phaseCost(phases.hold),
    order: phaseCost(phases.order),
    pay: phaseCost(phases.pay),
    queues_after: phaseCost([afterQueues]),
  };
  cost.paid_order = Object.fromEntries(KEYS.map((k) => [k, cost.hold[k] + cost.order[k] + cost.pay[k] + cost.queues_after[k]]));
  cost.refund = phaseCost([refunds]);
  const bySql = {};
  for (const c of [...phases.hold, ...phases.order, ...phases.pay, afterQueues])
    for (const [k, v] of Object.entries(c.by_sql)) {
      bySql[k] ??= { statements: 0, rows_written: 0 };
      bySql[k].statements += v.statements / ORDERS_COUNTED;
      bySql[k].rows_written += v.rows_written / ORDERS_COUNTED;
    }
  const perTx = (list) => {
    const out = {};
    for (const c of list) for (const [k, v] of Object.entries(c.by_transaction)) out[k] = (out[k] ?? 0) + v / ORDERS_COUNTED;
    return out;
  };
  const txOfOrder = { hold: perTx(phases.hold), order: perTx(phases.order), pay: perTx(phases.pay), queues_after: perTx([afterQueues]) };
  const txOfRefund = perTx([refunds]);
  const perRead = (list) => {
    const out = {};
    for (const c of list) for (const [k, v] of Object.entries(c.reads_by_sql)) out[k] = (out[k] ?? 0) + v / ORDERS_COUNTED;
    return out;
  };
  const readsOfOrder = { hold: perRead(phases.hold), order: perRead(phases.order), pay: perRead(phases.pay), queues_after: perRead([afterQueues]) };
  const refundBySql = Object.fromEntries(Object.entries(refunds.by_sql).map(([k, v]) => [k, { statements: v.statements / ORDERS_COUNTED, rows_written: v.rows_written / ORDERS_COUNTED }]));

  // ---- 2. rates, alternating rounds ----
  async function round(n, one) {
    let next = 0;
    let bad = 0;
    let firstBad;
    const latencies = new Array(n);
    const client = async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        try {
          await one(i);
        } catch (err) {
          bad++;
          firstBad ??= String(err).slice(0, 300);
        }
        latencies[i] = performance.now() - t0;
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const wallMs = performance.now() - t0;
    if (firstBad) console.error(`  ${bad} failed, first: ${firstBad}`);
    return { latencies, wallMs, bad };
  }
  const summary = (runs) => {
    const n = runs.reduce((s, r) => s + r.latencies.length, 0);
    const wall = runs.reduce((s, r) => s + r.wallMs, 0);
    const all = Float64Array.from(runs.flatMap((r) => r.latencies)).sort();
    return { requests: n, per_second: (n / wall) * 1000, p50_ms: pct(all, 50), p99_ms: pct(all, 99), errors: runs.reduce((s, r) => s + r.bad, 0), rounds_per_second: runs.map((r) => (r.latencies.length / r.wallMs) * 1000) };
  };
  const plainOne = async () => {
    const r = await fetch(`${app.origin}/__bench/plain`);
    await r.arrayBuffer();
    if (r.status !== 204) throw new Error(`plain: ${r.status}`);
  };
  const rawOne = async (i) => {
    const r = await fetch(`${app.origin}/__bench/d1-order-batch?k=${i}`, { method: "POST" });
    await r.arrayBuffer();
    if (r.status !== 204) throw new Error(`raw batch: ${r.status}`);
  };
  await round(200, plainOne);
  await round(200, rawOne);
  const runs = { plain: [], raw: [], orders: [] };
  let appWrites = 0;
  for (let r = 0; r < ROUNDS; r++) {
    runs.plain.push(await round(PLAIN_PER_ROUND, plainOne));
    runs.raw.push(await round(RAW_PER_ROUND, rawOne));
    await counters();
    const base = buyer;
    runs.orders.push(await round(ORDERS_PER_ROUND, (i) => paidOrder(base + i)));
    buyer += ORDERS_PER_ROUND;
    appWrites += (await counters()).write_transactions;
    const last = (k) => runs[k].at(-1);
    const rate = (x) => (x.latencies.length / x.wallMs) * 1000;
    console.log(`  round ${r + 1}: plain ${fmt(rate(last("plain")))}/s, raw D1 write transactions ${fmt(rate(last("raw")))}/s, paid orders ${fmt(rate(last("orders")), 1)}/s`);
  }
  const rates = { plain: summary(runs.plain), raw_d1_write_tx: summary(runs.raw), paid_orders: summary(runs.orders) };
  const orderTxPerSecond = appWrites / (runs.orders.reduce((s, r) => s + r.wallMs, 0) / 1000);

  // ---- report ----
  const load = loadavg()[0];
  const row = (label, c) => console.log(`${label.padEnd(34)} ${fmt(c.write_transactions, 2).padStart(8)} ${fmt(c.write_statements, 2).padStart(10)} ${fmt(c.rows_written, 1).padStart(8)} ${fmt(c.read_calls, 2).padStart(8)}`);
  console.log("");
  console.log(`D1 per paid order (mean of ${ORDERS_COUNTED}, one at a time; a batch is one transaction); machine load ${load.toFixed(1)} on ${cpus().length} cores`);
  console.log(`${"".padEnd(34)} ${"write tx".padStart(8)} ${"write stmts".padStart(10)} ${"rows wr.".padStart(8)} ${"reads".padStart(8)}`);
  row("hold (POST /holds)", cost.hold);
  row("order (POST /orders)", cost.order);
  row("pay (gateway -> webhook -> saga)", cost.pay);
  row("after: queue consumers", cost.queues_after);
  row("paid order, total", cost.paid_order);
  row("refund (organizer)", cost.refund);
  if (cost.paid_order.writes_without_meta + cost.refund.writes_without_meta > 0) console.log("(some writes returned no meta: their rows are not in the rows written)");
  console.log("");
  console.log("writing statements per paid order, by verb and table (rows written = D1's meta, indexes and triggers included):");
  for (const [k, v] of Object.entries(bySql).sort((a, b) => b[1].rows_written - a[1].rows_written)) console.log(`  ${k.padEnd(44)} ${fmt(v.statements, 2).padStart(6)} stmts ${fmt(v.rows_written, 1).padStart(6)} rows`);
  console.log("per refund:");
  for (const [k, v] of Object.entries(refundBySql).sort((a, b) => b[1].rows_written - a[1].rows_written)) console.log(`  ${k.padEnd(44)} ${fmt(v.statements, 2).padStart(6)} stmts ${fmt(v.rows_written, 1).padStart(6)} rows`);
  console.log("write transactions per paid order (a batch is one), by step:");
  for (const [phase, txs] of Object.entries(txOfOrder)) for (const [k, v] of Object.entries(txs)) console.log(`  ${phase.padEnd(13)} ${fmt(v, 2).padStart(5)} x ${k}`);
  console.log("per refund:");
  for (const [k, v] of Object.entries(txOfRefund)) console.log(`  ${"refund".padEnd(13)} ${fmt(v, 2).padStart(5)} x ${k}`);
  console.log("read calls per paid order (a batch of reads is one), by step and first table read:");
  for (const [phase, reads] of Object.entries(readsOfOrder)) for (const [k, v] of Object.entries(reads)) console.log(`  ${phase.padEnd(13)} ${fmt(v, 2).padStart(5)} x ${k}`);
  console.log("");
  console.log(`rates, ${CLIENTS} clients, ${ROUNDS} alternating rounds:`);
  const rateRow = (label, s) => console.log(`  ${label.padEnd(44)} ${fmt(s.per_second, 1).padStart(9)}/s  p50 ${fmt(s.p50_ms, 1)} ms  p99 ${fmt(s.p99_ms, 1)} ms`);
  rateRow("plain Worker request (ceiling)", rates.plain);
  rateRow("raw D1 write transaction (order-shaped batch)", rates.raw_d1_write_tx);
  rateRow("paid order end to end (hold, order, pay)", rates.paid_orders);
  console.log(`  the orders' own D1 write transactions: ${fmt(orderTxPerSecond, 1)}/s = ${fmt((orderTxPerSecond / rates.raw_d1_write_tx.per_second) * 100, 1)}% of the raw D1 write-transaction rate`);
  console.log(`  raw D1 write tx / plain request = ${fmt((rates.raw_d1_write_tx.per_second / rates.plain.per_second) * 100, 1)}%; paid orders / raw D1 write tx = ${fmt((rates.paid_orders.per_second / rates.raw_d1_write_tx.per_second) * 100, 2)}%`);
  console.log(`  paid orders the raw D1 write rate would allow at ${fmt(cost.paid_order.write_transactions, 1)} write tx each: ${fmt(rates.raw_d1_write_tx.per_second / cost.paid_order.write_transactions, 0)}/s`);

  Object.assign(results, {
    at: new Date().toISOString(),
    load_average: load,
    cores: cpus().length,
    clients: CLIENTS,
    orders_counted: ORDERS_COUNTED,
    cost,
    by_sql_per_paid_order: bySql,
    by_sql_per_refund: refundBySql,
    transactions_per_paid_order: txOfOrder,
    transactions_per_refund: txOfRefund,
    reads_per_paid_order: readsOfOrder,
    rates,
    order_write_tx_per_second: orderTxPerSecond,
    ratios: {
      raw_write_tx_vs_plain: rates.raw_d1_write_tx.per_second / rates.plain.per_second,
      paid_orders_vs_raw_write_tx: rates.paid_orders.per_second / rates.raw_d1_write_tx.per_second,
      order_write_tx_share_of_raw: orderTxPerSecond / rates.raw_d1_write_tx.per_second,
      orders_allowed_by_raw_write_rate: rates.raw_d1_write_tx.per_second / cost.paid_order.write_transactions,
    },
  });
  await mkdir(path.join(root, "bench/results"), { recursive: true });
  await writeFile(path.join(root, "bench/results/d1-orders.json"), JSON.stringify(results, null, 2));
  const errors = Object.values(rates).reduce((n, s) => n + s.errors, 0);
  if (errors > 0) throw new Error(`bench run was not clean: ${errors} failed requests`);
} finally {
  await app.dispose();
}
