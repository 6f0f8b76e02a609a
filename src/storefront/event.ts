// The event page: picking seats (tap, click, keyboard, best available), GA quantities, holds,
// the live seat map, zoom, and the waiting room hand-off.
import { holdErrorSentence } from "../shared/hold-error-text";
import type { SectionSnapshot, SeatStatus } from "../shared/seat-map-wire";
import { admissionToken, forgetAdmission } from "./lib/admission";
import { api } from "./lib/api";
import { startPageCountdowns } from "./lib/countdown";
import { followSeats, type SeatChanges } from "./lib/live-seats";
import { hideMessage, showMessage } from "./lib/message";
import { formatMoney } from "./lib/money";

const root = document.getElementById("event")!;
const eventId = root.dataset.eventId!;
const maxPerBuyer = Number(root.dataset.max ?? 8);
const currency = root.dataset.currency ?? "usd";
const message = document.getElementById("event-message")!;
const selectionBox = document.getElementById("selection")!;
const summary = document.getElementById("selection-summary")!;
const holdButton = document.getElementById("hold-selected") as HTMLButtonElement;
const clearButton = document.getElementById("clear-selection") as HTMLButtonElement;
const eventPath = `/events/${encodeURIComponent(eventId)}`;
const queuePath = `${eventPath}/queue`;
const selectionKey = `selection:${eventId}`;

startPageCountdowns();

// Events with a waiting room: without a live admission, the buyer goes to the queue first.
if (root.dataset.waitingRoom === "true" && !admissionToken(eventId)) location.replace(queuePath);

/** Every seat button by seat id. */
const seats = new Map<string, SVGGElement>();
for (const el of document.querySelectorAll<SVGGElement>("[data-seat]")) seats.set(el.dataset.seat!, el);
const selected: string[] = [];
let blockedUntil = 0;
/**
 * Seats of the hold request in flight. The live map reports them held as soon as the hold is
 * made, before its answer arrives: that is the buyer's own hold, not someone else's.
 */
let holding = new Set<string>();

/** A seat's label: `data-label` only where it differs from the seat id. */
const labelOf = (el: SVGGElement) => el.dataset.label ?? el.dataset.seat!;

function seatName(el: SVGGElement): string {
  const status = el.dataset.status === "available" && selected.includes(el.dataset.seat!) ? "selected" : el.dataset.status;
  return `${labelOf(el)}, ${status}, ${el.dataset.price}`;
}

function paint(el: SVGGElement): void {
  const isSelected = selected.includes(el.dataset.seat!);
  const status = el.dataset.status as SeatStatus;
  el.classList.remove("s-available", "s-held", "s-sold", "s-selected");
  el.classList.add(isSelected ? "s-selected" : `s-${status}`);
  el.setAttribute("aria-label", seatName(el));
}

function flash(el: Element): void {
  el.classList.remove("flash");
  // Restart the animation on elements that flashed a moment ago.
  void (el as SVGGElement).getBBox?.();
  el.classList.add("flash");
  window.setTimeout(() => el.classList.remove("flash"), 2500);
}

function renderSelection(): void {
  const total = selected.reduce((sum, id) => sum + Number(seats.get(id)?.dataset.priceCents ?? 0), 0);
  selectionBox.hidden = selected.length === 0;
  summary.textContent =
    selected.length === 0
      ? ""
      : `${selected.length} ${selected.length === 1 ? "seat" : "seats"} selected: ${selected.map((id) => { const el = seats.get(id); return el ? labelOf(el) : id; }).join(", ")}. Total ${formatMoney(total, currency)}.`;
  holdButton.disabled = selected.length === 0 || Date.now() < blockedUntil;
  sessionStorage.setItem(selectionKey, JSON.stringify(selected));
}

function deselect(id: string): boolean {
  const i = selected.indexOf(id);
  if (i < 0) return false;
  selected.splice(i, 1);
  return true;
}

/** A seat's status changed (live, polled, or learned from a refused hold). */
function setStatus(id: string, status: SeatStatus): string | null {
  const el = seats.get(id);
  if (!el) return null;
  const before = el.dataset.status;
  el.dataset.status = status;
  let lost: string | null = null;
  if (holding.has(id)) {
    // Painted when the answer comes: on success the page moves on, on refusal the answer says which.
  } else if (status !== "available" && deselect(id)) {
    lost = labelOf(el);
    flash(el);
  } else if (before !== status && status !== "available") flash(el);
  paint(el);
  return lost;
}

