import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RateLimiter } from "../../src/durable-objects/rate-limiter";

/**
 * A fresh RateLimiter object on a test-controlled clock (a year ahead, so no real request
 * shares its windows); move `clock.now` to let time pass.
 */
export async function limiterWithClock() {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(crypto.randomUUID()));
  const clock = { now: Date.now() + 365 * 24 * 3600_000 };
  await runInDurableObject(stub, (instance: RateLimiter) => {
    instance.clock = () => clock.now;
  });
  return { stub, clock };
}
