import type { EventRow } from "../../platform/db/event-rows";
import { WaitingRoomInput } from "../catalog/input";
import type { WaitingRoomConfig } from "../../shared/waiting-room";

/**
 * The event's `waiting_room` JSON. `max_active_sessions` (optional, null = no cap) is a
 * waiting-room extension stored in the same JSON column, so the catalog's type omits it.
 */
export type WaitingRoomSettings = NonNullable<EventRow["waitingRoom"]> & { max_active_sessions?: number | null };

/** Settings of events created without a waiting room, when the organizer turns one on later: the creation defaults. */
export const DEFAULT_SETTINGS: WaitingRoomSettings = WaitingRoomInput.parse({ enabled: false });

/** The event's waiting room object (one per event). */
export function roomFor(env: Pick<Env, "WAITING_ROOM">, eventId: string) {
  return env.WAITING_ROOM.get(env.WAITING_ROOM.idFromName(eventId));
}

/** What the object needs to know about the event. */
export function roomConfig(event: Pick<EventRow, "onSaleAt" | "waitingRoom">): WaitingRoomConfig {
  const s: WaitingRoomSettings = { ...DEFAULT_SETTINGS, ...event.waitingRoom };
  return {
    enabled: s.enabled,
    onSaleAt: Date.parse(event.onSaleAt),
    admitPerMinute: s.admit_per_minute,
    sessionSeconds: s.session_seconds,
    maxActiveSessions: s.max_active_sessions ?? null,
  };
}
