/** The gate scanner app: enrolment, sync, scanning and the verdict screen. */
import { ApiFailure, fetchBundle, fetchChanges, uploadScans } from "./api";
import { applyToVerifier, entryConflicts, mergeDelta, withOverlay, type DeltaOverlay, type SinceAnswer } from "./bundle-delta";
import { startCameraScanner, type CameraScanner } from "./camera";
import {
  addScan,
  getKv,
  markUploaded,
  pendingScans,
  resetForEnrolment,
  saveDelta,
  saveFullBundle,
  scansOf,
  storedDeltas,
  setKv,
  type Conflict,
  type ScanRecord,
  type Session,
} from "./store";
import { syncQueue, type SyncJob } from "./sync-queue";
import { prepareVerifier, verifyTicket, type GateBundle, type InvalidReason, type Verifier, type VerifyResult } from "./verify";

const UPLOAD_BATCH = 100;
/**
 * How often an online scanner asks for what changed since its bundle (`bundle?since=`): new
 * revocations and other gates' entries. Revocations reach the device only this way (an upload
 * answer names a revoked ticket only after it was let in), and other gates' entries this way
 * or from the upload answer of a scan here (one round trip after the verdict).
 *
 * Worst case, online with the app on screen: a refund, or an entry that another gate uploaded,
 * committed just after the server read the changes for one poll is in the next poll, whose
 * timer tick comes at most POLL_EVERY_MS later; if a scan's upload is in flight then, the poll
 * queues behind that upload (never skipped), then uploads what is pending and asks. So about
 * 5 s plus two uploads and one small delta round trip (for another gate's entry, plus that
 * gate's own upload, which starts as soon as it scans). A poll that fails is retried at the
 * next tick: each failure adds 5 s. A poll the server cannot serve from the cursor (keys
 * changed, too many changes, unknown cursor) downloads the full bundle in the same job, so it
 * adds one bundle download, not a tick. Browsers slow the timers of hidden pages; showing the
 * page polls at once. Offline, nothing arrives: the status line says how old the data is.
 *
 * No conditional request (ETag/304) on the full bundle: its `checked_in` changes with every
 * entry at any gate, so while doors are open it has always changed; the cursor is what makes
 * an unchanged answer cheap (an empty delta is about a hundred bytes).
 */
const POLL_EVERY_MS = 5_000;
/**
 * The full bundle is downloaded again only by "Sync now", at enrolment, when the server asks
 * for it, and when the last one is this old: a safety net (event details, keys that retired),
 * not the way changes arrive.
 */
const FULL_EVERY_MS = 15 * 60_000;

const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

const state = {
  session: undefined as Session | undefined,
  verifier: undefined as Verifier | undefined,
  /** Ticket id -> when this device first admitted it (VALID). */
  admittedHere: new Map<string, string>(),
  recent: [] as ScanRecord[],
  camera: undefined as CameraScanner | undefined,
  lastSyncedAt: undefined as string | undefined,
  /** Where the next poll starts: the overlay's cursor, else the full bundle's. */
  cursor: undefined as string | undefined,
  overlay: undefined as DeltaOverlay | undefined,
  /** When the stored full bundle was downloaded (device clock): the timer downloads a new one past FULL_EVERY_MS. */
  fullBundleAt: undefined as string | undefined,
  syncError: undefined as string | undefined,
  pending: 0,
};

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function decodeTokenClaims(token: string): Session | undefined {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/"))) as Record<string, unknown>;
    if (json.role !== "staff" || typeof json.dev !== "string" || typeof json.evt !== "string" || typeof json.exp !== "number")
      return undefined;
    return { token, deviceId: json.dev, eventId: json.evt, exp: json.exp };
  } catch {
    return undefined;
  }
}

/** `enroll_url` carries the device token in the fragment: store it, then drop it from the address bar. */
async function enrolFromFragment(): Promise<string | undefined> {
  const match = /^#enroll=(.+)$/.exec(location.hash);
  if (!match?.[1]) return undefined;
  history.replaceState(null, "", location.pathname + location.search);
  const session = decodeTokenClaims(decodeURIComponent(match[1]));
  if (!session) return "This enrol link is not valid. Ask the organizer for a new one.";
  if (session.exp * 1000 < Date.now()) return "This enrol link has expired. Ask the organizer for a new one.";
  const current = await getKv("session");
  if (current?.token !== session.token) await resetForEnrolment(session);
  return undefined;
}

// ---------- rendering ----------

const REASONS: Record<InvalidReason, string> = {
  malformed: "Not a ticket code",
  unknown_key: "Not signed by this event's box office",
  bad_signature: "Forged or altered ticket",
  wrong_event: "Ticket for another event",
  wrong_issuer: "Not issued by this box office",
  expired: "Ticket has expired",
  not_yet_valid: "Ticket is dated in the future",
};

function place(r: { section: string | null; seat: string | null }) {
  if (r.seat) return `Seat ${r.seat}${r.section ? ` · Section ${r.section}` : ""}`;
  return r.section ? `Section ${r.section} (standing)` : "";
}

