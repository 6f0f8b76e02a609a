/**
 * Bench-only Worker for bench/d1-orders.bench.mjs: the app itself, with its D1 binding wrapped so
 * that every D1 call made anywhere (routes, queue consumers, and the Durable Objects, whose
 * classes are subclassed here to get the wrapped env) is counted:
 * - a **write transaction** is one call that writes: a statement run on its own, or a `batch`
 *   (D1 runs a batch as one transaction) with at least one writing statement;
 * - **write statements** are the writing statements in them (INSERT, UPDATE, DELETE, REPLACE);
 * - **rows written** is the sum of D1's `meta.rows_written` (rows and index entries written,
 *   trigger writes included). `first` and `raw` return rows without meta, so a writing statement
 *   called that way is run as `all()` and its rows handed back in the shape asked for; only
 *   `exec` is left without meta (`writes_without_meta`; the app does not use it).
 * The counters live in the isolate (locally, the Worker and its objects share one).
 *
 * Extra routes, outside the app's paths:
 * - `GET /__bench/d1-counts` (`?reset=1` zeroes them): the counters, by SQL text too;
 * - `GET /__bench/plain`: answers at once, the request-rate ceiling;
 * - `POST /__bench/d1-order-batch?k=N`: one D1 batch shaped like the order's insert (an order row
 *   and two item rows in a scratch table), the raw write-transaction rate.
 */
import * as App from "../src/worker/index";

type Counts = {
  write_transactions: number;
  write_statements: number;
  rows_written: number;
  read_calls: number;
  writes_without_meta: number;
  /** Writing statements by verb and table: how many, and their rows written. */
  by_sql: Record<string, { statements: number; rows_written: number }>;
  /** Write transactions by their writing statements (a batch lists each, joined by " + "). */
  by_transaction: Record<string, number>;
  /** Read calls by the tables they read first (a batch lists each statement's, joined by " + "). */
  reads_by_sql: Record<string, number>;
};
const fresh = (): Counts => ({ write_transactions: 0, write_statements: 0, rows_written: 0, read_calls: 0, writes_without_meta: 0, by_sql: {}, by_transaction: {}, reads_by_sql: {} });
let counts = fresh();

const WRITE = /^\s*(?:WITH\b[\s\S]*?\)\s*)?(INSERT|UPDATE|DELETE|REPLACE)\b/i;
const isWrite = (sql: string) => WRITE.test(sql);
/** A short label for a statement: its verb and table. */
const label = (sql: string) => sql.replace(/\s+/g, " ").trim().match(/^(?:insert(?: or \w+)? into|update|delete from|replace into) "?(\w+)"?/i)?.[0].replace(/"/g, "").toLowerCase() ?? sql.slice(0, 40);

/** A short label for a read: `select <table>` of its first FROM. */
const readLabel = (sql: string) => `select ${sql.replace(/\s+/g, " ").match(/\bfrom "?(\w+)"?/i)?.[1]?.toLowerCase() ?? sql.slice(0, 40)}`;

const sqlOf = new WeakMap<object, string>();
const originals = new WeakMap<object, D1PreparedStatement>();

function note(sqls: string[], meta: { rows_written?: number }[] | null) {
  const writes = sqls.filter(isWrite);
  if (writes.length === 0) {
    counts.read_calls++;
    const k = sqls.map(readLabel).join(" + ");
    counts.reads_by_sql[k] = (counts.reads_by_sql[k] ?? 0) + 1;
    return;
  }
  counts.write_transactions++;
  counts.write_statements += writes.length;
  const tx = writes.map(label).join(" + ");
  counts.by_transaction[tx] = (counts.by_transaction[tx] ?? 0) + 1;
  if (meta === null) counts.writes_without_meta++;
  sqls.forEach((sql, i) => {
    if (!isWrite(sql)) return;
    const k = label(sql);
    const entry = (counts.by_sql[k] ??= { statements: 0, rows_written: 0 });
    entry.statements++;
    const rows = meta?.[i]?.rows_written ?? 0;
    entry.rows_written += rows;
    counts.rows_written += rows;
  });
}

function wrapStatement(stmt: D1PreparedStatement, sql: string): D1PreparedStatement {
  const proxy = new Proxy(stmt, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      if (prop === "bind") return (...args: unknown[]) => wrapStatement(Reflect.apply(value, t, args) as D1PreparedStatement, sql);
      if (prop === "run" || prop === "all")
        return async (...args: unknown[]) => {
          const r = (await Reflect.apply(value, t, args)) as D1Result;
          note([sql], [r.meta ?? {}]);
          return r;
        };
      if ((prop === "first" || prop === "raw") && isWrite(sql)) {
        // Rows only, no meta: a writing statement runs as `all()` instead (same statement, same
        // single execution), and its rows are handed back in the shape asked for.
        return async (arg?: string | { columnNames?: boolean }) => {
          const r = await t.all<Record<string, unknown>>();
          note([sql], [r.meta ?? {}]);
          if (prop === "first") {
            const row = r.results[0] ?? null;
            return typeof arg === "string" ? (row?.[arg] ?? null) : row;
          }
          const rows = r.results.map((row) => Object.values(row));
          return typeof arg === "object" && arg?.columnNames ? [Object.keys(r.results[0] ?? {}), ...rows] : rows;
        };
      }
      if (prop === "first" || prop === "raw")
        return async (...args: unknown[]) => {
          const r = await Reflect.apply(value, t, args);
          note([sql], null);
          return r;
        };
      return (...args: unknown[]) => Reflect.apply(value, t, args);
    },
  });
  sqlOf.set(proxy, sql);
  originals.set(proxy, stmt);
  return proxy;
}

