import type { Context } from "hono";
import { readApiAnswer, type ApiAnswer } from "../../shared/api-answer";
import type { AppEnv } from "../app-env";
import { sessionCookieToken } from "../middleware/session";

/** The app's own fetch: page actions go through the public API, so each rule stays in one place. */
export type ApiFetch = (req: Request, env: Env, ctx: Context["executionCtx"]) => Response | Promise<Response>;

export type { ApiAnswer };

export interface ApiCallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the session cookie's token as the bearer token (default true when there is one). */
  auth?: boolean;
}

/**
 * Calls the JSON API in-process as the signed-in buyer (the cookie's token becomes the bearer
 * token), keeping the caller's IP so per-IP limits still see the person behind the page.
 */
export async function callApi<T = any>(
  c: Context<AppEnv>,
  api: ApiFetch,
  method: string,
  path: string,
  opts: ApiCallOptions = {},
): Promise<ApiAnswer<T>> {
  const headers = new Headers(opts.headers);
  const token = opts.auth === false ? undefined : sessionCookieToken(c);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const ip = c.req.header("CF-Connecting-IP");
  if (ip) headers.set("CF-Connecting-IP", ip);
  // The page's cf-ray: the API call's log line then carries the page request's X-Request-Id.
  const ray = c.req.header("cf-ray");
  if (ray) headers.set("cf-ray", ray);
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers.set("Content-Type", "application/json");
  }
  const url = new URL(path, c.req.url);
  const res = await api(new Request(url, { method, headers, body }), c.env, c.executionCtx);
  return readApiAnswer<T>(res, "Something went wrong on our side.");
}
