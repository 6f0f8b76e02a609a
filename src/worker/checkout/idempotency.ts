import { ApiError, conflict, errorBody } from "../errors";

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** The (user, key) a running request has claimed. */
export interface KeyClaim {
  userId: string;
  key: string;
}

export interface IdempotentHandlers {
  /**
   * The request itself, run once per key. `stored: true` when it stored its answer itself, in
   * the transaction of its last write (`storeAnswerStatement`): then nothing is written after it.
   */
  run: (claim: KeyClaim) => Promise<StoredResponse & { stored?: boolean }>;
  /**
   * The answer for a key whose order was written but not answered yet: its first request
   * died after the write (or is still finishing). Null when that order is gone (undone) or
   * cannot be finished now (then the first request's answer is waited for, as for any key).
   */
  resume: (orderId: string) => Promise<StoredResponse | null>;
}

/**
 * Records the order a claimed key wrote. Part of the order's own batch, conditional on the
 * order row: the key's outcome commits with the order or not at all.
 */
export function linkOrderStatement(env: Pick<Env, "DB">, claim: KeyClaim, orderId: string): D1PreparedStatement {
  return env.DB.prepare(
    `UPDATE idempotency_keys SET order_id = ?3
     WHERE user_id = ?1 AND key = ?2 AND EXISTS (SELECT 1 FROM orders WHERE id = ?3)`,
  ).bind(claim.userId, claim.key, orderId);
}

/** Undoes `linkOrderStatement` once the order is gone (after its delete, in the same batch). */
export function unlinkOrderStatement(env: Pick<Env, "DB">, claim: KeyClaim, orderId: string): D1PreparedStatement {
  return env.DB.prepare(
    `UPDATE idempotency_keys SET order_id = NULL
     WHERE user_id = ?1 AND key = ?2 AND order_id = ?3 AND NOT EXISTS (SELECT 1 FROM orders WHERE id = ?3)`,
  ).bind(claim.userId, claim.key, orderId);
}

/**
 * Stores a claimed key's answer as part of another batch, when `guard` (SQL with its bindings)
 * holds: the answer commits with the write it describes. Changes nothing once the key is answered.
 */
export function storeAnswerStatement(
  env: Pick<Env, "DB">,
  claim: KeyClaim,
  res: StoredResponse,
  guard: { sql: string; binds: unknown[] },
): D1PreparedStatement {
  return env.DB.prepare(
    `UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ?
     WHERE user_id = ? AND key = ? AND state = 'in_progress' AND ${guard.sql}`,
  ).bind(res.status, JSON.stringify(res.body), claim.userId, claim.key, ...guard.binds);
}

/** How long a repeated request waits for the first one to finish before giving up with 409. */
const WAIT_MS = 15_000;
const POLL_MS = 50;
/** An `in_progress` claim older than this belongs to a request that is no longer running. */
const ABANDONED_MS = 60_000;

/** SHA-256 of the request's canonical JSON (sorted keys), so formatting does not matter. */
export async function requestHash(method: string, path: string, body: unknown): Promise<string> {
  const canonical = JSON.stringify([method, path, sortKeys(body)]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  }
  return v;
}

/**
 * Runs `run` once per (user, key). The first request claims the key with an insert that only
 * one racer can win; the others wait for its answer and get it back (`replayed: true`),
 * or 409 `idempotency_conflict` when their body differs. Answers to bad requests (4xx) are
 * kept like successes; a server failure frees the key so the client may retry.
 *
 * A key whose order is written (`order_id`, committed with the order) is answered from that
 * order by `resume` at once, so an answer lost in a crash after the write is recovered with
 * the same key, and such a key is never run again.
 */
export async function idempotent(
  env: Pick<Env, "DB">,
  userId: string,
  key: string,
  hash: string,
  { run, resume }: IdempotentHandlers,
): Promise<StoredResponse & { replayed: boolean }> {
  const claim = { userId, key };
  const fn = () => run(claim);
  // Once per request: if it cannot finish the order now, the first request's answer is waited for.
  let resumeTried = false;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const claimed = await env.DB.prepare(
      "INSERT INTO idempotency_keys (user_id, key, request_hash, state) VALUES (?, ?, ?, 'in_progress') ON CONFLICT DO NOTHING",
    )
      .bind(userId, key, hash)
      .run();
    if (claimed.meta.changes === 1) return { ...(await runAndStore(env, userId, key, fn)), replayed: false };
    // A first attempt that died without an answer (isolate gone) would block the key forever.
    const takenOver = await env.DB.prepare(
      `UPDATE idempotency_keys SET created_at = ? WHERE user_id = ? AND key = ? AND request_hash = ?
         AND state = 'in_progress' AND order_id IS NULL AND created_at < ?`,
    )
      .bind(new Date().toISOString(), userId, key, hash, new Date(Date.now() - ABANDONED_MS).toISOString())
      .run();
    if (takenOver.meta.changes === 1) return { ...(await runAndStore(env, userId, key, fn)), replayed: false };

    for (;;) {
      const row = await env.DB.prepare(
        "SELECT request_hash, state, response_status, response_body, order_id FROM idempotency_keys WHERE user_id = ? AND key = ?",
      )
        .bind(userId, key)
        .first<{ request_hash: string; state: string; response_status: number | null; response_body: string | null; order_id: string | null }>();
      if (!row) break; // the first attempt failed and freed the key: claim it again
      if (row.request_hash !== hash) {
        throw conflict("idempotency_conflict", "This Idempotency-Key was used with a different request body.");
      }
      if (row.state === "done") {
        return { status: row.response_status!, body: JSON.parse(row.response_body!), replayed: true };
      }
      if (row.order_id && !resumeTried) {
        resumeTried = true;
        const res = await resume(row.order_id);
        if (res) {
          await store(env, userId, key, res);
          return { ...res, replayed: true };
        }
      }
      if (Date.now() >= deadline) {
        throw conflict("idempotency_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly.");
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

async function runAndStore(
  env: Pick<Env, "DB">,
  userId: string,
  key: string,
  fn: () => Promise<StoredResponse & { stored?: boolean }>,
): Promise<StoredResponse> {
  let res: StoredResponse & { stored?: boolean };
  try {
    res = await fn();
  } catch (err) {
    if (err instanceof ApiError && err.status < 500 && err.status !== 429) {
      await store(env, userId, key, { status: err.status, body: errorBody(err.code, err.message, err.details) });
    } else {
      // A key with a written order keeps it: a retry finishes that order instead of placing another.
      await env.DB.prepare("DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND order_id IS NULL").bind(userId, key).run();
    }
    throw err;
  }
  const { stored, ...answer } = res;
  if (!stored) await store(env, userId, key, answer);
  return answer;
}

async function store(env: Pick<Env, "DB">, userId: string, key: string, res: StoredResponse): Promise<void> {
  await env.DB.prepare(
    "UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ? WHERE user_id = ? AND key = ?",
  )
    .bind(res.status, JSON.stringify(res.body), userId, key)
    .run();
}
