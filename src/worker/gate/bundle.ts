import type { FullBundleNeeded, GateBundle, GateBundleDelta } from "../../shared/gate";
import { publicStatus, type EventRow } from "../../platform/db/event-rows";
import { publicJwks } from "../../platform/tickets/keys";
import { bundleDelta, encodeCursor, keysFingerprint, lastSeqSql, type BundleCursor } from "./changes";
import type { GateDevice } from "./devices";
import { firstScansOf, toFirstScan, type FirstScanRow } from "./scans";
import { revokedOfEventSql } from "./ticket-status";

/**
 * Everything a scanner needs to decide verdicts with no network: the event, the keys that
 * verify its tickets, the revoked ticket ids and (an extension of the contract) the first
 * entry of every ticket already checked in, so a ticket used at another gate shows DUPLICATE.
 * `cursor` (extension) asks for what changed after this bundle (`?since=`).
 */
export async function gateBundle(env: Env, event: EventRow, device: GateDevice) {
  const generatedAt = new Date().toISOString();
  // The cursor's seq is read before the rows (statements of a batch run in order): every
  // change up to it is in this bundle, and any later one comes with the first delta.
  const [[last, revoked, checkedIn], jwks] = await Promise.all([
    env.DB.batch<Record<string, unknown>>([
      env.DB.prepare(lastSeqSql).bind(event.id),
      env.DB.prepare(revokedOfEventSql).bind(event.id),
      env.DB.prepare(firstScansOf("")).bind(event.id),
    ]),
    publicJwks(env),
  ]);
  const cursor: BundleCursor = { eventId: event.id, seq: Number(last?.results[0]?.seq ?? 0), keys: await keysFingerprint(jwks) };
  return {
    kind: "full",
    event: {
      event_id: event.id,
      name: event.name,
      city: event.city,
      starts_at: event.startsAt,
      ends_at: event.endsAt,
      status: publicStatus(event),
      ticket_issuer: env.TICKET_ISSUER,
    },
    jwks,
    revoked: ((revoked?.results ?? []) as { id: string }[]).map((r) => r.id),
    generated_at: generatedAt,
    device: { device_id: device.id, name: device.name },
    checked_in: ((checkedIn?.results ?? []) as FirstScanRow[]).map(toFirstScan),
    cursor: encodeCursor(cursor),
  } satisfies GateBundle;
}

/**
 * The answer to `?since=`: the changes after the cursor and the cursor to send next, or
 * `full_bundle_needed` when a delta cannot bring the device up to date (keys changed, too
 * many changes). `undefined` for a cursor this server never handed out for this event.
 */
export async function gateBundleSince(env: Env, event: EventRow, since: BundleCursor) {
  const generatedAt = new Date().toISOString();
  if (since.eventId !== event.id) return undefined;
  const delta = await bundleDelta(env, event.id, since);
  switch (delta.kind) {
    case "cursor_ahead":
      return undefined;
    case "full_bundle_needed":
      return { kind: delta.kind, reason: delta.reason, generated_at: generatedAt } satisfies FullBundleNeeded;
    case "delta":
      return {
        kind: delta.kind,
        revoked: delta.revoked,
        checked_in: delta.checked_in,
        generated_at: generatedAt,
        cursor: encodeCursor(delta.cursor),
      } satisfies GateBundleDelta;
  }
}
