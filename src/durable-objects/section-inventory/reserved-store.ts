/**
 * Reserved seats. `seats` is the truth (status and holder per seat); counts are derived from it.
 *
 * A reserved hold that is still `held` lives on its seat rows alone (hold_id, user_id,
 * expires_at), with no `holds` row and no index to maintain: taking a seat is one row update,
 * the cheapest write a hold can be (README, Benchmarks). The store keeps those holds in memory
 * too (`live`), rebuilt from the seat rows when the object starts, so that release, confirm and
 * expiry find a hold's seats without an index. The row a hold gets when it ends is written
 * then, off the hot path.
 */
import { SEAT_MOVES, HOLD_STATUS_AFTER, holdStatusBefore, type HoldMove, type SeatStatus } from "../../shared/inventory/seat-state";
import { bestAvailable } from "../../shared/inventory/best-available";
import type { LayoutSeat, SeatSnapshot, SectionHoldRequest, SectionHoldResult } from "../../shared/inventory/types";
import type { HoldRecord, HoldRows } from "./hold-rows";
import { POOL_HOLD_ID, retried, type Pooled, type SectionStore } from "./store";

export class ReservedStore implements SectionStore {
  readonly kind = "reserved";
  /** Held holds by id, as their seat rows say. */
  private readonly live = new Map<string, HoldRecord>();
  /** Seat prices, read once: the layout (and so every price) is fixed by init. */
  private readonly prices: Map<string, number>;
  /** The layout's rows in order, each its seat ids in order, and where each seat is; read on first use. */
  private layout: { rows: string[][]; at: Map<string, [row: number, index: number]> } | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly rows: HoldRows,
  ) {
    const sql = storage.sql;
    this.prices = new Map(
      sql
        .exec<{ seat_id: string; price_cents: number }>("SELECT seat_id, price_cents FROM seats")
        .toArray()
        .map((r) => [r.seat_id, r.price_cents]),
    );
    // The held holds, seats of a hold in section order.
    const held = sql.exec<{ seat_id: string; hold_id: string; user_id: string; expires_at: number }>(
      "SELECT seat_id, hold_id, user_id, expires_at FROM seats WHERE status = 'held' AND hold_id <> ? ORDER BY position",
      POOL_HOLD_ID,
    );
    for (const s of held) {
      let h = this.live.get(s.hold_id);
      if (!h) {
        h = { holdId: s.hold_id, userId: s.user_id, status: "held", quantity: 0, totalCents: 0, expiresAt: s.expires_at, seats: [] };
        this.live.set(s.hold_id, h);
      }
      h.seats.push(s.seat_id);
      h.quantity++;
      h.totalCents += this.prices.get(s.seat_id)!;
    }
  }

  static create(sql: SqlStorage, seats: LayoutSeat[]): void {
    seats.forEach((s, i) =>
      sql.exec(
        "INSERT INTO seats (seat_id, label, row_label, number, price_cents, position) VALUES (?, ?, ?, ?, ?, ?)",
        s.seat_id,
        s.label,
        s.row,
        s.number,
        s.price_cents,
        i,
      ),
    );
  }

  hold(req: SectionHoldRequest): SectionHoldResult {
    return "seats" in req ? this.holdSeats(req, req.seats) : this.holdBest(req, req.quantity);
  }

  /**
   * Best available: the seats are chosen (shared/inventory/best-available.ts) from the free
   * seats as they are now and taken by the same statements as seats asked for by id, in the
   * same synchronous step, so no other hold can come between the choice and the taking.
   */
  private holdBest(req: SectionHoldRequest, n: number): SectionHoldResult {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error("hold: quantity must be a positive integer");
    if (this.live.has(req.holdId) || this.rows.has(req.holdId)) {
      const totalCents = retried(this, req) as number;
      return { ok: true, totalCents, seats: this.live.get(req.holdId)!.seats };
    }
    const layout = this.rowLayout();
    const free = layout.rows.map((r) => r.map(() => false));
    for (const { seat_id } of this.storage.sql.exec<{ seat_id: string }>("SELECT seat_id FROM seats WHERE status = ?", SEAT_MOVES.hold.from)) {
      const [row, index] = layout.at.get(seat_id)!;
      free[row]![index] = true;
    }
    const pick = bestAvailable(free, n);
    if (!pick) return { ok: false, reason: "seat_unavailable", unavailable: [] };
    const seats = layout.rows[pick.row]!.slice(pick.start, pick.start + n);
    const taken = this.holdSeats(req, seats);
    if (typeof taken !== "number") throw new Error("hold: best available seats free but not taken");
    return { ok: true, totalCents: taken, seats };
  }

  private rowLayout() {
    if (this.layout) return this.layout;
    const rows: string[][] = [];
    const at = new Map<string, [number, number]>();
    let label: string | null = null;
    for (const s of this.storage.sql.exec<{ seat_id: string; row_label: string }>("SELECT seat_id, row_label FROM seats ORDER BY position")) {
      if (s.row_label !== label) {
        rows.push([]);
        label = s.row_label;
      }
      const row = rows[rows.length - 1]!;
      at.set(s.seat_id, [rows.length - 1, row.length]);
      row.push(s.seat_id);
    }
    this.layout = { rows, at };
    return this.layout;
  }

  /**
   * Hot path: one UPDATE per seat that checks and takes it (`WHERE status = 'available'`) and
   * writes the hold onto it; one seat, one statement. Prices come from memory, so the UPDATE
   * needs no RETURNING and no result rows to read. No savepoint: if a seat is not free, the
   * seats already taken are put back (the losing path, cheaper than a savepoint on every
   * hold), and the refusal is worked out from the seats.
   */
  private holdSeats(req: SectionHoldRequest, seats: string[]): SectionHoldResult {
    if (seats.length === 0 || (seats.length > 1 && new Set(seats).size !== seats.length)) throw new Error("hold: seat list empty or with duplicates");
    // A hold id is used once: a retry gets the live hold's answer, a reused id is refused. Ended
    // holds have a row; this primary-key probe is the one read a hold makes.
    if (this.live.has(req.holdId) || this.rows.has(req.holdId)) return retried(this, req);
    const { from, to } = SEAT_MOVES.hold;
    const sql = this.storage.sql;
    let total = 0;
    let taken = 0;
    for (const seatId of seats) {
      const price = this.prices.get(seatId);
      // Unknown seat, or not available: either way the seat was not taken (rowsWritten 0).
      if (
        price === undefined ||
        sql.exec(
          "UPDATE seats SET status = ?, hold_id = ?, user_id = ?, expires_at = ? WHERE seat_id = ? AND status = ?",
          to,
          req.holdId,
          req.userId,
          req.expiresAt,
          seatId,
          from,
        ).rowsWritten === 0
      )
        break;
      total += price;
      taken++;
    }
    if (taken === seats.length) {
      this.live.set(req.holdId, { holdId: req.holdId, userId: req.userId, status: "held", quantity: seats.length, totalCents: total, expiresAt: req.expiresAt, seats });
      return total;
    }
    for (const seatId of seats.slice(0, taken))
      sql.exec("UPDATE seats SET status = ?, hold_id = NULL, user_id = NULL, expires_at = NULL WHERE seat_id = ?", from, seatId);
    return this.refusal(seats);
  }

  /** Why seats could not be held: unknown ids, or seats someone else holds or bought. */
  private refusal(seats: string[]): SectionHoldResult {
    const unknown = seats.filter((s) => !this.prices.has(s));
    if (unknown.length > 0) return { ok: false, reason: "unknown_seats", seats: unknown };
    const unavailable = seats.filter(
      (s) => this.storage.sql.exec<{ status: string }>("SELECT status FROM seats WHERE seat_id = ?", s).one().status !== SEAT_MOVES.hold.from,
    );
    if (unavailable.length > 0) return { ok: false, reason: "seat_unavailable", unavailable };
    throw new Error("hold: seats free but not taken");
  }

  find(holdId: string): HoldRecord | undefined {
    return this.live.get(holdId) ?? this.rows.find(holdId);
  }

  /** A hold leaving `held` gets its row here (it had none while held). */
  move(hold: HoldRecord, move: HoldMove): void {
    const { from, to }: { from: SeatStatus; to: SeatStatus } = SEAT_MOVES[move];
    const before = holdStatusBefore(move);
    const after = HOLD_STATUS_AFTER[move];
    const leavesLive = before === "held";
    const sql = this.storage.sql;
    this.storage.transactionSync(() => {
      if (leavesLive) {
        if (!this.rows.insert(hold, after)) throw new Error(`${move}: hold ${hold.holdId} already has a row`);
      } else this.rows.setStatus(hold.holdId, before, after);
      // A seat leaving its holder forgets it; a sold seat keeps it (unsell checks it).
      const freed = to === "available";
      let moved = 0;
      for (const seatId of hold.seats)
        moved += sql.exec(
          `UPDATE seats SET status = ?, expires_at = NULL${freed ? ", hold_id = NULL, user_id = NULL" : ""} WHERE seat_id = ? AND hold_id = ? AND status = ? RETURNING 1`,
          to,
          seatId,
          hold.holdId,
          from,
        ).toArray().length;
      if (moved !== hold.quantity) throw new Error(`${move}: hold ${hold.holdId} moved ${moved} of ${hold.quantity} seats`);
    });
    if (leavesLive) this.live.delete(hold.holdId);
  }

  due(now: number): HoldRecord[] {
    const due: HoldRecord[] = [];
    for (const h of this.live.values()) if (h.expiresAt <= now) due.push(h);
    return due;
  }

  nextExpiry(): number | null {
    // Held reserved holds have no rows (the second schema step moved the old ones onto their seats).
    let next: number | null = null;
    for (const h of this.live.values()) if (next === null || h.expiresAt < next) next = h.expiresAt;
    return next;
  }

  counts() {
    const c = this.storage.sql
      .exec<{ held: number; sold: number }>("SELECT COALESCE(SUM(status = 'held'), 0) AS held, COALESCE(SUM(status = 'sold'), 0) AS sold FROM seats")
      .one();
    return { capacity: this.prices.size, held: c.held, sold: c.sold };
  }

  details() {
    const seats = this.storage.sql
      .exec<{ seat_id: string; label: string; row_label: string; number: number; price_cents: number; status: SeatSnapshot["status"] }>(
        "SELECT seat_id, label, row_label, number, price_cents, status FROM seats ORDER BY position",
      )
      .toArray()
      .map((r) => ({ seat_id: r.seat_id, label: r.label, row: r.row_label, number: r.number, price_cents: r.price_cents, status: r.status }));
    return { seats };
  }

  // Pooled seats are `held` by POOL_HOLD_ID with no holder and no expiry: the hold path's
  // `WHERE status = 'available'` already refuses them, so browsing holds are unchanged.
  pool(hold: HoldRecord): Pooled {
    return this.poolSeats(hold.seats);
  }

  poolAll(): Pooled {
    const free = this.storage.sql.exec<{ seat_id: string }>("SELECT seat_id FROM seats WHERE status = 'available' ORDER BY position").toArray();
    return this.poolSeats(free.map((r) => r.seat_id));
  }

  private poolSeats(seats: readonly string[]): Pooled {
    const pooled: string[] = [];
    for (const seatId of seats)
      if (
        this.storage.sql.exec(
          "UPDATE seats SET status = 'held', hold_id = ?, user_id = NULL, expires_at = NULL WHERE seat_id = ? AND status = 'available'",
          POOL_HOLD_ID,
          seatId,
        ).rowsWritten > 0
      )
        pooled.push(seatId);
    return { count: pooled.length, seats: pooled };
  }

  unpool(): Pooled {
    const seats = this.storage.sql
      .exec<{ seat_id: string }>("UPDATE seats SET status = 'available', hold_id = NULL WHERE status = 'held' AND hold_id = ? RETURNING seat_id", POOL_HOLD_ID)
      .toArray()
      .map((r) => r.seat_id);
    return { count: seats.length, seats };
  }

  pooledCount(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM seats WHERE status = 'held' AND hold_id = ?", POOL_HOLD_ID).one().n;
  }

  /** The first `quantity` pooled seats in layout order become the offer's hold, in one step. */
  holdFromPool(req: SectionHoldRequest & { quantity: number }): SectionHoldResult {
    const n = req.quantity;
    if (!Number.isSafeInteger(n) || n < 1) throw new Error("hold: quantity must be a positive integer");
    if (this.live.has(req.holdId) || this.rows.has(req.holdId)) {
      const totalCents = retried(this, req) as number;
      return { ok: true, totalCents, seats: this.live.get(req.holdId)!.seats };
    }
    const sql = this.storage.sql;
    const pick = sql
      .exec<{ seat_id: string }>("SELECT seat_id FROM seats WHERE status = 'held' AND hold_id = ? ORDER BY position LIMIT ?", POOL_HOLD_ID, n)
      .toArray()
      .map((r) => r.seat_id);
    if (pick.length < n) return { ok: false, reason: "sold_out", available: pick.length };
    let total = 0;
    for (const seatId of pick) {
      sql.exec("UPDATE seats SET hold_id = ?, user_id = ?, expires_at = ? WHERE seat_id = ? AND hold_id = ?", req.holdId, req.userId, req.expiresAt, seatId, POOL_HOLD_ID);
      total += this.prices.get(seatId)!;
    }
    this.live.set(req.holdId, { holdId: req.holdId, userId: req.userId, status: "held", quantity: n, totalCents: total, expiresAt: req.expiresAt, seats: pick });
    return { ok: true, totalCents: total, seats: pick };
  }

  backdate(holdId: string, expiresAt: number): void {
    this.rows.setExpiry(holdId, expiresAt);
    this.storage.sql.exec("UPDATE seats SET expires_at = ? WHERE hold_id = ? AND status = 'held'", expiresAt, holdId);
    const live = this.live.get(holdId);
    if (live) live.expiresAt = expiresAt;
  }
}
