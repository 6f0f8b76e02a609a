/** The gate scanner app: starts from the stored session and bundle, then wires the page. */
import { mergeDelta, withOverlay, type DeltaOverlay } from "./bundle-delta";
import { enrolFromFragment } from "./enrol";
import { renderConflicts, renderStatus, showBundleHeader } from "./render";
import { check, toggleCamera } from "./scan";
import { $, state } from "./state";
import { getKv, scansOf, storedDeltas } from "./store";
import { fullBundleDue, POLL_EVERY_MS, syncs } from "./sync";
import { prepareVerifier } from "./verify";

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