function setAvailable(key: string, available: number, capacity?: number): void {
  for (const el of document.querySelectorAll<HTMLElement>(`[data-available-for="${CSS.escape(key)}"]`)) {
    const kind = el.closest<HTMLElement>("[data-kind]")?.dataset.kind;
    if (kind === "ga") el.textContent = available > 0 ? `${available} places left` : "Sold out";
    else {
      const cap = capacity ?? Number(/of (\d+)/.exec(el.textContent ?? "")?.[1] ?? 0);
      el.textContent = `${available} of ${cap} seats available`;
    }
  }
}

function applyLost(lost: string[]): void {
  if (lost.length === 0) return;
  renderSelection();
  showMessage(message, `Just taken by someone else: ${lost.join(", ")}. The rest of your selection is still picked.`);
}

function applySnapshot(sections: SectionSnapshot[]): void {
  const lost: string[] = [];
  for (const s of sections) {
    setAvailable(s.key, s.available, s.capacity);
    for (const seat of s.seats ?? []) {
      const l = seats.get(seat.seat_id)?.dataset.status !== seat.status ? setStatus(seat.seat_id, seat.status) : null;
      if (l) lost.push(l);
    }
  }
  applyLost(lost);
}

function applyChanges(c: SeatChanges): void {
  setAvailable(c.section, c.available);
  const lost: string[] = [];
  for (const seat of c.seats ?? []) {
    const l = setStatus(seat.seat_id, seat.status);
    if (l) lost.push(l);
  }
  applyLost(lost);
}

function toggle(el: SVGGElement): void {
  const id = el.dataset.seat!;
  if (el.dataset.status !== "available") {
    flash(el);
    showMessage(message, `${labelOf(el)} is ${el.dataset.status === "sold" ? "sold" : "held by someone else"}. Pick another seat.`);
    return;
  }
  if (!deselect(id)) {
    if (selected.length >= maxPerBuyer) {
      showMessage(message, `You can pick up to ${maxPerBuyer} tickets for this event.`);
      return;
    }
    selected.push(id);
  }
  hideMessage(message);
  paint(el);
  renderSelection();
}

// Tap, click and keyboard on the seats; arrows move between seats (one tab stop per section).
for (const svg of document.querySelectorAll<SVGSVGElement>("svg.seats")) {
  const rows = [...svg.querySelectorAll<SVGGElement>("g.row")].map((r) => [...r.querySelectorAll<SVGGElement>("[data-seat]")]);
  const place = new Map<SVGGElement, [row: number, col: number]>();
  rows.forEach((row, r) => row.forEach((el, c) => place.set(el, [r, c])));
  const move = (from: SVGGElement, to: SVGGElement | undefined) => {
    if (!to) return;
    from.setAttribute("tabindex", "-1");
    to.setAttribute("tabindex", "0");
    to.focus();
  };
  svg.addEventListener("click", (e) => {
    const el = (e.target as Element).closest<SVGGElement>("[data-seat]");
    if (el) toggle(el);
  });
  svg.addEventListener("keydown", (e) => {
    const el = (e.target as Element).closest<SVGGElement>("[data-seat]");
    if (!el) return;
    const [r, c] = place.get(el) ?? [0, 0];
    const nearest = (row: SVGGElement[] | undefined) => {
      if (!row?.length) return undefined;
      const x = el.getBoundingClientRect().x;
      return row.reduce((best, s) => (Math.abs(s.getBoundingClientRect().x - x) < Math.abs(best.getBoundingClientRect().x - x) ? s : best));
    };
    switch (e.key) {
      case "Enter":
      case " ":
        e.preventDefault();
        toggle(el);
        return;
      case "ArrowRight":
        e.preventDefault();
        return move(el, rows[r]?.[c + 1]);
      case "ArrowLeft":
        e.preventDefault();
        return move(el, rows[r]?.[c - 1]);
      case "ArrowDown":
        e.preventDefault();
        return move(el, nearest(rows[r + 1]));
      case "ArrowUp":
        e.preventDefault();
        return move(el, nearest(rows[r - 1]));
    }
  });
}

