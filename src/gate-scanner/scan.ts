/** A scanned or typed code: its verdict, logged before it is shown, and the camera switch. */
import { startCameraScanner } from "./camera";
import { renderStatus, showVerdict } from "./render";
import { $, state } from "./state";
import { addScan } from "./store";
import { syncs } from "./sync";
import { verifyTicket } from "./verify";

export async function check(text: string, source: "camera" | "manual") {
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
  // Only the scan goes up: changes come with the timer's poll (POLL_EVERY_MS in sync.ts).
  if (navigator.onLine) void syncs.upload();
}

export async function toggleCamera() {
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
