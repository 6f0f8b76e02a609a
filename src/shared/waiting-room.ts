/**
 * What the Worker and the WaitingRoom object exchange over RPC, and the JSON of a queue place
 * that both send to clients (the queue routes and the position socket).
 */

/** What the Worker pushes from the event row (`waiting_room` JSON and `on_sale_at`). */
export interface WaitingRoomConfig {
  enabled: boolean;
  /** Epoch milliseconds. */
  onSaleAt: number;
  admitPerMinute: number;
  sessionSeconds: number;
  /** Optional cap on sessions live at once: a lapsing session frees a place for the next in line. */
  maxActiveSessions?: number | null;
}

/** A place in the queue; times are epoch milliseconds. */
export type PlaceView =
  | { status: "waiting"; queueId: string; position: number; etaSeconds: number }
  | { status: "admitted"; queueId: string; admittedAt: number; expiresAt: number }
  | { status: "expired"; queueId: string; expiredAt: number };

export type JoinResult = ({ ok: true } & PlaceView) | { ok: false; reason: "disabled" };
export type StatusResult = ({ ok: true } & PlaceView) | { ok: false; reason: "not_found" };

export interface WaitingRoomStats {
  enabled: boolean;
  sealed: boolean;
  early: number;
  late: number;
  admitted: number;
  waiting: number;
  admitPerMinute: number;
  sessionSeconds: number;
  maxActiveSessions: number | null;
  /** Sessions admitted and not yet lapsed. */
  activeSessions: number;
}

/** A place as clients see it: each position socket message, and the core of each queue answer. */
export type PlaceJson =
  | { queue_id: string; status: "waiting"; position: number; eta_seconds: number }
  | { queue_id: string; status: "admitted"; expires_at: string }
  | { queue_id: string; status: "expired"; expired_at: string };

/**
 * The answer of `POST .../queue` and `GET .../queue/{queue_id}`: a waiting place adds its
 * `ws_url`, an admitted one its admission token (and position and ETA 0).
 */
export type QueueAnswer =
  | (Extract<PlaceJson, { status: "waiting" }> & { ws_url: string })
  | (Extract<PlaceJson, { status: "admitted" }> & { position: 0; eta_seconds: 0; admission_token: string })
  | Extract<PlaceJson, { status: "expired" }>;

/** The JSON of a place; the result has the place's own `status`. */
export function placeJson<V extends PlaceView>(view: V): Extract<PlaceJson, { status: V["status"] }>;
export function placeJson(view: PlaceView): PlaceJson {
  switch (view.status) {
    case "waiting":
      return { queue_id: view.queueId, status: view.status, position: view.position, eta_seconds: view.etaSeconds };
    case "admitted":
      return { queue_id: view.queueId, status: view.status, expires_at: new Date(view.expiresAt).toISOString() };
    case "expired":
      return { queue_id: view.queueId, status: view.status, expired_at: new Date(view.expiredAt).toISOString() };
  }
}
