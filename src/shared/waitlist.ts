/**
 * Waitlist wire types and rules shared by the Waitlist object, the section objects that pool
 * returned seats for it, the Worker routes and the email consumer. Design: README, "Waitlist".
 */
import { idPattern } from "./ids";

export type WaitlistStatus = "waiting" | "offered" | "purchased" | "expired" | "left";

/** One entry as the object answers it (epoch ms times); the routes turn it into the contract's JSON. */
export interface WaitlistEntryView {
  entryId: string;
  eventId: string;
  userId: string;
  quantity: number;
  section: string | null;
  /** 1-based rank among waiting entries; null once the entry is no longer waiting. */
  position: number | null;
  status: WaitlistStatus;
  holdId: string | null;
  offerExpiresAt: number | null;
}

export interface WaitlistCounts {
  waiting: number;
  offered: number;
  purchased: number;
  expired: number;
  left: number;
  waiting_quantity: number;
}

/** What the route hands the object on a join: the entry and the event facts fixed at creation. */
export interface WaitlistJoinRequest {
  /** The X-Request-Id of the join's request, for the object's log lines (see `CallContext`). */
  requestId?: string;
  entryId: string;
  eventId: string;
  userId: string;
  quantity: number;
  section: string | null;
  offerSeconds: number;
  maxTicketsPerUser: number;
  /** Every section key of the event. */
  sections: string[];
}

export type WaitlistJoinResult = { ok: true; entry: WaitlistEntryView } | { ok: false; reason: "already_on_waitlist" };

export type WaitlistLeaveResult =
  | { ok: true; entry: WaitlistEntryView }
  | { ok: false; reason: "not_found" }
  /** The offer's hold is being paid or is paid: the entry is purchased, not left. */
  | { ok: false; reason: "purchased" }
  /** The buyer's ledger could not be reached to release the offer; try again. */
  | { ok: false; reason: "unavailable" };

/** A section's answer about its waitlist pool. */
export interface SectionPoolState {
  /** Seats (or GA places) a browsing buyer could hold now. */
  available: number;
  /** Seats (or places) set aside for the waitlist: returned while it had waiting entries. */
  pooled: number;
}

/**
 * The head entry (the oldest waiting one) may be passed over by later, smaller entries that
 * fit what came back, but only for this long after it was first passed over. After that,
 * returned seats gather in the pools for the head alone until it fits (or leaves). README.
 */
export const WAITLIST_SKIP_SECONDS = 600;

/** The reminder email goes this long before an offer expires: a quarter of the offer time, at most 15 minutes. */
export const reminderLeadMs = (offerSeconds: number) => Math.min(15 * 60_000, (offerSeconds * 1000) / 4);

/** Entry ids carry their event (like hold ids), so `DELETE /waitlist/{id}` finds the object without a lookup. */
const ENTRY_ID = /^wle_([0-9a-z]{20})([0-9a-z]{20})$/;
const EVENT_ID = idPattern("evt");
const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";

export function makeEntryId(eventId: string): string {
  if (!EVENT_ID.test(eventId)) throw new Error(`makeEntryId: not an event id: ${eventId}`);
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let r = "";
  for (const b of bytes) r += BASE32[b & 31];
  return `wle_${r}${eventId.slice("evt_".length)}`;
}

export function parseEntryId(entryId: string): { eventId: string } | null {
  const m = ENTRY_ID.exec(entryId);
  return m ? { eventId: `evt_${m[2]}` } : null;
}

/** The one Waitlist object of an event. */
export const waitlistObjectName = (eventId: string) => `${eventId}:waitlist`;

/** Messages the Waitlist object puts on EMAIL_QUEUE. */
export type WaitlistEmailJob = {
  kind: "waitlist_offer" | "waitlist_reminder";
  entry_id: string;
  event_id: string;
  user_id: string;
  hold_id: string;
  quantity: number;
  section: string;
  offer_expires_at: string;
};
