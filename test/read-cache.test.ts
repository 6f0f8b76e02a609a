/**
 * The read cache (src/worker/cache/): the mechanism with a controlled clock (hits, coalescing,
 * stale-while-revalidate, the bound, invalidation, the Cache API layer), then the public routes
 * through the app with counting bindings (object and D1 calls), against real time: a hit, the
 * staleness bound, coalescing of concurrent readers, and never on holds or per-buyer reads.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { PUBLIC_READ_FRESH_MS, PUBLIC_READ_STALE_MS } from "../src/worker/cache/bounds";
import { ReadThroughCache } from "../src/worker/cache/read-through";
import { app } from "../src/worker/index";
import { publishedEvent } from "./support/fixtures";
import { sleep, tokenFor } from "./support/inventory-fixtures";

/** A clock the test moves by hand, and a loader that counts its calls and can be held open. */
function harness(opts: { freshMs?: number; staleMs?: number; shared?: boolean; name?: string; start?: number } = {}) {
  const clock = { now: opts.start ?? Date.now() };
  let calls = 0;
  let version = 0;
  let gate: Promise<void> | undefined;
  const cache = new ReadThroughCache<{ v: number }>({
    name: opts.name ?? `unit-${crypto.randomUUID()}`,
    freshMs: opts.freshMs ?? 1_000,
    staleMs: opts.staleMs ?? 2_000,
    maxWeight: 100,
    shared: opts.shared ?? false,
    now: () => clock.now,
  });
  const load = async () => {
    calls++;
    const v = version;
    if (gate) await gate;
    return { v };
  };
  return {
    cache,
    clock,
    load,
    calls: () => calls,
    change: () => version++,
    hold: () => {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

/** Collects waitUntil promises, as a request's context would. */
function bg() {
  const pending: Promise<unknown>[] = [];
  return { ctx: { waitUntil: (p: Promise<unknown>) => void pending.push(p) }, settle: () => Promise.all(pending) };
}

describe("ReadThroughCache", () => {
  it("answers from memory while fresh: the origin is read once", async ({ expect }) => {
    const h = harness();
    expect((await h.cache.get("k", h.load))?.value).toEqual({ v: 0 });
    h.change();
    for (let t = 0; t < 999; t += 111) {
      h.clock.now += 111;
      expect((await h.cache.get("k", h.load))?.value).toEqual({ v: 0 });
    }
    expect(h.calls()).toBe(1);
  });

  it("coalesces concurrent misses of a key into one origin read", async ({ expect }) => {
    const h = harness();
    const open = h.hold();
    const readers = Array.from({ length: 500 }, () => h.cache.get("k", h.load));
    await sleep(5);
    open();
    const answers = await Promise.all(readers);
    expect(h.calls()).toBe(1);
    expect(new Set(answers)).toEqual(new Set([answers[0]]));
    // Another key is another read.
    await h.cache.get("other", h.load);
    expect(h.calls()).toBe(2);
  });

  it("serves stale after the fresh window while one refresh runs, then the new value", async ({ expect }) => {
    const h = harness({ freshMs: 1_000, staleMs: 2_000 });
    await h.cache.get("k", h.load);
    h.change();
    h.clock.now += 1_000;
    const open = h.hold();
    const { ctx, settle } = bg();
    const stale = await Promise.all(Array.from({ length: 100 }, () => h.cache.get("k", h.load, ctx)));
    expect(stale.every((e) => e?.value.v === 0)).toBe(true);
    await sleep(1);
    expect(h.calls()).toBe(2);
    open();
    await settle();
    expect((await h.cache.get("k", h.load, ctx))?.value).toEqual({ v: 1 });
    expect(h.calls()).toBe(2);
  });

  it("never answers older than fresh + stale: past it, readers wait for the origin", async ({ expect }) => {
    const h = harness({ freshMs: 1_000, staleMs: 2_000 });
    await h.cache.get("k", h.load);
    h.change();
    h.clock.now += 2_999;
    const { ctx, settle } = bg();
    const open = h.hold();
    expect((await h.cache.get("k", h.load, ctx))?.value).toEqual({ v: 0 });
    open();
    await settle();
    // The refresh read at 2,999 ms; 3,000 ms after it, that copy is too old in turn.
    h.change();
    h.clock.now += 3_000;
    const fresh = await h.cache.get("k", h.load, ctx);
    expect(fresh?.value).toEqual({ v: 2 });
    expect(fresh?.readAt).toBe(h.clock.now);
  });

  it("does not cache a missing value, and a failed refresh keeps the stale copy until the bound", async ({ expect }) => {
    const h = harness();
    let answer: { v: number } | undefined;
    const none = () => Promise.resolve(answer);
    expect(await h.cache.get("k", none)).toBeUndefined();
    answer = { v: 7 };
    expect((await h.cache.get("k", none))?.value).toEqual({ v: 7 });
    h.clock.now += 1_500;
    const { ctx, settle } = bg();
    const failing = () => Promise.reject(new Error("object unavailable"));
    expect((await h.cache.get("k", failing, ctx))?.value).toEqual({ v: 7 });
    await settle();
    h.clock.now += 1_499;
    expect((await h.cache.get("k", failing, ctx))?.value).toEqual({ v: 7 });
    h.clock.now += 1;
    await expect(h.cache.get("k", failing, ctx)).rejects.toThrow("object unavailable");
  });

  it("invalidate drops the copy, and a read that started before it is not kept", async ({ expect }) => {
    const h = harness();
    await h.cache.get("k", h.load);
    h.change();
    const open = h.hold();
    h.clock.now += 5_000;
    const racing = h.cache.get("k", h.load);
    await sleep(1);
    h.clock.now += 1;
    h.change();
    await h.cache.invalidate("k");
    open();
    expect((await racing)?.value).toEqual({ v: 1 });
    // The racing read's answer went to its own readers only.
    expect((await h.cache.get("k", h.load))?.value).toEqual({ v: 2 });
    expect(h.calls()).toBe(3);
  });

  it("evicts the entries written longest ago past its weight bound", async ({ expect }) => {
    const h = harness();
    for (let i = 0; i < 101; i++) await h.cache.get(`k${i}`, h.load);
    expect(h.calls()).toBe(101);
    await h.cache.get("k100", h.load);
    expect(h.calls()).toBe(101);
    await h.cache.get("k0", h.load);
    expect(h.calls()).toBe(102);
  });

  it("shares reads between isolates of a location through the Cache API", async ({ expect }) => {
    // Two caches with one name stand for two isolates; the Cache API is this location's.
    const name = `shared-${crypto.randomUUID()}`;
    const a = harness({ shared: true, name, freshMs: 10_000, staleMs: 10_000 });
    const b = harness({ shared: true, name, freshMs: 10_000, staleMs: 10_000 });
    expect((await a.cache.get("k", a.load))?.value).toEqual({ v: 0 });
    const fromShared = await b.cache.get("k", b.load);
    expect(fromShared?.value).toEqual({ v: 0 });
    expect(b.calls()).toBe(0);
    // A copy that is no longer fresh for the asking isolate is not used.
    const c = harness({ shared: true, name, freshMs: 10_000, staleMs: 10_000, start: a.clock.now + 10_000 });
    await c.cache.get("k", c.load);
    expect(c.calls()).toBe(1);
    // Invalidation deletes this location's copy.
    await a.cache.invalidate("k");
    const d = harness({ shared: true, name, freshMs: 10_000, staleMs: 10_000 });
    await d.cache.get("k", d.load);
    expect(d.calls()).toBe(1);
  });
});

/** `env` with INVENTORY, BUYER_LEDGER and DB wrapped to count the calls the app makes. */
function countingEnv() {
  const counts = new Map<string, number>();
  const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const wrapNamespace = (ns: DurableObjectNamespace<any>, label: string) =>
    new Proxy(ns, {
      get(target, prop) {
        const original = Reflect.get(target, prop, target);
        if (prop !== "getByName" && prop !== "get") return typeof original === "function" ? original.bind(target) : original;
        return (...args: unknown[]) => {
          const stub = Reflect.apply(original, target, args) as object;
          return new Proxy(stub, {
            get(s, method) {
              const fn = Reflect.get(s, method);
              if (typeof method !== "string" || typeof fn !== "function") return fn;
              return (...callArgs: unknown[]) => {
                bump(`${label}.${method}`);
                return Reflect.apply(fn, s, callArgs);
              };
            },
          });
        };
      },
    });
  const db = new Proxy(env.DB, {
    get(target, prop) {
      const original = Reflect.get(target, prop, target);
      if (typeof original !== "function") return original;
      if (prop === "prepare" || prop === "batch" || prop === "exec") return (...args: unknown[]) => (bump("DB"), Reflect.apply(original, target, args));
      return original.bind(target);
    },
  });
  const wrapped = new Proxy(env, {
    get(target, prop) {
      if (prop === "INVENTORY") return wrapNamespace(target.INVENTORY, "INVENTORY");
      if (prop === "BUYER_LEDGER") return wrapNamespace(target.BUYER_LEDGER, "BUYER_LEDGER");
      if (prop === "DB") return db;
      return Reflect.get(target, prop, target);
    },
  });
  return { env: wrapped as Env, count: (name: string) => counts.get(name) ?? 0 };
}

/** One request through the app, with its own execution context; background work is awaited. */
async function request(e: Env, method: string, path: string, opts: { token?: string; body?: unknown; ip?: string } = {}) {
  const headers: Record<string, string> = { "CF-Connecting-IP": opts.ip ?? "203.0.113.7" };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`http://localhost${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }),
    e,
    ctx,
  );
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, settled: waitOnExecutionContext(ctx) };
}

const statusOf = (map: any, seat: string) =>
  map.sections.flatMap((s: any) => s.seats ?? []).find((s: any) => s.seat_id === seat)?.status as string | undefined;

describe("public reads through the cache", () => {
  it("a hit: within the fresh window the objects and D1 are not asked again", async ({ expect }) => {
    const ev = await publishedEvent();
    const { env: e, count } = countingEnv();
    const first = await request(e, "GET", `/api/v1/events/${ev.eventId}/seats`);
    expect(first.status).toBe(200);
    await first.settled;
    expect(count("INVENTORY.snapshot")).toBe(2);
    const dbAfterMiss = count("DB");
    expect(dbAfterMiss).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) {
      const again = await request(e, "GET", `/api/v1/events/${ev.eventId}/seats${i % 2 ? "?section=R" : ""}`, { ip: `198.51.100.${i}` });
      expect(again.status).toBe(200);
      expect(again.headers.get("Cache-Control")).toBe(`public, max-age=${PUBLIC_READ_FRESH_MS / 1000}`);
      expect(Number(again.headers.get("Age"))).toBeLessThan(PUBLIC_READ_FRESH_MS / 1000);
      const details = await request(e, "GET", `/api/v1/events/${ev.eventId}`);
      expect(details.body).toMatchObject({ event_id: ev.eventId, status: "on_sale" });
      expect(details.headers.get("Age")).not.toBeNull();
    }
    expect(count("INVENTORY.snapshot")).toBe(2);
    expect(count("DB")).toBe(dbAfterMiss);
  });

  it("coalescing: 300 concurrent readers of a cold section cause one object read", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 50 }] });
    const { env: e, count } = countingEnv();
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => request(e, "GET", `/api/v1/events/${ev.eventId}/seats?section=R`, { ip: `10.0.${i >> 8}.${i & 255}` })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(count("INVENTORY.snapshot")).toBe(1);
  });

  it("the staleness bound: a change shows once the fresh window has passed, and never later than the bound", async ({ expect }) => {
    const ev = await publishedEvent();
    const { env: e, count } = countingEnv();
    const buyer = await tokenFor();
    const seats = `/api/v1/events/${ev.eventId}/seats?section=R`;
    expect(statusOf((await request(e, "GET", seats)).body, "R-A-1")).toBe("available");
    const heldAt = Date.now();
    expect((await request(e, "POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-A-1"] } })).status).toBe(201);
    // Within the window: the cached map, which says how old it is.
    const cached = await request(e, "GET", seats);
    expect(statusOf(cached.body, "R-A-1")).toBe("available");
    expect(count("INVENTORY.snapshot")).toBe(1);

    await sleep(PUBLIC_READ_FRESH_MS - (Date.now() - heldAt) + 50);
    // Past the fresh window the first reader may still get the stale map, and starts one refresh.
    const stale = await request(e, "GET", seats);
    expect(Number(stale.headers.get("Age"))).toBeGreaterThanOrEqual(PUBLIC_READ_FRESH_MS / 1000);
    await stale.settled;
    expect(count("INVENTORY.snapshot")).toBe(2);
    const refreshed = await request(e, "GET", seats);
    expect(statusOf(refreshed.body, "R-A-1")).toBe("held");
    expect(Number(refreshed.headers.get("Age"))).toBe(0);

    // With no reader in between, past fresh + stale the next reader waits for a new read.
    const heldAgain = Date.now();
    expect((await request(e, "POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-A-2"] } })).status).toBe(201);
    await sleep(PUBLIC_READ_FRESH_MS + PUBLIC_READ_STALE_MS - (Date.now() - heldAgain) + 50);
    const late = await request(e, "GET", seats);
    expect(statusOf(late.body, "R-A-2")).toBe("held");
    expect(Number(late.headers.get("Age"))).toBe(0);
    expect(count("INVENTORY.snapshot")).toBe(3);
  });

  it("never on holds: every hold and hold read asks the objects, whatever the cached map says", async ({ expect }) => {
    const ev = await publishedEvent();
    const { env: e, count } = countingEnv();
    const [a, b] = [await tokenFor(), await tokenFor()];
    const seats = `/api/v1/events/${ev.eventId}/seats?section=R`;
    // The map is cached with R-B-3 free; then A takes it.
    expect(statusOf((await request(e, "GET", seats)).body, "R-B-3")).toBe("available");
    const held = await request(e, "POST", `/api/v1/events/${ev.eventId}/holds`, { token: a.token, body: { seats: ["R-B-3"] } });
    expect(held.status).toBe(201);
    expect(statusOf((await request(e, "GET", seats)).body, "R-B-3")).toBe("available");
    // B goes by the cached map and is refused by the object.
    const refused = await request(e, "POST", `/api/v1/events/${ev.eventId}/holds`, { token: b.token, body: { seats: ["R-B-3"] } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.unavailable).toEqual(["R-B-3"]);
    expect(count("BUYER_LEDGER.createHold")).toBe(2);
    for (const header of ["Age", "Cache-Control"]) expect(held.headers.get(header)).toBeNull();

    const dbBefore = count("DB");
    for (let i = 0; i < 5; i++) {
      const got = await request(e, "GET", `/api/v1/holds/${held.body.hold_id}`, { token: a.token });
      expect(got.status).toBe(200);
      expect(got.headers.get("Age")).toBeNull();
      expect(got.headers.get("Cache-Control")).toBeNull();
    }
    expect(count("BUYER_LEDGER.getHold")).toBe(5);
    // The event's currency on a hold comes from the cached facts: no D1 read per hold read.
    expect(count("DB")).toBe(dbBefore);
    // Released: the very next read of the hold says so.
    expect((await request(e, "DELETE", `/api/v1/holds/${held.body.hold_id}`, { token: a.token })).status).toBe(200);
    expect((await request(e, "GET", `/api/v1/holds/${held.body.hold_id}`, { token: a.token })).status).toBe(404);
    const mine = await request(e, "GET", "/api/v1/me/orders", { token: a.token });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("Age")).toBeNull();
  });

  it("a cancel stops new holds at once, although the event facts are cached", async ({ expect }) => {
    const ev = await publishedEvent();
    const { env: e, count } = countingEnv();
    const buyer = await tokenFor();
    const holds = `/api/v1/events/${ev.eventId}/holds`;
    expect((await request(e, "GET", `/api/v1/events/${ev.eventId}`)).body.status).toBe("on_sale");
    const dbBefore = count("DB");
    expect((await request(e, "POST", holds, { token: buyer.token, body: { seats: ["R-A-1"] } })).status).toBe(201);
    // With the facts cached, a hold reads D1 once: the sale state, which no cache may answer.
    expect(count("DB")).toBe(dbBefore + 1);
    // Cancelled behind every cache's back, as another location's cancel would be.
    await env.DB.prepare("UPDATE events SET state = 'cancelled', cancelled_at = ? WHERE id = ?").bind(new Date().toISOString(), ev.eventId).run();
    const refused = await request(e, "POST", holds, { token: buyer.token, body: { seats: ["R-A-2"] } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "not_on_sale", details: { status: "cancelled" } });
    // The public event may say on_sale for up to the bound here; the organizer's cancel route
    // drops this location's copy at once.
    const org = await request(e, "POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken });
    expect(org.status).toBe(200);
    expect((await request(e, "GET", `/api/v1/events/${ev.eventId}`)).body.status).toBe("cancelled");
  });
});
