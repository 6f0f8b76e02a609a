/**
 * Incremental bundles on the device: what `GET .../bundle?since=<cursor>` answers and how it is
 * put on top of the last full bundle. Pure (no DOM, no storage), tested in workerd.
 *
 * The device keeps the full bundle as downloaded and, beside it, the deltas received since (one
 * small record per poll with changes, dropped at the next full bundle), so a poll never
 * rewrites the megabyte-sized bundle in IndexedDB; in memory they are merged into one overlay.
 * Applying a change twice is harmless: revoked ids are a set and an entry replaces the one of
 * the same ticket (the server may send a change again).
 */
import type { GateBundleDelta, HeldCheckedIn, HeldGateBundle } from "../shared/gate";
import type { Conflict } from "./store";
import type { Verifier } from "./verify";

/** What one delta changed, as stored on the device; `cursor` is the one to send after it. */
export type DeltaChanges = Pick<GateBundleDelta, "cursor" | "revoked" | "checked_in">;

/**
 * The deltas received since the stored full bundle, merged; `cursor` is the one to send next.
 * Merged with a held bundle, its entries may be ones stored by an earlier version.
 */
export type DeltaOverlay = Pick<DeltaChanges, "cursor" | "revoked"> & { checked_in: HeldCheckedIn[] };

export function mergeDelta(overlay: DeltaOverlay | undefined, d: DeltaOverlay): DeltaOverlay {
  const revoked = new Set(overlay?.revoked);
  for (const id of d.revoked) revoked.add(id);
  const checkedIn = new Map((overlay?.checked_in ?? []).map((c) => [c.ticket_id, c]));
  for (const c of d.checked_in) checkedIn.set(c.ticket_id, c);
  return { cursor: d.cursor, revoked: [...revoked], checked_in: [...checkedIn.values()] };
}

/** The bundle as the device knows it now: the stored full bundle with the overlay on top. */
export function withOverlay(bundle: HeldGateBundle, overlay: DeltaOverlay | undefined): HeldGateBundle {
  if (!overlay) return bundle;
  return { ...bundle, ...mergeDelta({ cursor: bundle.cursor ?? "", revoked: bundle.revoked, checked_in: bundle.checked_in ?? [] }, overlay) };
}

/** Puts a delta into a prepared verifier, so the next scan already sees it. */
export function applyToVerifier(v: Verifier, d: Pick<GateBundleDelta, "revoked" | "checked_in">): void {
  for (const id of d.revoked) v.revoked.add(id);
  for (const c of d.checked_in)
    v.checkedInElsewhere.set(c.ticket_id, { at: c.first_scanned_at, deviceId: c.first_device_id, deviceName: c.first_device_name });
}

/**
 * Tickets this device let in that the server's entries show were let in elsewhere too: another
 * gate was first, or came after (more than one entry). From a full bundle or a delta alike.
 */
export function entryConflicts(entries: HeldCheckedIn[], admittedHere: ReadonlyMap<string, string>, deviceId: string): Conflict[] {
  const out: Conflict[] = [];
  for (const c of entries) {
    const here = admittedHere.get(c.ticket_id);
    if (here && (c.first_device_id !== deviceId || c.first_scanned_at < here || (c.valid_scans ?? 1) > 1))
      out.push({ ...c, scanned_here_at: here });
  }
  return out;
}
