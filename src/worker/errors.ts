import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error shape of the public contract:
 * `{"error": {"code", "message", "details"?}}`. Routes throw `ApiError`; `onError`
 * below is the only place that writes an error body.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Seconds; sent as `Retry-After` (contract: required with 429 and 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new ApiError(400, "invalid_request", message, details);
export const unauthenticated = (message = "A valid bearer token is required.") =>
  new ApiError(401, "unauthenticated", message);
export const forbidden = (message = "You are not allowed to do this.", code = "forbidden") =>
  new ApiError(403, code, message);
export const notFound = (what = "Resource") => new ApiError(404, "not_found", `${what} not found.`);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(409, code, message, details);
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(422, code, message, details);
export const rateLimited = (retryAfter: number, message = "Too many requests; try again later.") =>
  new ApiError(429, "rate_limited", message, undefined, retryAfter);
export const unavailable = (retryAfter: number, message = "Temporarily unavailable; try again shortly.") =>
  new ApiError(503, "unavailable", message, undefined, retryAfter);

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function respondError(c: Context, err: ApiError): Response {
  c.set("errorCode", err.code);
  if (err.retryAfter !== undefined) c.header("Retry-After", String(Math.max(1, Math.ceil(err.retryAfter))));
  return c.json(errorBody(err.code, err.message, err.details), err.status);
}

/** `app.onError`: known errors keep their status; anything else is a logged, generic 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return respondError(c, err);
  if (err instanceof HTTPException) {
    // Hono's own failures (e.g. malformed JSON from c.req.json()) are client errors.
    const status = err.status as ContentfulStatusCode;
    const code = status === 413 ? "payload_too_large" : status === 401 ? "unauthenticated" : status < 500 ? "invalid_request" : "internal";
    const message = err.message || "Request could not be processed.";
    // The contract promises `details.issues` on every 400, including bodies that are not JSON.
    const details = status === 400 ? { issues: [{ path: "", message, code: "invalid_json" }] } : undefined;
    return c.json(errorBody(code, message, details), status);
  }
  c.set("errorCode", "internal");
  console.error("unhandled error", c.get("requestId"), c.req.method, c.req.path, err);
  return c.json(errorBody("internal", "Something went wrong on our side."), 500);
}

export function onNotFound(c: Context): Response {
  return c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}.`), 404);
}
