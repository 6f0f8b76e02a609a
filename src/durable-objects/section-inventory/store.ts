/**
 * What SectionInventory needs from its storage, whatever the section's kind. Two strategies
 * implement it: reserved seats (`reserved-store.ts`: seat rows plus the held holds in memory)
 * and general admission (`ga-store.ts`: counters plus hold rows). Both keep ended holds as
 * rows (`hold-rows.ts`), so late calls can tell "expired" from "released" from "unknown".
 *
 * Every method is synchronous: the object calls them with no await between a check and its
 * write, which is what makes each call one atomic step.
 */
import type { HoldMove } from "../../shared/inventory/seat-state";
import type { SeatSnapshot, SectionHoldRequest, SectionHoldResult } from "../../shared/inventory/types";
import type { HoldRecord } from "./hold-rows";

export interface SectionStore {
  readonly kind: "reserved" | "ga";
  /** Takes a new hold, or says why not (a refusal, or `wrong_kind` for the other form of request). */
  hold(req: SectionHoldRequest): SectionHoldResult;
  /** A hold by id, held or ended. */
  find(holdId: string): HoldRecord | undefined;
  /** Moves a hold along one edge of the seat state machine, with its hold row, atomically. */
  move(hold: HoldRecord, move: HoldMove): void;
  /** Held holds with `expires_at <= now`. */
  due(now: number): HoldRecord[];
  /** Earliest `expires_at` of a held hold, or null. */
  nextExpiry(): number | null;
  counts(): { capacity: number; held: number; sold: number };
  /** The kind's own part of a snapshot: the GA price, or every seat with its status. */
  details(): { price_cents: number } | { seats: SeatSnapshot[] };
  /**
   * Waitlist pool (README, "Waitlist"): seats or places set aside for waiting entries. They
   * are not `available` (a browsing hold cannot take them; maps show them held) and only a
   * hold with `fromPool` takes them. Each method is one synchronous step.
   */
  /** Pools what of `hold` is available now (called right after the hold freed it). */
  pool(hold: HoldRecord): Pooled;
  /** Pools everything available. */
  poolAll(): Pooled;
  /** Makes every pooled seat or place available again. */
  unpool(): Pooled;
  pooledCount(): number;
  /** Takes `quantity` pooled seats or places as a held hold (the offer), or refuses with `sold_out`. */
  holdFromPool(req: SectionHoldRequest & { quantity: number }): SectionHoldResult;
  /** Test hook (see `SectionInventory.backdateForTest`): sets a held hold's expiry. */
  backdate(holdId: string, expiresAt: number): void;
}

/** What a pool move touched: how many, and which seats (none for GA). */
export interface Pooled {
  count: number;
  seats: string[];
}

/** The hold id pooled seat rows carry: never a real hold id (those are `hld_...`). */
export const POOL_HOLD_ID = "waitlist_pool";

/** A hold id that is already here: a retried call gets the same answer, anything else is a bug. */
export function retried(store: SectionStore, req: SectionHoldRequest): SectionHoldResult {
  const existing = store.find(req.holdId);
  if (existing?.status === "held" && existing.userId === req.userId) return existing.totalCents;
  throw new Error(`hold: hold id ${req.holdId} already used`);
}
