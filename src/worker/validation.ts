import type { Context, MiddlewareHandler, ValidationTargets } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { ApiError, badRequest } from "./errors";

/** Zod issues as the contract's `details.issues`: where, and what is wrong. */
export function zodIssues(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message, code: i.code }));
}

export function invalid(error: z.ZodError, what = "Request"): ApiError {
  return new ApiError(400, "invalid_request", `${what} is invalid.`, { issues: zodIssues(error) });
}

/**
 * `zValidator` with the contract's error: a failure is a 400 `invalid_request` carrying
 * `details.issues`, thrown so that `app.onError` writes it. JSON bodies that do not parse
 * are answered the same way instead of as Hono's plain-text 400.
 */
export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  return validator(target, async (value, c: Context) => {
    const parsed = await schema.safeParseAsync(value);
    if (!parsed.success) throw invalid(parsed.error, target === "json" ? "Request body" : `Request ${target}`);
    return parsed.data as z.output<S>;
  }) as MiddlewareHandler<any, string, { in: { [K in T]: z.input<S> }; out: { [K in T]: z.output<S> } }>;
}

/** Parses a path parameter or other single value; 400 when it does not match. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error, what);
  return parsed.data;
}

/**
 * A JSON body that may be absent: an empty body (whatever its Content-Type) reads as `{}`.
 * Read as JSON whatever its Content-Type, unlike `validate("json")`, which skips bodies not
 * labelled JSON (a form-labelled `curl -d '{...}'` would silently mean "no options").
 */
export async function optionalJsonBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const text = await req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw badRequest("Request body is not valid JSON.", { issues: [{ path: "", message: "Malformed JSON", code: "invalid_json" }] });
    }
  }
  return parseOr400(schema, value, "Request body");
}
