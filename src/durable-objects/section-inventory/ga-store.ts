/**
 * General admission: places, not seats. The `ga_places` row's held/sold counters are the
 * truth, guarded by a CHECK (never past capacity); every hold, held or ended, has a row in
 * `holds`, and the due index on it finds expiries.
 */
import { SEAT_MOVES, HOLD_STATUS_AFTER, holdStatusBefore, type HoldMove, type SeatStatus } from "../../shared/inventory/seat-state";
import type { SectionHoldRequest, SectionHoldResult } from "../../shared/inventory/types";
import type { HoldRecord, HoldRows } from "./hold-rows";
import { retried, type Pooled, type SectionStore } from "./store";

export class GaStore implements SectionStore {
  readonly kind = "ga";
  /** Fixed by init. */
  private readonly priceCents: number;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly rows: HoldRows,
  ) {
    this.priceCents = storage.sql.exec<{ price_cents: number }>("SELECT price_cents FROM ga_places WHERE id = 1").one().price_cents;
  }

  static create(sql: SqlStorage, capacity: number, priceCents: number): void {
    sql.exec("INSERT INTO ga_places (id, capacity, price_cents) VALUES (1, ?, ?)", capacity, priceCents);
  }

  hold(req: SectionHoldRequest): SectionHoldResult {
    if (!("quantity" in req)) return { ok: false, reason: "wrong_kind", kind: "ga" };
    const quantity = req.quantity;
    if (!Number.isSafeInteger(quantity) || quantity < 1) throw new Error("hold: quantity must be a positive integer");
    const total = quantity * this.priceCents;
    const hold: HoldRecord = { holdId: req.holdId, userId: req.userId, status: "held", quantity, totalCents: total, expiresAt: req.expiresAt, seats: [] };
    if (!this.rows.insert(hold, "held")) return retried(this, req);
    // The guard and the increment are one statement: the counter can never pass capacity.
    const cur = this.storage.sql.exec("UPDATE ga_places SET held = held + ?1 WHERE id = 1 AND capacity - held - sold >= ?1 RETURNING held", quantity);
    if (cur.toArray().length > 0) return total;
    this.rows.delete(req.holdId);
    const { capacity, held, sold } = this.counts();
    return { ok: false, reason: "sold_out", available: capacity - held - sold };
  }

  find(holdId: string): HoldRecord | undefined {
    return this.rows.find(holdId);
  }

  move(hold: HoldRecord, move: HoldMove): void {
    const { from, to }: { from: SeatStatus; to: SeatStatus } = SEAT_MOVES[move];
    const before = holdStatusBefore(move);
    this.storage.transactionSync(() => {
      this.rows.setStatus(hold.holdId, before, HOLD_STATUS_AFTER[move]);
      // Leave the `from` bucket, enter the `to` bucket.
      const delta = (state: SeatStatus) => (to === state ? hold.quantity : 0) - (from === state ? hold.quantity : 0);
      this.storage.sql.exec("UPDATE ga_places SET held = held + ?, sold = sold + ? WHERE id = 1", delta("held"), delta("sold"));
    });
  }

  due(now: number): HoldRecord[] {
    return this.rows.due(now);
  }

  nextExpiry(): number | null {
    return this.rows.nextExpiry();
  }

  counts() {
    return this.storage.sql.exec<{ capacity: number; held: number; sold: number }>("SELECT capacity, held, sold FROM ga_places WHERE id = 1").one();
  }

  details() {
    return { price_cents: this.priceCents };
  }

  backdate(holdId: string, expiresAt: number): void {
    this.rows.setExpiry(holdId, expiresAt);
  }

  // Pooled places count in `held` too (pooled <= held), so the hold path's guard
  // (`capacity - held - sold`) already leaves them alone: browsing holds are unchanged.
  pool(hold: HoldRecord): Pooled {
    const n = this.storage.sql
      .exec("UPDATE ga_places SET held = held + ?1, pooled = pooled + ?1 WHERE id = 1 AND capacity - held - sold >= ?1 RETURNING 1", hold.quantity)
      .toArray().length;
    return { count: n === 0 ? 0 : hold.quantity, seats: [] };
  }

  poolAll(): Pooled {
    const { capacity, held, sold } = this.counts();
    const free = capacity - held - sold;
    if (free > 0) this.storage.sql.exec("UPDATE ga_places SET held = held + ?1, pooled = pooled + ?1 WHERE id = 1", free);
    return { count: free, seats: [] };
  }

  unpool(): Pooled {
    const n = this.pooledCount();
    if (n > 0) this.storage.sql.exec("UPDATE ga_places SET held = held - pooled, pooled = 0 WHERE id = 1");
    return { count: n, seats: [] };
  }

  pooledCount(): number {
    return this.storage.sql.exec<{ pooled: number }>("SELECT pooled FROM ga_places WHERE id = 1").one().pooled;
  }

  holdFromPool(req: SectionHoldRequest & { quantity: number }): SectionHoldResult {
    const quantity = req.quantity;
    if (!Number.isSafeInteger(quantity) || quantity < 1) throw new Error("hold: quantity must be a positive integer");
    const total = quantity * this.priceCents;
    const hold: HoldRecord = { holdId: req.holdId, userId: req.userId, status: "held", quantity, totalCents: total, expiresAt: req.expiresAt, seats: [] };
    if (!this.rows.insert(hold, "held")) return retried(this, req);
    // The places stay in `held`: they only change from pooled to this hold's.
    if (this.storage.sql.exec("UPDATE ga_places SET pooled = pooled - ?1 WHERE id = 1 AND pooled >= ?1 RETURNING 1", quantity).toArray().length > 0) return total;
    this.rows.delete(req.holdId);
    return { ok: false, reason: "sold_out", available: this.pooledCount() };
  }
}
