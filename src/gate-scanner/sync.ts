/** Talking to the server: scan uploads, polls for changes since the cursor, full bundles. */
import type { GateBundleSince } from "../shared/gate";
import { ApiFailure, fetchBundle, fetchChanges, uploadScans } from "./api";
import { applyToVerifier, entryConflicts, mergeDelta } from "./bundle-delta";
import { renderConflicts, renderStatus, showBundleHeader } from "./render";
import { $, state } from "./state";
import { getKv, markUploaded, pendingScans, saveDelta, saveFullBundle, setKv, type Conflict, type ScanRecord, type Session } from "./store";
import { syncQueue, type SyncJob } from "./sync-queue";
import { prepareVerifier } from "./verify";

const UPLOAD_BATCH = 100;
/**
 * How often an online scanner asks for what changed since its bundle (`bundle?since=`): how
 * fast a refund or another gate's entry reaches it (the worst case is argued in README.md,
 * "Freshness").
 */
export const POLL_EVERY_MS = 5_000;
/**
 * The full bundle is downloaded again only by "Sync now", at enrolment, when the server asks
 * for it, and when the last one is this old: a safety net (event details, keys that retired),
 * not the way changes arrive.
 */
const FULL_EVERY_MS = 15 * 60_000;

export const syncs = syncQueue(runSync);

async function runSync(job: SyncJob) {
  const session = state.session;
  if (!session || !navigator.onLine) return;
  $("sync-now").setAttribute("aria-busy", "true");
  try {
    const conflicts = new Map(((await getKv("conflicts")) ?? []).map((c) => [c.ticket_id, c]));
    const revokedAfter = new Set((await getKv("revokedAfterEntry")) ?? []);
    for (;;) {
      const batch = await pendingScans(session.deviceId, UPLOAD_BATCH);
      if (batch.length === 0) break;
      const sendable = batch.filter((s): s is ScanRecord & { ticketId: string } => s.ticketId !== null);
      const answer = await uploadScans(
        session.token,
        session.eventId,
        session.deviceId,
        sendable.map((s) => ({ ticket_id: s.ticketId, scanned_at: s.scannedAt, verdict: s.verdict })),
      );
      for (const d of answer.duplicates) {
        const here = sendable.find((s) => s.ticketId === d.ticket_id && s.verdict === "VALID");
        if (here) conflicts.set(d.ticket_id, { ...d, scanned_here_at: here.scannedAt });
      }
      for (const id of answer.revoked ?? []) {
        revokedAfter.add(id);
        // Known before the next bundle: show it again as REVOKED rather than DUPLICATE.
        state.verifier?.revoked.add(id);
      }
      await markUploaded(batch.map((s) => s.id!));
      state.pending = Math.max(0, state.pending - batch.length);
    }
    if (job === "refresh") await refreshBundle(session, conflicts);
    else if (job === "poll") await pollChanges(session, conflicts);
    state.syncError = undefined;
    await Promise.all([
      setKv("conflicts", [...conflicts.values()] satisfies Conflict[]),
      setKv("revokedAfterEntry", [...revokedAfter]),
    ]);
    await renderConflicts();
  } catch (err) {
    state.syncError =
      err instanceof ApiFailure && (err.status === 401 || err.status === 403)
        ? "This device's sign-in is no longer valid. Ask the organizer for a new enrol link."
        : navigator.onLine
          ? `Sync failed: ${(err as Error).message}. Scanning still works offline.`
          : undefined;
  } finally {
    $("sync-now").removeAttribute("aria-busy");
    renderStatus();
  }
}

/** "Last synced" is when the device last heard from the server: how old its revocation list is. */
async function refreshBundle(session: Session, conflicts: Map<string, Conflict>) {
  const bundle = await fetchBundle(session.token, session.eventId);
  // Another gate's earlier entry for a ticket let in here is a duplicate found at sync.
  for (const c of entryConflicts(bundle.checked_in ?? [], state.admittedHere, session.deviceId)) conflicts.set(c.ticket_id, c);
  state.verifier = await prepareVerifier(bundle);
  state.cursor = bundle.cursor;
  state.overlay = undefined;
  state.lastSyncedAt = new Date().toISOString();
  state.fullBundleAt = state.lastSyncedAt;
  await saveFullBundle(bundle, state.lastSyncedAt);
  showBundleHeader(bundle);
}

/** Brings the changes since the cursor into the verifier; falls back to the full bundle when the server cannot. */
async function pollChanges(session: Session, conflicts: Map<string, Conflict>) {
  const cursor = state.cursor;
  if (!cursor || !state.verifier) return refreshBundle(session, conflicts);
  let answer: GateBundleSince;
  try {
    answer = await fetchChanges(session.token, session.eventId, cursor);
  } catch (err) {
    // 400: a cursor this server does not know (another event's, a reset server): start over.
    if (err instanceof ApiFailure && err.status === 400) return refreshBundle(session, conflicts);
    throw err;
  }
  if (answer.kind !== "delta") return refreshBundle(session, conflicts);
  for (const c of entryConflicts(answer.checked_in, state.admittedHere, session.deviceId)) conflicts.set(c.ticket_id, c);
  applyToVerifier(state.verifier, answer);
  const changes = answer.cursor !== cursor ? { cursor: answer.cursor, revoked: answer.revoked, checked_in: answer.checked_in } : undefined;
  if (changes) state.overlay = mergeDelta(state.overlay, changes);
  state.cursor = answer.cursor;
  state.lastSyncedAt = new Date().toISOString();
  await saveDelta(changes, state.lastSyncedAt);
}

export const fullBundleDue = () => !state.fullBundleAt || Date.now() - Date.parse(state.fullBundleAt) >= FULL_EVERY_MS;
