/** The buyer ledger's RPC for holding a resale listing (BuyerLedger.createResaleHold). */
import type { HoldView } from "./inventory/types";

export interface ResaleHoldRequest {
  /** The X-Request-Id of the hold's request, for the ledger's log lines (see `CallContext`). */
  requestId?: string;
  eventId: string;
  userId: string;
  listingId: string;
  holdTtlSeconds: number;
  maxTicketsPerUser: number;
  /** As CreateHoldRequest.shard: the ledger shard the call was sent to, or null for a per-buyer ledger. */
  shard: number | null;
}

export type ResaleHoldResult =
  | ({ ok: true } & HoldView)
  | { ok: false; reason: "limit_exceeded"; limit: number; used: number; requested: number }
  /** Held or bought by someone else, withdrawn, the seller's own, or its ticket no longer valid. */
  | { ok: false; reason: "listing_unavailable" }
  /** D1 could not be reached; nothing is held. */
  | { ok: false; reason: "unavailable" };
