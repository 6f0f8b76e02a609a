import type { Context } from "hono";
import type { WaitUntil } from "./read-through";

/**
 * Where a request's cache refreshes and Cache API writes run after its answer. An app called
 * without an execution context (a bare `app.request` in a test) has none: the cache then
 * awaits its writes instead.
 */
export function background(c: Context): WaitUntil | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