// Zoom for big sections: the view scrolls inside its box, never the page.
for (const section of document.querySelectorAll<HTMLElement>(".seatmap")) {
  const view = section.querySelector<HTMLElement>(".seatmap-view")!;
  const svg = view.querySelector<SVGSVGElement>("svg")!;
  const natural = Number(view.dataset.naturalWidth);
  const controls = section.querySelector<HTMLElement>(".zoom-controls")!;
  let zoom = 0; // 0 = fit the box
  const apply = () => {
    const fit = Math.min(view.clientWidth || natural, natural * 1.6);
    svg.style.width = `${zoom === 0 ? fit : Math.max(fit, natural * 0.6 * 2 ** zoom)}px`;
  };
  controls.hidden = false;
  controls.addEventListener("click", (e) => {
    const z = (e.target as HTMLElement).closest<HTMLElement>("[data-zoom]")?.dataset.zoom;
    if (z === "in") zoom = Math.min(zoom + 1, 6);
    else if (z === "out") zoom = Math.max(zoom - 1, 0);
    else if (z === "fit") zoom = 0;
    apply();
  });
  apply();
  window.addEventListener("resize", () => zoom === 0 && apply());
}

async function hold(body: Record<string, unknown>, buttons: HTMLButtonElement[]): Promise<void> {
  if (Date.now() < blockedUntil) return;
  for (const b of buttons) b.disabled = true;
  const token = admissionToken(eventId);
  holding = new Set((body.seats as string[] | undefined) ?? []);
  const res = await api<{ hold_id: string }>("POST", `/api/v1/events/${encodeURIComponent(eventId)}/holds`, body, token ? { "X-Admission-Token": token } : {});
  if (res.ok) {
    live.stop();
    sessionStorage.removeItem(selectionKey);
    location.assign(`/checkout/${encodeURIComponent(res.body.hold_id)}`);
    return;
  }
  for (const b of buttons) b.disabled = false;
  const wereHolding = holding;
  holding = new Set();
  // Seats that others took while the request was out leave the selection now.
  const gone = [...wereHolding].filter((id) => seats.get(id)?.dataset.status !== "available" && res.error.code !== "seat_unavailable");
  applyLost(gone.map((id) => setStatus(id, seats.get(id)!.dataset.status as SeatStatus)).filter((l): l is string => l !== null));
  renderSelection();
  const sentence = holdErrorSentence(res.error, res.retryAfter);
  switch (res.error.code) {
    case "unauthenticated":
      return showMessage(message, "Log in or create an account to hold seats. Your selection is kept.", {
        link: { href: `/login?next=${encodeURIComponent(eventPath)}`, text: "Log in" },
      });
    case "seat_unavailable": {
      const taken = (res.error.details?.unavailable as string[] | undefined) ?? [];
      for (const id of taken) setStatus(id, "held");
      renderSelection();
      return showMessage(message, taken.length ? `${sentence} The rest of your selection is still picked.` : sentence);
    }
    case "admission_required":
      forgetAdmission(eventId);
      return showMessage(message, sentence, { link: { href: queuePath, text: "Join the queue" } });
    case "rate_limited":
    case "unavailable": {
      const wait = res.retryAfter ?? 5;
      blockedUntil = Date.now() + wait * 1000;
      renderSelection();
      return showMessage(message, sentence.replace(/ Try again in \d+ seconds\./, ""), {
        retryAfter: wait,
        onRetry: () => {
          blockedUntil = 0;
          renderSelection();
        },
      });
    }
    case "sold_out":
      return showMessage(message, sentence);
    default:
      return showMessage(message, sentence);
  }
}

holdButton.addEventListener("click", () => hold({ seats: [...selected] }, [holdButton]));
clearButton.addEventListener("click", () => {
  const was = selected.splice(0);
  for (const id of was) {
    const el = seats.get(id);
    if (el) paint(el);
  }
  renderSelection();
});

// The best-available and GA forms post to the page without scripts; here they call the API.
for (const form of document.querySelectorAll<HTMLFormElement>("form.hold-form")) {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    hold({ section: String(data.get("section")), quantity: Number(data.get("quantity")) }, [...form.querySelectorAll("button")]);
  });
}

// A selection made before logging in comes back.
try {
  for (const id of JSON.parse(sessionStorage.getItem(selectionKey) ?? "[]") as string[]) {
    const el = seats.get(id);
    if (el?.dataset.status === "available" && !selected.includes(id)) {
      selected.push(id);
      paint(el);
    }
  }
} catch {
  sessionStorage.removeItem(selectionKey);
}
renderSelection();

const live = followSeats(eventId, {
  snapshot: applySnapshot,
  changes: applyChanges,
  mode: (m) => (root.dataset.live = m),
});
document.body.dataset.ready = "true";

// Back from checkout's "cancel": say what happened.
if (location.hash === "#released") {
  showMessage(message, "Your hold was cancelled and the seats were released.", { kind: "info" });
  history.replaceState(null, "", location.pathname + location.search);
}
