import { ApiError, unavailable } from "../errors";

const SITEVERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

export type TurnstileFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Optional configuration not declared in wrangler.toml (so absent from the generated `Env`). */
export type TurnstileEnv = Env & {
  /** Turnstile secret key; when unset, joining the queue needs no challenge. */
  TURNSTILE_SECRET?: string;
};

let siteverify: TurnstileFetch = (url, init) => fetch(url, init);

/** Replaces the call to Cloudflare's siteverify (tests run without network); no argument restores it. */
export function setTurnstileFetch(f?: TurnstileFetch): void {
  siteverify = f ?? ((url, init) => fetch(url, init));
}

export type TurnstileResult = { ok: true } | { ok: false; reason: "missing" | "rejected" | "unreachable" };

/** Verifies a Turnstile response token with Cloudflare's siteverify endpoint. */
export async function verifyTurnstile(secret: string, token: string | undefined, ip: string | undefined): Promise<TurnstileResult> {
  if (!token) return { ok: false, reason: "missing" };
  const form = new FormData();
  form.set("secret", secret);
  form.set("response", token);
  if (ip) form.set("remoteip", ip);
  let outcome: unknown;
  try {
    const res = await siteverify(SITEVERIFY_URL, { method: "POST", body: form });
    if (!res.ok) return { ok: false, reason: "unreachable" };
    outcome = await res.json();
  } catch (err) {
    console.error("turnstile siteverify failed", err);
    return { ok: false, reason: "unreachable" };
  }
  const success = typeof outcome === "object" && outcome !== null && (outcome as { success?: unknown }).success === true;
  return success ? { ok: true } : { ok: false, reason: "rejected" };
}

/**
 * The human check before joining a queue, when `TURNSTILE_SECRET` is set: the response token
 * comes in the body or in `CF-Turnstile-Response`. Throws 403 `turnstile_failed` when it is
 * missing or rejected, 503 when siteverify cannot be reached; without the secret, passes.
 */
export async function assertHuman(env: Env, bodyToken: string | undefined, headers: Headers): Promise<void> {
  const secret = (env as TurnstileEnv).TURNSTILE_SECRET;
  if (!secret) return;
  const token = bodyToken ?? headers.get("CF-Turnstile-Response") ?? undefined;
  const check = await verifyTurnstile(secret, token, headers.get("CF-Connecting-IP") ?? undefined);
  if (check.ok) return;
  if (check.reason === "unreachable") throw unavailable(5, "The human check is unavailable; try again shortly.");
  throw new ApiError(
    403,
    "turnstile_failed",
    check.reason === "missing" ? "Complete the human check (turnstile_token) to join the queue." : "The human check failed; try again.",
  );
}
