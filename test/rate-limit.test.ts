import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, it } from "vitest";
import type { RateLimiter } from "../src/durable-objects/rate-limiter";
import type { AppEnv } from "../src/worker/app-env";
import { onError } from "../src/worker/errors";
import { app } from "../src/worker/index";
import { DEFAULT_LIMITS, limitsFor, rateLimit } from "../src/worker/middleware/rate-limit";
import { call } from "./support/http";
import { limiterWithClock } from "./support/rate-limiter";
import { publishedEvent, signupBuyer } from "./support/fixtures";

const QUEUE_ROOM = { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 300 } };

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

describe("limits configuration", () => {
  it("uses the defaults unless RATE_LIMITS overrides them; bad overrides fall back", ({ expect }) => {
    expect(limitsFor(env, "hold")).toEqual(DEFAULT_LIMITS.hold);
    const over = { ...env, RATE_LIMITS: JSON.stringify({ hold: { user: { limit: 2, windowSeconds: 5 } } }) };
    expect(limitsFor(over, "hold")).toEqual({ ...DEFAULT_LIMITS.hold, user: { limit: 2, windowSeconds: 5 } });
    expect(limitsFor(over, "order")).toEqual(DEFAULT_LIMITS.order);
    expect(limitsFor({ ...env, RATE_LIMITS: "{nope" }, "hold")).toEqual(DEFAULT_LIMITS.hold);
    expect(limitsFor({ ...env, RATE_LIMITS: '{"hold":{"user":{"limit":0,"windowSeconds":1}}}' }, "hold")).toEqual(DEFAULT_LIMITS.hold);
  });
});

describe("rate-limited routes", () => {
  it("joining the queue: 429 with Retry-After just past the real per-user default, not before", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: QUEUE_ROOM });
    const [greedy, patient] = await Promise.all([signupBuyer(), signupBuyer()]);
    const limit = DEFAULT_LIMITS.join_queue.user!.limit;
    const path = `/api/v1/events/${ev.eventId}/queue`;
    for (let i = 0; i < limit; i++) {
      const res = await call("POST", path, { token: greedy.token });
      expect(res.status, `request ${i + 1}`).toBe(201);
    }
    const refused = await call("POST", path, { token: greedy.token });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(DEFAULT_LIMITS.join_queue.user!.windowSeconds);
    // Someone else is not affected.
    expect((await call("POST", path, { token: patient.token })).status).toBe(201);
  });

  it("per IP: users behind one address share its limit, other addresses do not", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: QUEUE_ROOM });
    const users = await Promise.all([signupBuyer(), signupBuyer(), signupBuyer(), signupBuyer()]);
    const small = { ...env, RATE_LIMITS: JSON.stringify({ join_queue: { ip: { limit: 2, windowSeconds: 60 } } }) };
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const join = (token: string, from: string) =>
      app.request(`/api/v1/events/${ev.eventId}/queue`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": from } }, small);
    expect((await join(users[0]!.token, ip)).status).toBe(201);
    expect((await join(users[1]!.token, ip)).status).toBe(201);
    const third = await join(users[2]!.token, ip);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("Retry-After"))).toBe(30);
    expect((await join(users[3]!.token, "2001:db8::1")).status).toBe(201);
  });

  it.for(["queue_status", "hold", "order", "auth"] as const)("%s: the middleware limits by user and by IP", async (action, { expect }) => {
    const probe = new Hono<AppEnv>();
    probe.onError(onError);
    probe.use("*", async (c, next) => {
      const user = c.req.header("X-Test-User");
      if (user) c.set("principal", { role: "buyer", userId: user });
      await next();
    });
    probe.post("/x", rateLimit(action), (c) => c.json({ ok: true }));
    const small = { ...env, RATE_LIMITS: JSON.stringify({ [action]: { user: { limit: 2, windowSeconds: 60 }, ip: { limit: 3, windowSeconds: 60 } } }) };
    const tag = crypto.randomUUID();
    const send = (headers: Record<string, string>) => probe.request("/x", { method: "POST", headers }, small);

    // By user (no IP header): third request refused.
    const user = `usr_${tag}`;
    expect((await send({ "X-Test-User": user })).status).toBe(200);
    expect((await send({ "X-Test-User": user })).status).toBe(200);
    const byUser = await send({ "X-Test-User": user });
    expect(byUser.status).toBe(429);
    expect(byUser.headers.get("Retry-After")).toBe("30");

    // By IP (anonymous): fourth request refused.
    const ip = `ip-${tag}`;
    for (let i = 0; i < 3; i++) expect((await send({ "CF-Connecting-IP": ip })).status).toBe(200);
    const byIp = await send({ "CF-Connecting-IP": ip });
    expect(byIp.status).toBe(429);
    expect(await byIp.json()).toMatchObject({ error: { code: "rate_limited" } });
  });
});

describe("wired into the routes", () => {
  it("GET queue status: polling past the limit gets 429 with Retry-After", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: QUEUE_ROOM });
    const buyer = await signupBuyer();
    const place = (await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: buyer.token })).body;
    const small = { ...env, RATE_LIMITS: JSON.stringify({ queue_status: { user: { limit: 3, windowSeconds: 60 } } }) };
    const poll = () =>
      app.request(`/api/v1/events/${ev.eventId}/queue/${place.queue_id}`, { headers: { Authorization: `Bearer ${buyer.token}` } }, small);
    for (let i = 0; i < 3; i++) expect((await poll()).status).toBe(200);
    const refused = await poll();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("20");
  });

  it("POST holds: the third hold in a minute under a limit of 2 is refused with 429, nothing held", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const small = { ...env, RATE_LIMITS: JSON.stringify({ hold: { user: { limit: 2, windowSeconds: 60 } } }) };
    const hold = () =>
      app.request(
        `/api/v1/events/${ev.eventId}/holds`,
        { method: "POST", headers: { Authorization: `Bearer ${buyer.token}`, "Content-Type": "application/json" }, body: JSON.stringify({ section: "GA", quantity: 1 }) },
        small,
      );
    expect((await hold()).status).toBe(201);
    expect((await hold()).status).toBe(201);
    const third = await hold();
    expect(third.status).toBe(429);
    expect(third.headers.get("Retry-After")).toBe("30");
    const seats = await call("GET", `/api/v1/events/${ev.eventId}/seats?section=GA`);
    expect(seats.body.sections[0]).toMatchObject({ available: 98 });
  });

  it("POST orders: past the order limit, 429 before the order is looked at", async ({ expect }) => {
    const buyer = await signupBuyer();
    const small = { ...env, RATE_LIMITS: JSON.stringify({ order: { user: { limit: 1, windowSeconds: 60 } } }) };
    const order = () =>
      app.request(
        "/api/v1/orders",
        { method: "POST", headers: { Authorization: `Bearer ${buyer.token}`, "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() }, body: JSON.stringify({ hold_id: "nope" }) },
        small,
      );
    const first = await order();
    expect(first.status).toBe(404); // the first is judged on its merits (an unknown hold)
    expect(await first.json()).toMatchObject({ error: { code: "not_found" } });
    const second = await order();
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: { code: "rate_limited" } });
  });
});
