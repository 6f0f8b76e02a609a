/**
 * What operators see of each request: a request id (Cloudflare's `cf-ray`, or a generated
 * one) returned as `X-Request-Id`, and one JSON log line when it ends (`wrangler tail`,
 * Workers Logs). Routes that mount `serverTiming()` also answer `Server-Timing` with the time
 * of each remote call, and their log line lists those calls.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { CallContext } from "../../shared/call-context";
import type { AppEnv } from "../app-env";
import { CallLog, instrumentEnv } from "./remote-calls";

/** `cf-ray` is `<16 hex>-<colo>`; anything else a client sends is not trusted as an id. */
const CF_RAY = /^[0-9a-f]{16}(-[A-Z]{3})?$/;

export function requestIdOf(cfRay: string | undefined): string {
  return cfRay && CF_RAY.test(cfRay) ? cfRay : crypto.randomUUID();
}

/** What a route passes into object calls so that their log lines carry the request's id. */
export const callContext = <E extends AppEnv>(c: Context<E>): CallContext => ({ requestId: c.get("requestId") as string });

/** Route parameters that are ids worth searching logs by. */
const ID_PARAMS = ["eventId", "holdId", "orderId", "paymentId", "ticketId", "venueId", "queueId", "deviceId"] as const;

/** The request log line. Mounted first, so it sees every answer, errors and 404s included. */
export function requestLog() {
  return createMiddleware<AppEnv>(async function requestLogMiddleware(c, next) {
    const start = performance.now();
    const requestId = requestIdOf(c.req.header("cf-ray"));
    c.set("requestId", requestId);
    c.header("X-Request-Id", requestId);
    await next();
    if (c.res.headers.get("X-Request-Id") !== requestId) {
      try {
        c.res.headers.set("X-Request-Id", requestId);
      } catch {
        // Immutable headers (a WebSocket upgrade): the log line still carries the id.
      }
    }
    const principal = c.get("principal");
    const params = c.req.param() as Record<string, string | undefined>;
    const ids = Object.fromEntries(ID_PARAMS.filter((p) => params[p]).map((p) => [p.replace(/Id$/, "_id"), params[p]]));
    const calls = c.get("remoteCalls")?.calls;
    const line = {
      msg: "request",
      request_id: requestId,
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - start) * 10) / 10,
      role: principal?.role ?? "anonymous",
      ...(principal ? { user_id: principal.userId } : {}),
      ...ids,
      ...(c.get("errorCode") ? { error_code: c.get("errorCode") } : {}),
      ...(calls ? { remote_calls: calls.length, remote_ms: Math.round(calls.reduce((n, x) => n + x.ms, 0) * 10) / 10 } : {}),
    };
    if (c.res.status >= 500) console.error(JSON.stringify(line));
    else console.log(JSON.stringify(line));
  });
}

/**
 * Times every remote call the rest of the route makes (through `c.env`) and answers
 * `Server-Timing`. Mount it first on a route so the rate limit and auth are timed too.
 */
export function serverTiming() {
  return createMiddleware<AppEnv>(async function serverTimingMiddleware(c, next) {
    const start = performance.now();
    const log = new CallLog();
    c.set("remoteCalls", log);
    c.env = instrumentEnv(c.env, log);
    await next();
    try {
      c.res.headers.set("Server-Timing", log.serverTiming(performance.now() - start));
    } catch {
      // Immutable headers: nothing to add to.
    }
  });
}
