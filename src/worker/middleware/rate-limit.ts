import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { rateLimited, unavailable } from "../errors";

export type RateLimitedAction = "join_queue" | "queue_status" | "hold" | "order" | "auth" | "login_failure";

const Limit = z.object({ limit: z.int().min(1), windowSeconds: z.number().positive() });
export type Limit = z.infer<typeof Limit>;
/** `email` is only for `login_failure` (see `limitFailures`); the middleware reads `user` and `ip`. */
const ActionLimits = z.object({ user: Limit.optional(), ip: Limit.optional(), email: Limit.optional() });
type ActionLimits = z.infer<typeof ActionLimits>;
/** Only the object-kept limit can be overridden at run time; the binding-kept ones are set in wrangler.toml. */
const LimitOverrides = z.object({ login_failure: z.object({ email: Limit.optional() }).optional() });

/**
 * Defaults sized for people, not scripts. Per-IP limits are loose because many buyers can
 * share one address (venue Wi-Fi, carrier NAT); per-user limits carry the weight.
 *
 * Every `user`/`ip` limit is kept by a Rate Limiting binding (BINDINGS below) whose `simple`
 * limit and period in wrangler.toml must be these (test/rate-limit.test.ts compares them);
 * the binding's period is 10 or 60 s. `login_failure` is kept by the RateLimiter object.
 */
export const DEFAULT_LIMITS: Record<RateLimitedAction, ActionLimits> = {
  join_queue: { user: { limit: 20, windowSeconds: 60 }, ip: { limit: 600, windowSeconds: 60 } },
  // Polling: Retry-After asks for one poll every 2-45 s; this only stops clients that ignore it.
  queue_status: { user: { limit: 120, windowSeconds: 60 }, ip: { limit: 6000, windowSeconds: 60 } },
  hold: { user: { limit: 60, windowSeconds: 60 }, ip: { limit: 1200, windowSeconds: 60 } },
  order: { user: { limit: 30, windowSeconds: 60 }, ip: { limit: 600, windowSeconds: 60 } },
  auth: { ip: { limit: 60, windowSeconds: 60 } },
  // Failed logins per email, whichever IPs they come from: password guessing spread over a botnet.
  login_failure: { email: { limit: 10, windowSeconds: 15 * 60 } },
};

type RateLimitBinding = { [K in keyof Env]: Env[K] extends RateLimit ? K : never }[keyof Env];
type RequestAction = Exclude<RateLimitedAction, "login_failure">;

/** The Rate Limiting binding that counts each action per user and per IP (declared in wrangler.toml). */
export const BINDINGS = {
  join_queue: { user: "RL_JOIN_QUEUE_USER", ip: "RL_JOIN_QUEUE_IP" },
  queue_status: { user: "RL_QUEUE_STATUS_USER", ip: "RL_QUEUE_STATUS_IP" },
  hold: { user: "RL_HOLD_USER", ip: "RL_HOLD_IP" },
  order: { user: "RL_ORDER_USER", ip: "RL_ORDER_IP" },
  auth: { ip: "RL_AUTH_IP" },
} as const satisfies Record<RequestAction, Partial<Record<"user" | "ip", RateLimitBinding>>>;

/** Optional configuration not declared in wrangler.toml (so absent from the generated `Env`). */
export type RateLimitEnv = Env & {
  /** JSON overriding the failed-login limit, e.g. `{"login_failure":{"email":{"limit":5,"windowSeconds":600}}}`. */
  RATE_LIMITS?: string;
};

/** `RATE_LIMITS` parsed once per isolate, not on every rate-limited request. */
let parsedOverrides: { source: string; overrides: z.infer<typeof LimitOverrides> } | undefined;

function overridesFrom(source: string): z.infer<typeof LimitOverrides> {
  if (parsedOverrides?.source === source) return parsedOverrides.overrides;
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch {
    raw = undefined;
  }
  const parsed = LimitOverrides.safeParse(raw);
  if (!parsed.success) console.error("RATE_LIMITS is not valid; using the defaults");
  const ignored = raw && typeof raw === "object" ? Object.keys(raw).filter((k) => k !== "login_failure") : [];
  if (ignored.length > 0) console.error(`RATE_LIMITS: ${ignored.join(", ")} ignored; per-request limits are set in wrangler.toml [[ratelimits]]`);
  const overrides = parsed.success ? parsed.data : {};
  parsedOverrides = { source, overrides };
  return overrides;
}

