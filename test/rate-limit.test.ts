import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, it } from "vitest";
import type { RateLimiter } from "../src/durable-objects/rate-limiter";
import type { AppEnv } from "../src/worker/app-env";
import { onError } from "../src/worker/errors";
import { BINDINGS, DEFAULT_LIMITS, limitsFor, rateLimit } from "../src/worker/middleware/rate-limit";
import wranglerToml from "../wrangler.toml?raw";
import { call } from "./support/http";
import { limiterWithClock } from "./support/rate-limiter";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { freshWindow, inBatches } from "./support/rate-window";

const QUEUE_ROOM = { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 300 } };

/** The exact, durable counter, kept for failed logins per account (test/auth-throttle.test.ts). */
describe("RateLimiter object", () => {
  it("allows exactly `limit` per window, then says when to retry; refusals cost nothing", async ({ expect }) => {
    const { stub, clock } = await limiterWithClock();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await stub.hit(3, 60));
    expect(results).toEqual([
      { ok: true, remaining: 2 },
      { ok: true, remaining: 1 },
      { ok: true, remaining: 0 },
    ]);
    expect(await stub.hit(3, 60)).toEqual({ ok: false, retryAfterSeconds: 20 });
    clock.now += 19_000;
    expect(await stub.hit(3, 60)).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.now += 1_000; // one request's worth has refilled, despite the refused attempts
    expect(await stub.hit(3, 60)).toEqual({ ok: true, remaining: 0 });
    expect(await stub.hit(3, 60)).toMatchObject({ ok: false });
  });

  it("forgets an idle key on its alarm", async ({ expect }) => {
    const { stub, clock } = await limiterWithClock();
    await stub.hit(2, 10);
    clock.now += 10_000;
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const rows = await runInDurableObject(stub, (_: RateLimiter, state) => state.storage.sql.exec("SELECT * FROM bucket").toArray());
    expect(rows).toEqual([]);
    expect(await stub.hit(2, 10)).toEqual({ ok: true, remaining: 1 });
  });

  it("counts concurrent hits exactly", async ({ expect }) => {
    const { stub } = await limiterWithClock();
    const results = await Promise.all(Array.from({ length: 25 }, () => stub.hit(10, 60)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
  });
});

/** `[[ratelimits]]` of wrangler.toml: binding name -> {limit, period}. */
function ratelimitsOfWrangler(): Map<string, { limit: number; period: number }> {
  const out = new Map<string, { limit: number; period: number }>();
  for (const block of wranglerToml.split("[[ratelimits]]").slice(1)) {
    const name = /name\s*=\s*"([^"]+)"/.exec(block)?.[1];
    const simple = /simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/.exec(block);
    if (name && simple) out.set(name, { limit: Number(simple[1]), period: Number(simple[2]) });
  }
  return out;
}

describe("limits configuration", () => {
  it("every per-request limit is a binding in wrangler.toml with the documented limit and period", ({ expect }) => {
    const declared = ratelimitsOfWrangler();
    const expected = new Map<string, { limit: number; period: number }>();
    for (const [action, scopes] of Object.entries(BINDINGS)) {
      for (const [scope, binding] of Object.entries(scopes)) {
        const limit = DEFAULT_LIMITS[action as keyof typeof BINDINGS][scope as "user" | "ip"]!;
        expected.set(binding, { limit: limit.limit, period: limit.windowSeconds });
        expect(typeof (env as unknown as Record<string, RateLimit>)[binding]?.limit, binding).toBe("function");
      }
    }
    expect(declared).toEqual(expected);
    for (const { period } of declared.values()) expect([10, 60]).toContain(period);
  });

  it("RATE_LIMITS overrides only the failed-login limit; per-request limits come from wrangler.toml", ({ expect }) => {
    expect(limitsFor(env, "hold")).toEqual(DEFAULT_LIMITS.hold);
    const over = {
      ...env,
      RATE_LIMITS: JSON.stringify({ hold: { user: { limit: 2, windowSeconds: 5 } }, login_failure: { email: { limit: 3, windowSeconds: 60 } } }),
    };
    expect(limitsFor(over, "hold")).toEqual(DEFAULT_LIMITS.hold);
    expect(limitsFor(over, "login_failure")).toEqual({ email: { limit: 3, windowSeconds: 60 } });
    expect(limitsFor({ ...env, RATE_LIMITS: "{nope" }, "login_failure")).toEqual(DEFAULT_LIMITS.login_failure);
    expect(limitsFor({ ...env, RATE_LIMITS: '{"login_failure":{"email":{"limit":0,"windowSeconds":1}}}' }, "login_failure")).toEqual(
      DEFAULT_LIMITS.login_failure,
    );
  });
});

