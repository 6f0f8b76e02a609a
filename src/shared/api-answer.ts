import type { ApiErrorBody } from "./seat-map-wire";

/** An API response as page code uses it: the JSON body, or the contract's error and any `Retry-After`. */
export type ApiAnswer<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; error: ApiErrorBody["error"]; retryAfter?: number };

/**
 * Reads an API response into an `ApiAnswer`, for the server-rendered pages and the browser
 * scripts alike. A body that is not the contract's error shape becomes `internal` with
 * `fallbackMessage`, so callers always have a sentence to show.
 */
export async function readApiAnswer<T>(res: Response, fallbackMessage: string): Promise<ApiAnswer<T>> {
  const json = (await res.json().catch(() => null)) as any;
  if (res.ok) return { ok: true, status: res.status, body: json as T };
  const retry = Number(res.headers.get("Retry-After"));
  return {
    ok: false,
    status: res.status,
    error: json?.error ?? { code: "internal", message: fallbackMessage },
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
  };
}
