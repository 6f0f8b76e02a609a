/** The verdict screen, the status lines and the list of conflicts found at sync. */
import type { HeldGateBundle } from "../shared/gate";
import { getKv } from "./store";
import { $, state } from "./state";
import type { InvalidReason, VerifyResult } from "./verify";

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

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

export function showVerdict(r: VerifyResult) {
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

export function renderStatus() {
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

export async function renderConflicts() {
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

export function showBundleHeader(bundle: HeldGateBundle) {
  $("event-name").textContent = bundle.event.name;
  $("device-name").textContent = bundle.device?.name ? `Device: ${bundle.device.name}` : "";
}