/** A bare app with one rate-limited route; `X-Test-User` stands in for a signed-in user. */
function probeApp(action: keyof typeof BINDINGS, appEnv: Env = env) {
  const probe = new Hono<AppEnv>();
  probe.onError(onError);
  probe.use("*", async (c, next) => {
    const user = c.req.header("X-Test-User");
    if (user) c.set("principal", { role: "buyer", userId: user });
    await next();
  });
  probe.post("/x", rateLimit(action), (c) => c.json({ ok: true }));
  return (headers: Record<string, string>) => Promise.resolve(probe.request("/x", { method: "POST", headers }, appEnv));
}

// Counting to a limit may first wait (up to 20 s) for a window with room: longer timeouts.
describe("rate-limited routes (Rate Limiting binding)", { timeout: 60_000 }, () => {
  it("joining the queue: 429 with Retry-After just past the real per-user default, not before", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: QUEUE_ROOM });
    const [greedy, patient] = await Promise.all([signupBuyer(), signupBuyer()]);
    const limit = DEFAULT_LIMITS.join_queue.user!;
    const path = `/api/v1/events/${ev.eventId}/queue`;
    await freshWindow(limit.windowSeconds, 15);
    for (let i = 0; i < limit.limit; i++) {
      const res = await call("POST", path, { token: greedy.token });
      expect(res.status, `request ${i + 1}`).toBe(201);
    }
    const refused = await call("POST", path, { token: greedy.token });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("Retry-After"))).toBe(limit.windowSeconds);
    // Someone else is not affected.
    expect((await call("POST", path, { token: patient.token })).status).toBe(201);
  });

  it("auth, per IP at the real default: users behind one address share it, other addresses do not", async ({ expect }) => {
    const send = probeApp("auth");
    const limit = DEFAULT_LIMITS.auth.ip!;
    const tag = crypto.randomUUID();
    await freshWindow(limit.windowSeconds, 10);
    const statuses = await inBatches(limit.limit, 10, (i) => send({ "CF-Connecting-IP": `ip-${tag}`, "X-Test-User": `u${i}` }).then((r) => r.status));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const refused = await send({ "CF-Connecting-IP": `ip-${tag}` });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe(String(limit.windowSeconds));
    expect((await send({ "CF-Connecting-IP": `other-${tag}` })).status).toBe(200);
  });

  it.for(Object.keys(BINDINGS) as (keyof typeof BINDINGS)[])(
    "%s: the middleware counts by user and by IP in the action's own bindings",
    async (action, { expect }) => {
      // Each of the action's bindings replaced by a real one that allows 3 per 60 s.
      const bindings: Record<string, string> = BINDINGS[action];
      const small = { ...env, ...Object.fromEntries(Object.values(bindings).map((b) => [b, env.RL_TEST_3_PER_60S])) } as Env;
      const send = probeApp(action, small);
      const limits = DEFAULT_LIMITS[action];
      const tag = crypto.randomUUID();
      await freshWindow(60, 5);
      if (bindings.user) {
        const user = `usr_${tag}`;
        for (let i = 0; i < 3; i++) expect((await send({ "X-Test-User": user })).status).toBe(200);
        const byUser = await send({ "X-Test-User": user });
        expect(byUser.status).toBe(429);
        expect(byUser.headers.get("Retry-After")).toBe(String(limits.user!.windowSeconds));
        expect((await send({ "X-Test-User": `other_${tag}` })).status).toBe(200);
      } else {
        // No per-user limit for this action: a user is counted only by address.
        for (let i = 0; i < 5; i++) expect((await send({ "X-Test-User": `usr_${tag}` })).status).toBe(200);
      }
      const ip = `ip-${tag}`;
      for (let i = 0; i < 3; i++) expect((await send({ "CF-Connecting-IP": ip, "X-Test-User": `u${i}_${tag}` })).status).toBe(200);
      const byIp = await send({ "CF-Connecting-IP": ip, "X-Test-User": `late_${tag}` });
      expect(byIp.status).toBe(429);
      expect(byIp.headers.get("Retry-After")).toBe(String(limits.ip!.windowSeconds));
      expect(await byIp.json()).toMatchObject({ error: { code: "rate_limited" } });
    },
  );

  it("counting needs no object: the per-request path works without RATE_LIMITER", async ({ expect }) => {
    const noObjects = { ...env, RATE_LIMITER: undefined } as unknown as Env;
    const send = probeApp("hold", noObjects);
    expect((await send({ "CF-Connecting-IP": `ip-${crypto.randomUUID()}`, "X-Test-User": "usr_x" })).status).toBe(200);
  });

  it("a binding that fails lets the request through (a soft limit), logged", async ({ expect }) => {
    const broken = {
      ...env,
      RL_HOLD_USER: {
        limit: async () => {
          throw new Error("binding down");
        },
      },
    } as unknown as Env;
    expect((await probeApp("hold", broken)({ "X-Test-User": "usr_y" })).status).toBe(200);
  });
});