/** The limits in force: DEFAULT_LIMITS, with the `RATE_LIMITS` variable's override of `login_failure`. */
export function limitsFor(env: RateLimitEnv, action: RateLimitedAction): ActionLimits {
  const defaults = DEFAULT_LIMITS[action];
  if (!env.RATE_LIMITS || action !== "login_failure") return defaults;
  return { ...defaults, ...overridesFrom(env.RATE_LIMITS).login_failure };
}

function counter(env: Env, name: string) {
  return env.RATE_LIMITER.getByName(name);
}

/**
 * Seconds to wait when `key` is past the binding's limit, 0 otherwise. The binding does not say
 * when its window ends, so a refusal asks for a whole period: never too early.
 */
async function overLimit(binding: RateLimit, key: string, limit: Limit): Promise<number> {
  try {
    const { success } = await binding.limit({ key });
    return success ? 0 : Math.ceil(limit.windowSeconds);
  } catch (err) {
    // A soft limit: if the binding cannot answer, the request goes on rather than the sale stopping.
    console.error(JSON.stringify({ msg: "rate limit binding failed; allowing", error: String(err) }));
    return 0;
  }
}

/**
 * Per-user and per-IP limit for an action; past it, 429 `rate_limited` with `Retry-After`.
 * Counted by the platform's Rate Limiting binding: no object call and no storage write per
 * request, but counts are per Cloudflare location and eventually consistent (see README).
 * Mount after `requireAuth` to get the per-user limit. The IP is `CF-Connecting-IP`, which
 * Cloudflare always sets; requests without it (local tools, tests) get only the per-user
 * limit, rather than all sharing one bucket.
 */
export function rateLimit(action: RequestAction) {
  return createMiddleware<AppEnv>(async function rateLimitMiddleware(c, next) {
    const limits = DEFAULT_LIMITS[action];
    const bindings: Partial<Record<"user" | "ip", RateLimitBinding>> = BINDINGS[action];
    const userId = c.get("principal")?.userId;
    const ip = c.req.header("CF-Connecting-IP");
    const checks: Promise<number>[] = [];
    if (userId && limits.user && bindings.user) checks.push(overLimit(c.env[bindings.user], userId, limits.user));
    if (ip && limits.ip && bindings.ip) checks.push(overLimit(c.env[bindings.ip], ip, limits.ip));
    const retryAfter = Math.max(0, ...(await Promise.all(checks)));
    if (retryAfter > 0) throw rateLimited(retryAfter);
    await next();
  });
}

/**
 * Runs `attempt` (a credentials check; null means the credentials were wrong) under a limit on
 * failures per key, e.g. per normalised email for `login_failure`. Past the limit every attempt,
 * right or wrong, gets 429 `rate_limited` with `Retry-After`, so the answer says nothing about the
 * password; keys are counted whether or not an account exists. One failure is reserved before the
 * check and given back unless the check failed: a read-only check first would let parallel
 * guesses all pass it, and successes must not use up the allowance.
 */
export async function limitFailures<T>(
  env: RateLimitEnv,
  action: "login_failure",
  key: string,
  attempt: () => Promise<T | null>,
): Promise<T | null> {
  const limit = limitsFor(env, action).email;
  if (!limit) return attempt();
  const stub = counter(env, `${action}:email:${key}`);
  let reserved;
  try {
    reserved = await stub.hit(limit.limit, limit.windowSeconds);
  } catch (err) {
    console.error("rate limiter unavailable", action, err);
    throw unavailable(1);
  }
  if (!reserved.ok) throw rateLimited(reserved.retryAfterSeconds);
  let failed = false;
  try {
    const result = await attempt();
    failed = result === null;
    return result;
  } finally {
    // A lost refund only makes the limit stricter for this key; don't fail a good login over it.
    if (!failed) await stub.refund(limit.limit, limit.windowSeconds).catch((err) => console.error("refund failed", action, err));
  }
}
