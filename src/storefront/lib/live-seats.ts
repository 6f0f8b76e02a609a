import type { LiveClientMessage, LiveServerMessage, SeatMapJson, SectionSnapshot, SeatStatus } from "../../shared/seat-map-wire";

export interface SeatChanges {
  section: string;
  available: number;
  seats?: { seat_id: string; status: SeatStatus }[];
}

export interface LiveSeatsHandlers {
  /** A whole picture of the sections (socket snapshot or a polled seat map). */
  snapshot(sections: SectionSnapshot[]): void;
  /** One section's changes, in order. */
  changes(c: SeatChanges): void;
  /** "live" while the socket streams, "polling" while the page falls back to reading the map. */
  mode?(mode: "live" | "polling"): void;
}

const POLL_MS = 3000;
const MAX_BACKOFF_MS = 30_000;

/**
 * Follows an event's seats over `GET /api/v1/events/{id}/seats/live` (contract "Live seat map"):
 * a snapshot, then per-section changes numbered by `seq`; on a gap it asks for a resync and
 * applies nothing until the new snapshot. While the socket is down (or the server has none),
 * the seat map is polled every few seconds and the socket is retried with backoff.
 */
export function followSeats(eventId: string, on: LiveSeatsHandlers): { stop(): void } {
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/v1/events/${encodeURIComponent(eventId)}/seats/live`;
  let stopped = false;
  let socket: WebSocket | null = null;
  let pollTimer = 0;
  let retryTimer = 0;
  let backoff = 1000;
  let resyncing = false;
  const seqs = new Map<string, number>();

  const poll = async () => {
    pollTimer = 0;
    if (stopped) return;
    try {
      const res = await fetch(`/api/v1/events/${encodeURIComponent(eventId)}/seats`, { credentials: "same-origin" });
      if (res.ok) on.snapshot(((await res.json()) as SeatMapJson).sections);
    } catch {
      // Offline for a moment: the next poll tries again.
    }
    if (!stopped && !pollTimer && socket?.readyState !== WebSocket.OPEN) pollTimer = window.setTimeout(poll, POLL_MS);
  };
  const startPolling = () => {
    on.mode?.("polling");
    if (!pollTimer) pollTimer = window.setTimeout(poll, 0);
  };
  const stopPolling = () => {
    window.clearTimeout(pollTimer);
    pollTimer = 0;
  };

  const send = (ws: WebSocket, m: LiveClientMessage) => ws.send(JSON.stringify(m));

  const connect = () => {
    if (stopped) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      return scheduleRetry();
    }
    socket = ws;
    ws.onmessage = (ev) => {
      let msg: LiveServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as LiveServerMessage;
      } catch {
        return;
      }
      if (msg.type === "snapshot") {
        resyncing = false;
        backoff = 1000;
        stopPolling();
        on.mode?.("live");
        for (const s of msg.sections) if (typeof s.seq === "number") seqs.set(s.key, s.seq);
        on.snapshot(msg.sections);
      } else if (msg.type === "changes") {
        if (resyncing) return;
        const last = seqs.get(msg.section);
        if (last !== undefined && msg.seq <= last) return; // already applied
        if (last !== undefined && msg.seq !== last + 1) {
          resyncing = true;
          send(ws, { type: "resync" });
          return;
        }
        seqs.set(msg.section, msg.seq);
        on.changes(msg);
      }
    };
    ws.onclose = () => {
      if (socket === ws) socket = null;
      scheduleRetry();
    };
    ws.onerror = () => ws.close();
  };

  const scheduleRetry = () => {
    if (stopped || retryTimer) return;
    startPolling();
    retryTimer = window.setTimeout(() => {
      retryTimer = 0;
      connect();
    }, backoff);
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
  };

  connect();
  return {
    stop() {
      stopped = true;
      stopPolling();
      window.clearTimeout(retryTimer);
      socket?.close();
    },
  };
}
