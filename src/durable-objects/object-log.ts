import { causeOf, type CallContext } from "../shared/call-context";

/**
 * One JSON line of an object's work, in the shape of the Worker's request line: `msg`, then
 * `request_id` (null for alarm work) and `trigger`, then the line's own fields. Errors go to
 * `console.error`, so `wrangler tail --status error` shows them.
 */
export function objectLog(msg: string, ctx: CallContext | undefined, fields: Record<string, unknown> = {}, level: "log" | "error" = "log"): void {
  const line = JSON.stringify({ msg, ...causeOf(ctx), ...fields });
  if (level === "error") console.error(line);
  else console.log(line);
}

/** An error as one short string for a log line. */
export const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));
