import { readApiAnswer, type ApiAnswer } from "../../shared/api-answer";

export type ApiResult<T> = ApiAnswer<T>;

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
  return readApiAnswer<T>(res, "Something went wrong on our side. Try again.");
}
