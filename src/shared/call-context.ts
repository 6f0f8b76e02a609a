/**
 * Who caused an object's work, for the object's own JSON log lines: the request id
 * (`X-Request-Id`) of the request that made the call, so `wrangler tail --search <id>` finds
 * the object's lines beside the request's. Objects keep it only for the lines of that call
 * (the checkout saga also stores it with a queued step, so a later retry can say who queued it).
 *
 * How it travels, one rule: a method whose argument is a request object takes it as fields of
 * that object (`CreateHoldRequest & CallContext`); a method with positional arguments takes a
 * `CallContext` as an optional last argument. Both are optional, so an older caller (or one with
 * no request, like a queue consumer) still calls the same method.
 */
export interface CallContext {
  /** The `X-Request-Id` of the request that caused the call. */
  requestId?: string;
  /** What caused the work when no request did; absent means a request. */
  trigger?: Exclude<Trigger, "request">;
}

/** What started a piece of an object's work. */
/** `pool`: a section told the waitlist it pooled seats (a release or expiry it noticed, not a request). */
export type Trigger = "request" | "alarm" | "queue" | "pool";

/** Work an object's own alarm started: no request caused it. */
export const ALARM: CallContext = Object.freeze({ trigger: "alarm" });

/** Work a section's pool notice started (the waitlist's match pass). */
export const POOL_NOTICE: CallContext = Object.freeze({ trigger: "pool" });

/** The fields every object log line starts with. */
export function causeOf(ctx: CallContext | undefined): { request_id: string | null; trigger: Trigger } {
  return { request_id: ctx?.requestId ?? null, trigger: ctx?.trigger ?? "request" };
}
