import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { RateLimiter } from "../src/durable-objects/rate-limiter";
import { DEFAULT_LIMITS, limitsFor } from "../src/worker/middleware/rate-limit";
import { call } from "./support/http";
import { limiterWithClock } from "./support/rate-limiter";
import { PASSWORD, signupBuyer, uniqueEmail } from "./support/fixtures";

const LIMIT = DEFAULT_LIMITS.login_failure.email!;
const login = (email: string, password: string) => call("POST", "/api/v1/auth/login", { body: { email, password } });
const WRONG = "wrong-password";

/** Fails `n` logins for `email`, asserting each is an ordinary 401. */
async function failLogins(expect: any, email: string, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await login(email, WRONG);
    expect(res.status, `failure ${i + 1}`).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
  }
}

function expectLimited(expect: any, res: { status: number; body: any; headers: Headers }) {
  expect(res.status).toBe(429);
  expect(res.body.error.code).toBe("rate_limited");
  const retryAfter = Number(res.headers.get("Retry-After"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  // GCRA: one more attempt is allowed once one failure's share of the window has passed.
  expect(retryAfter).toBeLessThanOrEqual(Math.ceil(LIMIT.windowSeconds / LIMIT.limit));
  return retryAfter;
}

describe("failed logins per email", () => {
  it("default is 10 failures per 15 minutes; RATE_LIMITS can override it", ({ expect }) => {
    expect(LIMIT).toEqual({ limit: 10, windowSeconds: 900 });
    const over = { ...env, RATE_LIMITS: JSON.stringify({ login_failure: { email: { limit: 3, windowSeconds: 60 } } }) };
    expect(limitsFor(over, "login_failure").email).toEqual({ limit: 3, windowSeconds: 60 });
    expect(limitsFor(over, "auth")).toEqual(DEFAULT_LIMITS.auth);
  });

  it("401 up to the limit, then 429 with Retry-After even for the right password; other emails unaffected", async ({ expect }) => {
    const [victim, bystander] = await Promise.all([signupBuyer(), signupBuyer()]);
    await failLogins(expect, victim.email, LIMIT.limit);
    expectLimited(expect, await login(victim.email, PASSWORD));
    // The limit follows the normalised email, not the spelling.
    expectLimited(expect, await login(` ${victim.email.toUpperCase()}`, WRONG));
    // Per-IP headers change nothing: the key is the account.
    expectLimited(expect, await call("POST", "/api/v1/auth/login", {
      body: { email: victim.email, password: PASSWORD },
      headers: { "CF-Connecting-IP": "203.0.113.7" },
    }));
    const other = await login(bystander.email, PASSWORD);
    expect(other.status).toBe(200);
    expect(other.body.user_id).toBe(bystander.userId);
  });

  it("successful logins are not counted", async ({ expect }) => {
    const user = await signupBuyer();
    await failLogins(expect, user.email, LIMIT.limit - 1);
    for (let i = 0; i < 5; i++) {
      const ok = await login(user.email, PASSWORD);
      expect(ok.status, `success ${i + 1}`).toBe(200);
    }
    await failLogins(expect, user.email, 1); // the 10th failure: still a 401
    expectLimited(expect, await login(user.email, PASSWORD));
  });

  it("unknown emails are counted the same, and the 429 looks the same", async ({ expect }) => {
    const known = await signupBuyer();
    const unknown = uniqueEmail("nobody");
    await failLogins(expect, known.email, LIMIT.limit);
    await failLogins(expect, unknown, LIMIT.limit);
    const a = await login(known.email, WRONG);
    const b = await login(unknown, WRONG);
    expectLimited(expect, a);
    expectLimited(expect, b);
    expect(a.body).toEqual(b.body);
  });

  it("parallel guesses cannot slip past the limit", async ({ expect }) => {
    const user = await signupBuyer();
    const results = await Promise.all(Array.from({ length: 25 }, () => login(user.email, WRONG)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(LIMIT.limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25 - LIMIT.limit);
  });

  it("allows one more attempt once Retry-After has passed", async ({ expect }) => {
    const user = await signupBuyer();
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`login_failure:email:${user.email}`));
    const clock = { now: Date.now() + 365 * 24 * 3600_000 };
    await runInDurableObject(stub, (instance: RateLimiter) => {
      instance.clock = () => clock.now;
    });
    await failLogins(expect, user.email, LIMIT.limit);
    const retryAfter = expectLimited(expect, await login(user.email, PASSWORD));
    clock.now += (retryAfter - 1) * 1000;
    expectLimited(expect, await login(user.email, PASSWORD));
    clock.now += 1000;
    expect((await login(user.email, PASSWORD)).status).toBe(200);
    await failLogins(expect, user.email, 1);
    expectLimited(expect, await login(user.email, PASSWORD));
  });
});

describe("RateLimiter.refund", () => {
  it("gives back exactly one hit, and never more than a full bucket", async ({ expect }) => {
    const { stub, clock } = await limiterWithClock();
    for (let i = 0; i < 3; i++) await stub.hit(3, 60);
    expect(await stub.hit(3, 60)).toMatchObject({ ok: false });
    await stub.refund(3, 60);
    expect(await stub.hit(3, 60)).toEqual({ ok: true, remaining: 0 });
    expect(await stub.hit(3, 60)).toMatchObject({ ok: false });
    // Refunds on a full bucket do not bank extra allowance.
    clock.now += 60_000;
    await stub.refund(3, 60);
    await stub.refund(3, 60);
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await stub.hit(3, 60)).ok);
    expect(results).toEqual([true, true, true, false]);
  });
});