function wrapD1(db: D1Database): D1Database {
  return new Proxy(db, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      if (prop === "prepare") return (sql: string) => wrapStatement(Reflect.apply(value, t, [sql]) as D1PreparedStatement, sql);
      if (prop === "batch")
        return async (stmts: D1PreparedStatement[]) => {
          const r = (await Reflect.apply(value, t, [stmts.map((s) => originals.get(s) ?? s)])) as D1Result[];
          note(
            stmts.map((s) => sqlOf.get(s) ?? ""),
            r.map((x) => x.meta ?? {}),
          );
          return r;
        };
      if (prop === "exec")
        return async (sql: string) => {
          const r = await Reflect.apply(value, t, [sql]);
          note([sql], null);
          return r;
        };
      return (...args: unknown[]) => Reflect.apply(value, t, args);
    },
  });
}

const wrapped = new WeakMap<Env, Env>();
function counted(env: Env): Env {
  let w = wrapped.get(env);
  if (!w) {
    w = { ...env, DB: wrapD1(env.DB) };
    wrapped.set(env, w);
  }
  return w;
}

// The app's objects, each given the counted env.
type Ctor = new (...args: any[]) => object;
const counting = <C extends Ctor>(Base: C) =>
  class extends Base {
    constructor(...args: any[]) {
      super(args[0], counted(args[1] as Env));
    }
  };
export const SectionInventory = counting(App.SectionInventory);
export const BuyerLedger = counting(App.BuyerLedger);
export const WaitingRoom = counting(App.WaitingRoom);
export const RateLimiter = counting(App.RateLimiter);
export const CheckoutSaga = counting(App.CheckoutSaga);
export const LiveFeed = counting(App.LiveFeed);
export const Waitlist = counting(App.Waitlist);
export const EventDashboard = counting(App.EventDashboard);

let scratchReady: Promise<unknown> | null = null;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/plain") return new Response(null, { status: 204 });
    if (url.pathname === "/__bench/d1-counts") {
      const body = JSON.stringify(counts);
      if (url.searchParams.get("reset")) counts = fresh();
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    if (url.pathname === "/__bench/d1-order-batch") {
      // Not counted: the raw rate, not the app's writes.
      scratchReady ??= env.DB.batch([
        env.DB.prepare("CREATE TABLE IF NOT EXISTS bench_orders (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, event_id TEXT NOT NULL, status TEXT NOT NULL, amount_cents INTEGER NOT NULL, created_at TEXT NOT NULL)"),
        env.DB.prepare("CREATE TABLE IF NOT EXISTS bench_order_items (order_id TEXT NOT NULL, n INTEGER NOT NULL, price_cents INTEGER NOT NULL, PRIMARY KEY (order_id, n))"),
      ]);
      await scratchReady;
      const id = `${url.searchParams.get("k")}-${crypto.randomUUID()}`;
      const now = new Date().toISOString();
      await env.DB.batch([
        env.DB.prepare("INSERT INTO bench_orders (id, user_id, event_id, status, amount_cents, created_at) VALUES (?, ?, ?, 'pending_payment', 5000, ?)").bind(id, "usr_bench", "evt_bench", now),
        env.DB.prepare("INSERT INTO bench_order_items (order_id, n, price_cents) VALUES (?, 1, 2500), (?, 2, 2500)").bind(id, id),
      ]);
      return new Response(null, { status: 204 });
    }
    return App.default.fetch(request, counted(env), ctx);
  },
  queue: (batch: MessageBatch<unknown>, env: Env) => App.default.queue(batch as never, counted(env)),
} satisfies ExportedHandler<Env>;
