import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

export type RateLimitedAction = "join_queue" | "hold" | "order" | "auth";

/**
 * Per-user and per-IP limit for an action; past it, 429 `rate_limited` with `Retry-After`.
 * (Owned by the abuse-limits work; a pass-through until it lands.)
 */
export function rateLimit(_action: RateLimitedAction) {
  return createMiddleware<AppEnv>(async function rateLimitMiddleware(_c, next) {
    await next();
  });
}
