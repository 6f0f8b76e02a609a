/**
 * D1 is one single-writer database, and every paid order's write transactions queue on it
 * (README, "D1 writes per order"). These are the order path's own D1 calls, counted through a
 * wrapped `env.DB`, so a change that adds a write transaction (or a read call) fails here and
 * has to be argued for. The order and the webhook go through the app; the saga's step runs
 * here with the counted env (the object's own env cannot be wrapped from a test).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { fulfil } from "../src/durable-objects/checkout/steps";
import { app } from "../src/worker/index";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { authorizeAtProvider, getOrder, hold, paymentIntentEvent, stripeSigned } from "./support/checkout";

const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
/** `insert into orders`, `update idempotency_keys`, ...: the verb and table of a writing statement. */
const label = (sql: string) =>
  sql.replace(/\s+/g, " ").trim().match(/^(?:insert(?: or \w+)? into|update|delete from|replace into) "?(\w+)"?/i)?.[0].replace(/"/g, "").toLowerCase() ?? sql;

/** An env whose D1 calls are listed: one entry per call, a batch being one (one transaction). */
function countedEnv() {
  const calls: { writes: string[] }[] = [];
  const note = (sqls: string[]) => calls.push({ writes: sqls.filter((s) => WRITE.test(s)).map(label) });
  const sqlOf = new WeakMap<object, string>();
  const originals = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(t, prop) {
        const value = Reflect.get(t, prop, t);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => wrap(Reflect.apply(value, t, args) as D1PreparedStatement, sql);
        if (prop === "run" || prop === "all" || prop === "first" || prop === "raw")
          return (...args: unknown[]) => {
            note([sql]);
            return Reflect.apply(value, t, args);
          };
        return (...args: unknown[]) => Reflect.apply(value, t, args);
      },
    });
    sqlOf.set(proxy, sql);
    originals.set(proxy, stmt);
    return proxy;
  };
  const DB = new Proxy(env.DB, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      if (prop === "prepare") return (sql: string) => wrap(Reflect.apply(value, t, [sql]) as D1PreparedStatement, sql);
      if (prop === "batch")
        return (stmts: D1PreparedStatement[]) => {
          note(stmts.map((s) => sqlOf.get(s) ?? ""));
          return Reflect.apply(value, t, [stmts.map((s) => originals.get(s) ?? s)]);
        };
      if (prop === "exec") return () => Promise.reject(new Error("exec is not counted"));
      return (...args: unknown[]) => Reflect.apply(value, t, args);
    },
  });
  const e = { ...env, DB } as Env;
  const take = () => {
    const taken = calls.splice(0);
    return { transactions: taken.filter((c) => c.writes.length > 0).map((c) => c.writes.join(" + ")), reads: taken.filter((c) => c.writes.length === 0).length };
  };
  return { env: e, take };
}

async function fetchApp(e: Env, method: string, path: string, init: { body: string; headers: Record<string, string> }) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://localhost${path}`, { method, ...init }), e, ctx);
  const json = await res.json<any>();
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: json };
}

describe("D1 calls of one paid order (local provider)", () => {
  it("order 4 write transactions and 1 read, fulfil 4 and 2, webhook 1 and 1", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { section: "GA", quantity: 2 });
    const counted = countedEnv();

    const placed = await fetchApp(counted.env, "POST", "/api/v1/orders", {
      body: JSON.stringify({ hold_id: h.hold_id }),
      headers: { Authorization: `Bearer ${buyer.token}`, "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
    });
    expect(placed.status).toBe(201);
    expect(counted.take()).toEqual({
      transactions: [
        "insert into idempotency_keys",
        "insert into orders + insert into order_items + insert into order_items + update idempotency_keys",
        "insert into local_payments", // the local provider's own table; Stripe's is an HTTP call
        // The payment and the key's stored answer, together.
        "update orders + update idempotency_keys",
      ],
      reads: 1,
    });

    // The saga's step, as the webhook below would run it in the order's object.
    const paymentId = placed.body.payment.payment_id as string;
    await authorizeAtProvider(paymentId);
    await fulfil(counted.env, placed.body.order_id);
    expect(counted.take()).toEqual({
      transactions: [
        "update orders", // authorized_at: before any side effect, so a cancel loses to the payment
        "update local_payments", // the capture, at the local provider
        "insert or ignore into tickets + insert or ignore into tickets + update orders + update promo_redemptions + insert or ignore into signing_keys",
        "update orders", // email_queued_at, after the queue took the email
      ],
      reads: 2,
    });
    expect((await getOrder(buyer, placed.body.order_id)).body).toMatchObject({ status: "paid", tickets: [{}, {}] });

    // The provider's webhook: the saga finds the order paid; the Worker records the event once.
    const body = paymentIntentEvent("payment_intent.amount_capturable_updated", paymentId);
    const webhook = await fetchApp(counted.env, "POST", "/api/v1/payments/webhook", { body, headers: { "Stripe-Signature": await stripeSigned(body) } });
    expect(webhook).toMatchObject({ status: 200, body: { received: true } });
    expect(counted.take()).toEqual({ transactions: ["insert into webhook_events"], reads: 1 });
  });
});
