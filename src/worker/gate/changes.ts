import { base64url } from "jose";
import { z } from "zod";
import type { CheckedIn, FullBundleNeeded } from "../../shared/gate";
import type { PublicJwk } from "../../shared/tickets";
import { publicJwks } from "../../platform/tickets/keys";
import { firstScansOf, toFirstScan, type FirstScanRow } from "./scans";

/**
 * Incremental bundles: what changed for an event's scanners since a cursor, read from the
 * `gate_changes` log (see its schema for why its `seq` orders changes by commit).
 *
 * A cursor is `seq` of the last change the client has, the event it belongs to and a
 * fingerprint of the JWKS its bundle carries. It is opaque to clients (base64url JSON).
 */
export interface BundleCursor {
  eventId: string;
  seq: number;
  keys: string;
}

const CURSOR_VERSION = 1;

/** Past this many changes a delta is no cheaper than the full bundle: the client is told to fetch that. */
export const MAX_DELTA_CHANGES = 5000;

export function encodeCursor(c: BundleCursor): string {
  return base64url.encode(JSON.stringify({ v: CURSOR_VERSION, e: c.eventId, s: c.seq, k: c.keys }));
}

const CursorJson = z.object({
  v: z.literal(CURSOR_VERSION),
  e: z.string().min(1).max(64),
  s: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  k: z.string().min(1).max(64),
});

/** A `since` query value: decodes to a cursor, or is a zod issue on `since` (400 invalid_request). */
export const CursorParam = z
  .string()
  .max(300)
  .regex(/^[A-Za-z0-9_-]+$/, "since must be a cursor from an earlier bundle answer")
  .transform((raw, ctx): BundleCursor => {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(base64url.decode(raw)));
    } catch {
      json = undefined;
    }
    const parsed = CursorJson.safeParse(json);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", message: "since must be a cursor from an earlier bundle answer" });
      return z.NEVER;
    }
    return { eventId: parsed.data.e, seq: parsed.data.s, keys: parsed.data.k };
  });

/**
 * Which keys a bundle carries, as a short digest. A delta cannot add keys: when the event's
 * JWKS differs from the one the cursor was made with (a rotation, or a retired key's last
 * ticket leaving), the client needs the full bundle.
 */
export async function keysFingerprint(jwks: { keys: PublicJwk[] }): Promise<string> {
  const lines = jwks.keys.map((k) => `${k.kid}:${k.x}`).sort();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines.join("\n"))));
  return base64url.encode(digest.slice(0, 12));
}

/** ?1 event id: the newest change of the event (0 before the first). */
export const lastSeqSql = `SELECT COALESCE(MAX(seq), 0) AS seq FROM gate_changes WHERE event_id = ?1`;

export type BundleDelta =
  | { kind: "delta"; cursor: BundleCursor; revoked: string[]; checked_in: CheckedIn[] }
  | { kind: "full_bundle_needed"; reason: FullBundleNeeded["reason"] }
  | { kind: "cursor_ahead"; lastSeq: number };

/**
 * The changes of `eventId` after `since.seq`. The new cursor is the largest seq among the
 * change rows this one statement returned (or `since.seq` when there were none): since seqs
 * commit in order, every change up to it is in the answer, and one that commits while this
 * runs has a larger seq and comes with the next poll. The `checked_in` entries are read after
 * that, so they may already include newer scans; those changes come again next time, and the
 * client replaces entries by ticket id, so a repeat is harmless.
 */
export async function bundleDelta(
  env: Pick<Env, "DB" | "TICKET_SIGNING_KEYS">,
  eventId: string,
  since: BundleCursor,
  maxChanges = MAX_DELTA_CHANGES,
): Promise<BundleDelta> {
  // The keys are read alongside the changes (one round trip for the poll, not two).
  const [keys, [changes, last]] = await Promise.all([
    publicJwks(env).then(keysFingerprint),
    env.DB.batch<{ seq: number; kind: string; ticket_id: string }>([
      env.DB.prepare(
        `SELECT seq, kind, ticket_id FROM gate_changes WHERE event_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3`,
      ).bind(eventId, since.seq, maxChanges + 1),
      env.DB.prepare(lastSeqSql).bind(eventId),
    ]),
  ]);
  if (since.keys !== keys) return { kind: "full_bundle_needed", reason: "keys_changed" };
  const rows = changes?.results ?? [];
  const lastSeq = Math.max((last?.results[0]?.seq as number | undefined) ?? 0, rows.at(-1)?.seq ?? 0);
  // A cursor from another database (a reset dev store) or made up: its seq was never handed out here.
  if (since.seq > lastSeq) return { kind: "cursor_ahead", lastSeq };
  if (rows.length > maxChanges) return { kind: "full_bundle_needed", reason: "too_many_changes" };

  const revoked = new Set<string>();
  const entered = new Set<string>();
  for (const r of rows) (r.kind === "revoked" ? revoked : entered).add(r.ticket_id);
  const checkedIn: CheckedIn[] = [];
  if (entered.size > 0) {
    const { results } = await env.DB.prepare(firstScansOf("AND s.ticket_id IN (SELECT value FROM json_each(?2))"))
      .bind(eventId, JSON.stringify([...entered]))
      .all<FirstScanRow>();
    checkedIn.push(...results.map(toFirstScan));
  }
  return {
    kind: "delta",
    cursor: { eventId, seq: rows.at(-1)?.seq ?? since.seq, keys: since.keys },
    revoked: [...revoked],
    checked_in: checkedIn,
  };
}
