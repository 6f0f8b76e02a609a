import { idPattern, newId } from "../ids";

/**
 * Hold ids carry the event id so that `/api/v1/holds/:holdId` can find the buyer's ledger
 * (`${eventId}:${userId}`) without a lookup table: `hld_<20 random><20 event id chars>`.
 * Clients treat them as opaque.
 */
const EVENT_ID = idPattern("evt");
const HOLD_ID = /^hld_([0-9a-z]{20})([0-9a-z]{20})$/;

export function makeHoldId(eventId: string): string {
  if (!EVENT_ID.test(eventId)) throw new Error(`makeHoldId: not an event id: ${eventId}`);
  return newId("hld") + eventId.slice("evt_".length);
}

/** The event a hold id belongs to, or null for anything that is not a hold id. */
export function parseHoldId(holdId: string): { eventId: string } | null {
  const m = HOLD_ID.exec(holdId);
  return m ? { eventId: `evt_${m[2]}` } : null;
}

/** Durable Object names (TEAM.md "Cross-team interfaces"). */
export const sectionObjectName = (eventId: string, sectionKey: string) => `${eventId}:${sectionKey}`;
export const ledgerObjectName = (eventId: string, userId: string) => `${eventId}:${userId}`;
