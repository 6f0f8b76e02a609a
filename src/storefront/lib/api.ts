import type { ApiErrorBody } from "../../shared/seat-map-wire";

export type ApiResult<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; error: ApiErrorBody["error"]; retryAfter?: number };

/**
 * Calls the JSON API as the signed-in buyer: the browser sends the HttpOnly session cookie
 * and `Sec-Fetch-Site: same-origin`, which is what the API's CSRF rule asks of cookie requests.
 */
export async function api<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
  const init: RequestInit = { method, headers: { ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, error: { code: "offline", message: "No connection. Check your network and try again." } };
  }
  const json = (await res.json().catch(() => null)) as any;
  if (res.ok) return { ok: true, status: res.status, body: json as T };
  const retry = Number(res.headers.get("Retry-After"));
  return {
    ok: false,
    status: res.status,
    error: json?.error ?? { code: "internal", message: "Something went wrong on our side. Try again." },
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
  };
}