describe("wired into the routes", { timeout: 60_000 }, () => {
  it("GET queue status: polling past the limit gets 429 with Retry-After", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: QUEUE_ROOM });
    const buyer = await signupBuyer();
    const place = (await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: buyer.token })).body;
    const limit = DEFAULT_LIMITS.queue_status.user!;
    await freshWindow(limit.windowSeconds, 20);
    const poll = () => call("GET", `/api/v1/events/${ev.eventId}/queue/${place.queue_id}`, { token: buyer.token });
    const statuses = await inBatches(limit.limit, 10, () => poll().then((r) => r.status));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const refused = await poll();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe(String(limit.windowSeconds));
  });

  it("POST holds: past the per-user limit, 429 before the hold is looked at, nothing held", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const limit = DEFAULT_LIMITS.hold.user!;
    await freshWindow(limit.windowSeconds, 20);
    const hold = (section: string) => call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { section, quantity: 1 } });
    // Each is judged on its merits (an unknown section) and each counts.
    const statuses = await inBatches(limit.limit, 10, () => hold("NOPE").then((r) => r.status));
    expect(statuses.filter((s) => s !== 404)).toEqual([]);
    const refused = await hold("GA");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe(String(limit.windowSeconds));
    const seats = await call("GET", `/api/v1/events/${ev.eventId}/seats?section=GA`);
    expect(seats.body.sections[0]).toMatchObject({ available: 100 });
  });

  it("POST orders: past the order limit, 429 before the order is looked at", async ({ expect }) => {
    const buyer = await signupBuyer();
    const limit = DEFAULT_LIMITS.order.user!;
    await freshWindow(limit.windowSeconds, 15);
    const order = () => call("POST", "/api/v1/orders", { token: buyer.token, body: { hold_id: "nope" }, headers: { "Idempotency-Key": crypto.randomUUID() } });
    const first = await order();
    expect(first.status).toBe(404); // judged on its merits (an unknown hold)
    expect(first.body).toMatchObject({ error: { code: "not_found" } });
    const statuses = await inBatches(limit.limit - 1, 10, () => order().then((r) => r.status));
    expect(statuses.filter((s) => s !== 404)).toEqual([]);
    const refused = await order();
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: "rate_limited" } });
  });
});