function describe(r: VerifyResult): string {
  switch (r.verdict) {
    case "VALID":
      return `${place(r)} · Let in`;
    case "DUPLICATE":
      return r.where === "here"
        ? `Do not let in · already scanned by this device at ${time(r.firstScannedAt)} · ${place(r)}`
        : `Do not let in · already let in at ${r.firstDeviceName ?? "another gate"} at ${time(r.firstScannedAt)} · ${place(r)}`;
    case "REVOKED":
      return `Do not let in · ticket was refunded or cancelled · ${place(r)}`;
    case "INVALID":
      return `Do not let in · ${REASONS[r.reason]}`;
    default:
      return assertNever(r);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

function showVerdict(r: VerifyResult) {
  const box = $("verdict");
  box.className = `verdict verdict-${r.verdict.toLowerCase()}`;
  $("verdict-word").textContent = r.verdict;
  $("verdict-detail").textContent = ` ${describe(r)}`;
  $("verdict-ticket").textContent = r.ticketId ? `Ticket ${r.ticketId}` : "";
  box.dataset.verdict = r.verdict;
  box.dataset.ticket = r.ticketId ?? "";
  navigator.vibrate?.(r.verdict === "VALID" ? 80 : [200, 80, 200]);
}

/** Past this, refunds made since the last sync may let a revoked ticket through: say so. */
const STALE_MS = 60 * 60_000;

function syncAge(iso: string) {
  const minutes = Math.floor((Date.now() - Date.parse(iso)) / 60_000);
  if (minutes < 1) return "just now";
  const age = minutes < 120 ? `${minutes} min ago` : `${Math.floor(minutes / 60)} h ago`;
  return minutes * 60_000 > STALE_MS ? `${age}: refunds since then are not known, sync when you can` : age;
}

function renderStatus() {
  const online = navigator.onLine;
  const net = $("net");
  net.textContent = online ? "Online" : "Offline";
  net.className = `pill ${online ? "pill-online" : "pill-offline"}`;
  $("count").textContent = String(state.admittedHere.size);
  $("sync-status").textContent = state.lastSyncedAt
    ? `Last synced ${time(state.lastSyncedAt)} (${syncAge(state.lastSyncedAt)})`
    : "Not synced yet: connect to the internet once before the doors open.";
  $("sync-status").classList.toggle("error", !!state.lastSyncedAt && Date.now() - Date.parse(state.lastSyncedAt) > STALE_MS);
  $("sync-status").dataset.syncedAt = state.lastSyncedAt ?? "";
  $("pending").textContent = state.pending ? `${state.pending} scan(s) waiting to upload` : "All scans uploaded";
  $("pending").dataset.pending = String(state.pending);
  $("sync-error").textContent = state.syncError ?? "";
  const list = $("recent");
  list.replaceChildren(
    ...state.recent.slice(0, 8).map((s) => {
      const li = document.createElement("li");
      li.className = `recent-${s.verdict.toLowerCase()}`;
      li.textContent = `${time(s.scannedAt)} ${s.verdict} ${s.seat ?? s.section ?? ""} ${s.ticketId ?? ""}`.trim();
      return li;
    }),
  );
}

async function renderConflicts() {
  const conflicts = (await getKv("conflicts")) ?? [];
  const revokedAfter = (await getKv("revokedAfterEntry")) ?? [];
  $("conflicts").hidden = conflicts.length === 0 && revokedAfter.length === 0;
  $("conflict-list").replaceChildren(
    ...conflicts.map((c) => {
      const li = document.createElement("li");
      li.dataset.ticket = c.ticket_id;
      li.textContent =
        state.session?.deviceId === c.first_device_id && c.first_scanned_at === c.scanned_here_at
          ? `DUPLICATE ${c.ticket_id}: let in here first at ${time(c.first_scanned_at)}, then let in again at another gate (${c.valid_scans ?? 2} entries)`
          : `DUPLICATE ${c.ticket_id}: let in here at ${time(c.scanned_here_at)}, but first let in at ${c.first_device_name ?? c.first_device_id} at ${time(c.first_scanned_at)}`;
      return li;
    }),
    ...revokedAfter.map((id) => {
      const li = document.createElement("li");
      li.dataset.ticket = id;
      li.textContent = `REVOKED ${id}: let in here, but the ticket had been refunded`;
      return li;
    }),
  );
}

// ---------- scanning ----------

async function check(text: string, source: "camera" | "manual") {
  const session = state.session;
  if (!session || !state.verifier) {
    $("verdict-detail").textContent = " Sync once before scanning.";
    return;
  }
  const result = await verifyTicket(text, state.verifier, { now: Date.now(), firstScanHere: (id) => state.admittedHere.get(id) });
  const scannedAt = new Date().toISOString();
  if (result.verdict === "VALID") state.admittedHere.set(result.ticketId, scannedAt);
  // The scan is in the log before staff see the verdict: a reload or crash right after a
  // VALID must not forget the entry, or the same ticket would be let in again.
  const record = await addScan({
    eventId: session.eventId,
    deviceId: session.deviceId,
    ticketId: result.ticketId,
    scannedAt,
    verdict: result.verdict,
    ...(result.verdict === "INVALID" ? { reason: result.reason } : {}),
    section: result.section,
    seat: result.seat,
    // Codes we could not read an id from have nothing to reconcile.
    uploaded: result.ticketId ? 0 : 1,
  });
  state.recent.unshift(record);
  if (record.uploaded === 0) state.pending++;
  showVerdict(result);
  $("verdict").dataset.source = source;
  renderStatus();
  // Only the scan goes up: changes come with the timer's poll (see POLL_EVERY_MS).
  if (navigator.onLine) void syncs.upload();
}

async function toggleCamera() {
  const button = $<HTMLButtonElement>("camera-toggle");
  if (state.camera) {
    state.camera.stop();
    state.camera = undefined;
    $("video").hidden = true;
    button.textContent = "Start camera";
    $("camera-status").textContent = "Camera off";
    return;
  }
  button.disabled = true;
  $("camera-status").textContent = "Starting camera…";
  try {
    $("video").hidden = false;
    state.camera = await startCameraScanner($<HTMLVideoElement>("video"), (text) => check(text, "camera"));
    button.textContent = "Stop camera";
    $("camera-status").textContent = `Camera on: hold the ticket's QR code in the frame (${state.camera.kind} decoder)`;
  } catch (err) {
    $("video").hidden = true;
    $("camera-status").textContent = `Camera unavailable (${(err as Error).message}). Type or paste the ticket code below.`;
  } finally {
    button.disabled = false;
  }
}

// ---------- sync ----------

const syncs = syncQueue(runSync);

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

function showBundleHeader(bundle: GateBundle) {
  $("event-name").textContent = bundle.event.name;
  $("device-name").textContent = bundle.device?.name ? `Device: ${bundle.device.name}` : "";
}

/** Brings the changes since the cursor into the verifier; falls back to the full bundle when the server cannot. */
async function pollChanges(session: Session, conflicts: Map<string, Conflict>) {
  const cursor = state.cursor;
  if (!cursor || !state.verifier) return refreshBundle(session, conflicts);
  let answer: SinceAnswer;
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

const fullBundleDue = () => !state.fullBundleAt || Date.now() - Date.parse(state.fullBundleAt) >= FULL_EVERY_MS;

// ---------- start ----------

async function start() {
  const enrolError = await enrolFromFragment();
  state.session = await getKv("session");
  if (!state.session || enrolError) {
    $("enrol-needed").hidden = false;
    if (enrolError) $("enrol-error").textContent = enrolError;
    return;
  }
  $("scanner").hidden = false;
  const [bundle, bundleFetchedAt, deltas, lastSyncedAt, scans] = await Promise.all([
    getKv("bundle"),
    getKv("bundleFetchedAt"),
    storedDeltas(),
    getKv("lastSyncedAt"),
    scansOf(state.session.deviceId),
  ]);
  for (const s of scans) {
    if (s.verdict === "VALID" && s.ticketId && !state.admittedHere.has(s.ticketId)) state.admittedHere.set(s.ticketId, s.scannedAt);
    if (s.uploaded === 0) state.pending++;
  }
  state.recent = scans.reverse();
  state.lastSyncedAt = lastSyncedAt;
  if (bundle) {
    const overlay = deltas.reduce<DeltaOverlay | undefined>(mergeDelta, undefined);
    const known = withOverlay(bundle, overlay);
    state.verifier = await prepareVerifier(known);
    state.cursor = known.cursor;
    state.overlay = overlay;
    state.fullBundleAt = bundleFetchedAt;
    showBundleHeader(bundle);
  }
  renderStatus();
  await renderConflicts();

  $("camera-toggle").addEventListener("click", () => void toggleCamera());
  $("sync-now").addEventListener("click", () => void syncs.refresh());
  $("manual-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const field = $<HTMLTextAreaElement>("manual");
    const text = field.value;
    field.value = "";
    if (text.trim()) void check(text, "manual");
  });
  addEventListener("online", () => {
    renderStatus();
    void syncs.poll();
  });
  addEventListener("offline", renderStatus);
  setInterval(() => {
    renderStatus();
    void (fullBundleDue() ? syncs.refresh() : syncs.poll());
  }, POLL_EVERY_MS);
  // Browsers slow down timers of hidden pages: a phone woken up at the gate polls at once.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void syncs.poll();
  });
  document.body.dataset.ready = "true";
  // Without a bundle (or a cursor) the poll downloads the full bundle.
  void syncs.poll();
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("./sw.js", { scope: "./" })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      $("offline-ready").textContent = "Ready to work offline";
      document.body.dataset.offlineReady = "true";
    })
    .catch((err) => console.warn("service worker", err));
}

void start();
