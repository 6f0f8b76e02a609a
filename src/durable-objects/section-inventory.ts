/**
 * SectionInventory: the seats of ONE event section, named `${eventId}:${sectionKey}`
 * (`sectionObjectName` in src/shared/inventory/hold-id.ts). The only writer of seat state.
 *
 * RPC surface (types in src/shared/inventory/types.ts):
 *   init(layout: SectionLayout): InitResult              idempotent; called on publish
 *   hold(req: SectionHoldRequest): Promise<SectionHoldResult>  total in cents, or a refusal;
 *                                                       all-or-nothing; GA never past capacity
 *   release(holdId: string): SectionReleaseResult        held -> available, at once; idempotent
 *   confirm(holdId: string): SectionConfirmResult        held -> sold; fails once expired/released
 *   unsell(holdId: string): SectionUnsellResult          sold -> available (refunds); idempotent
 *   snapshot(): SectionSnapshot | null                   counts (+ per-seat status if reserved)
 *   ping(): void                                         no-op, for the benchmark
 * Buyers' holds go through BuyerLedger (per-user limit, multi-section all-or-nothing), which
 * calls hold/release/confirm/unsell here; catalog calls init and snapshot.
 *
 * Expiry: a hold is gone once `now >= expires_at`. One alarm per object is kept at the
 * earliest expiry of a held hold; every RPC also applies due expiries first (alarms are
 * at-least-once and a local restart may drop them), and the constructor re-arms the alarm.
 * Expiring twice is harmless: each move only touches rows still in its `from` state.
 */
import { DurableObject } from "cloudflare:workers";
import { HOLD_STATUS_AFTER, SEAT_MOVES, type SeatMove, type SeatStatus, type SectionHoldStatus } from "../shared/inventory/seat-state";
import { migrate } from "./sql-migrations";
import type {
  InitResult,
  SeatSnapshot,
  SectionConfirmResult,
  SectionHold,
  SectionHoldRequest,
  SectionHoldResult,
  SectionLayout,
  SectionReleaseResult,
  SectionSnapshot,
  SectionUnsellResult,
} from "../shared/inventory/types";

/**
 * Storage. Reserved sections: `seats` is the truth (status and holder per seat); counts are
 * derived from it. GA sections: the `section` row's held/sold counters are the truth, guarded
 * by a CHECK. `holds` keeps one row per GA hold, and one per reserved hold once it has ended
 * (sold, released, expired, returned), as a tombstone so that late calls can tell "expired"
 * from "released" from "unknown".
 *
 * A reserved hold that is still `held` lives on its seat rows alone (hold_id, user_id,
 * expires_at), with no `holds` row and no index to maintain: taking a seat is one row update,
 * the cheapest write a hold can be (the hold row and the seats-by-hold index cost about 10
 * points of the hold / no-op ratio, bench/inventory.bench.mjs). The object keeps those holds
 * in memory too (`live`), rebuilt from the seat rows when it starts, so that release, confirm
 * and expiry find a hold's seats without an index. The row it gets when it ends is written
 * then, off the hot path.
 */
export const MIGRATIONS = [
  `CREATE TABLE section (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     event_id TEXT NOT NULL,
     key TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('reserved', 'ga')),
     capacity INTEGER NOT NULL CHECK (capacity >= 0),
     price_cents INTEGER,
     layout_digest TEXT NOT NULL,
     held INTEGER NOT NULL DEFAULT 0,
     sold INTEGER NOT NULL DEFAULT 0,
     CHECK (held >= 0 AND sold >= 0 AND held + sold <= capacity)
   );
   CREATE TABLE seats (
     seat_id TEXT PRIMARY KEY,
     label TEXT NOT NULL,
     row_label TEXT NOT NULL,
     number INTEGER NOT NULL,
     price_cents INTEGER NOT NULL,
     position INTEGER NOT NULL,
     status TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'sold')),
     hold_id TEXT
   ) WITHOUT ROWID;
   CREATE INDEX seats_by_hold ON seats (hold_id) WHERE hold_id IS NOT NULL;
   CREATE TABLE holds (
     hold_id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     status TEXT NOT NULL,
     quantity INTEGER NOT NULL CHECK (quantity > 0),
     total_cents INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     seats TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX holds_due ON holds (expires_at) WHERE status = 'held';`,
  // Held reserved holds move onto their seat rows; their hold rows go (see above).
  `ALTER TABLE seats ADD COLUMN user_id TEXT;
   ALTER TABLE seats ADD COLUMN expires_at INTEGER;
   UPDATE seats SET
     user_id = (SELECT h.user_id FROM holds h WHERE h.hold_id = seats.hold_id),
     expires_at = (SELECT h.expires_at FROM holds h WHERE h.hold_id = seats.hold_id)
   WHERE status = 'held';
   DELETE FROM holds WHERE status = 'held' AND seats <> '[]';
   DROP INDEX seats_by_hold;`,
] as const;

type SectionRow = {
  event_id: string;
  key: string;
  kind: "reserved" | "ga";
  capacity: number;
  price_cents: number | null;
  layout_digest: string;
  held: number;
  sold: number;
};
type SectionMeta = Pick<SectionRow, "key" | "kind" | "price_cents">;
type HoldRow = {
  hold_id: string;
  user_id: string;
  status: SectionHoldStatus;
  quantity: number;
  total_cents: number;
  expires_at: number;
  seats: string;
};
/** A hold as the moves see it, wherever it is stored. */
type HoldRecord = {
  holdId: string;
  userId: string;
  status: SectionHoldStatus;
  quantity: number;
  totalCents: number;
  expiresAt: number;
  seats: string[];
};

/** Hold-row status that a move starts from (the seats' `from` state, named for holds). */
const HOLD_STATUS_BEFORE: Record<Exclude<SeatMove, "hold">, SectionHoldStatus> = {
  release: "held",
  expire: "held",
  confirm: "held",
  unsell: "sold",
};

export class SectionInventory extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Key, kind and GA price, cached after init (fixed by the layout; the counters stay in SQL). */
  private meta: SectionMeta | null = null;
  /** Held reserved holds by id, as their seat rows say (rebuilt from them at start). */
  private live = new Map<string, HoldRecord>();
  /** Earliest `expires_at` of a held hold (null: none); lets hot paths skip the expiry pass. */
  private nextExpiry: number | null = null;
  /** The alarm time we last set (null: none set). */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
      this.loadMeta();
      this.loadLive();
      this.alarmAt = await ctx.storage.getAlarm();
      // A restart may have lost the alarm: expire what is due and re-arm to the next expiry.
      this.nextExpiry = this.queryNextExpiry();
      this.expireDue(Date.now());
      this.armAlarm();
    });
  }

  async init(layout: SectionLayout): Promise<InitResult> {
    const digest = await layoutDigest(layout);
    // No await from here on: check and write are one atomic step.
    const existing = this.sql.exec<{ layout_digest: string }>("SELECT layout_digest FROM section WHERE id = 1").toArray()[0];
    if (existing) return existing.layout_digest === digest ? { ok: true, created: false } : { ok: false, reason: "layout_mismatch" };
    this.ctx.storage.transactionSync(() => {
      if (layout.kind === "ga") {
        this.sql.exec(
          "INSERT INTO section (id, event_id, key, kind, capacity, price_cents, layout_digest) VALUES (1, ?, ?, 'ga', ?, ?, ?)",
          layout.eventId,
          layout.sectionKey,
          layout.capacity,
          layout.price_cents,
          digest,
        );
        return;
      }
      this.sql.exec(
        "INSERT INTO section (id, event_id, key, kind, capacity, price_cents, layout_digest) VALUES (1, ?, ?, 'reserved', ?, NULL, ?)",
        layout.eventId,
        layout.sectionKey,
        layout.seats.length,
        digest,
      );
      layout.seats.forEach((s, i) =>
        this.sql.exec(
          "INSERT INTO seats (seat_id, label, row_label, number, price_cents, position) VALUES (?, ?, ?, ?, ?, ?)",
          s.seat_id,
          s.label,
          s.row,
          s.number,
          s.price_cents,
          i,
        ),
      );
    });
    this.loadMeta();
    return { ok: true, created: true };
  }

  /**
   * Holds are group-committed: calls that arrive together are applied one after another in
   * one synchronous pass (each still checks and writes with no await in between, and sees
   * the ones before it), so their writes share one storage commit instead of one each. A
   * storage commit costs far more than the SQL itself (bench/inventory.bench.mjs). Every
   * other method applies queued holds first, so calls still take effect in arrival order.
   *
   * The pass is started by `storage.sync()`: it settles after the event loop has delivered
   * the calls already waiting, and, while the previous pass is still committing, only once
   * that commit is done, so everything that arrives meanwhile joins the next pass. A
   * `setTimeout(0)` did the first but left the CPU idle until the timer woke (about 8 points
   * of the hold / no-op ratio in the bench). Correctness does not depend on the batch size.
   */
  hold(req: SectionHoldRequest): Promise<SectionHoldResult> {
    const { promise, resolve, reject } = Promise.withResolvers<SectionHoldResult>();
    this.holdQueue.push({ req, resolve, reject });
    if (this.holdQueue.length === 1) {
      const apply = () => this.applyQueuedHolds();
      this.ctx.storage.sync().then(apply, apply);
    }
    return promise;
  }

  private holdQueue: { req: SectionHoldRequest; resolve: (r: SectionHoldResult) => void; reject: (e: unknown) => void }[] = [];

  private applyQueuedHolds(): void {
    if (this.holdQueue.length === 0) return;
    const batch = this.holdQueue;
    this.holdQueue = [];
    // One clock reading and one expiry pass per batch: the batch is one synchronous step, so
    // the clock cannot move within it anyway (workerd advances it only across I/O).
    const now = Date.now();
    this.expireDue(now);
    for (const { req, resolve, reject } of batch) {
      try {
        resolve(this.holdNow(req, now));
      } catch (err) {
        reject(err);
      }
    }
  }

  private holdNow(req: SectionHoldRequest, now: number): SectionHoldResult {
    const meta = this.meta;
    if (!meta) return { ok: false, reason: "not_initialized" };
    if (!(req.expiresAt > now)) throw new Error("hold: expiresAt must be in the future");
    if ("seats" in req) {
      if (meta.kind !== "reserved") return { ok: false, reason: "wrong_kind", kind: meta.kind };
      return this.holdSeats(req, req.seats);
    }
    if (meta.kind !== "ga") return { ok: false, reason: "wrong_kind", kind: meta.kind };
    return this.holdQuantity(req, req.quantity, meta.price_cents ?? 0);
  }

  release(holdId: string): SectionReleaseResult {
    this.applyQueuedHolds();
    this.expireDue(Date.now());
    const hold = this.findHold(holdId);
    if (!hold || hold.status !== "held") return { ok: true, released: false };
    this.applyMove(hold, "release");
    return { ok: true, released: true };
  }

  confirm(holdId: string): SectionConfirmResult {
    this.applyQueuedHolds();
    this.expireDue(Date.now());
    const hold = this.findHold(holdId);
    if (!hold) return { ok: false, reason: "not_found" };
    switch (hold.status) {
      case "sold":
        return { ok: true, ...this.toSectionHold(hold) };
      case "held":
        this.applyMove(hold, "confirm");
        return { ok: true, ...this.toSectionHold(hold) };
      default:
        return { ok: false, reason: hold.status };
    }
  }

  unsell(holdId: string): SectionUnsellResult {
    this.applyQueuedHolds();
    this.expireDue(Date.now());
    const hold = this.findHold(holdId);
    if (!hold) return { ok: false, reason: "not_found" };
    switch (hold.status) {
      case "returned":
        return { ok: true, ...this.toSectionHold(hold) };
      case "sold":
        this.applyMove(hold, "unsell");
        return { ok: true, ...this.toSectionHold(hold) };
      case "held":
        return { ok: false, reason: "not_sold" };
      default:
        return { ok: false, reason: hold.status };
    }
  }

  snapshot(): SectionSnapshot | null {
    this.applyQueuedHolds();
    this.expireDue(Date.now());
    const s = this.sql.exec<SectionRow>("SELECT * FROM section WHERE id = 1").toArray()[0];
    if (!s) return null;
    if (s.kind === "reserved")
      Object.assign(
        s,
        this.sql.exec<{ held: number; sold: number }>("SELECT COALESCE(SUM(status = 'held'), 0) AS held, COALESCE(SUM(status = 'sold'), 0) AS sold FROM seats").one(),
      );
    const snap: SectionSnapshot = {
      key: s.key,
      kind: s.kind,
      capacity: s.capacity,
      available: s.capacity - s.held - s.sold,
      held: s.held,
      sold: s.sold,
    };
    if (s.kind === "ga") snap.price_cents = s.price_cents ?? 0;
    else
      snap.seats = this.sql
        .exec<{ seat_id: string; label: string; row_label: string; number: number; price_cents: number; status: SeatSnapshot["status"] }>(
          "SELECT seat_id, label, row_label, number, price_cents, status FROM seats ORDER BY position",
        )
        .toArray()
        .map((r) => ({ seat_id: r.seat_id, label: r.label, row: r.row_label, number: r.number, price_cents: r.price_cents, status: r.status }));
    return snap;
  }

  ping(): void {}

  override async alarm(): Promise<void> {
    this.applyQueuedHolds();
    // The alarm that is running is no longer set; re-arming below sets the next one.
    this.alarmAt = null;
    this.nextExpiry = this.queryNextExpiry();
    this.expireDue(Date.now());
    this.armAlarm();
  }

  // ---- internals (all synchronous: no await between a check and its write) ----

  /**
   * Hot path: one UPDATE per seat that checks and takes it (`WHERE status = 'available'`) and
   * writes the hold onto it; one seat, one statement. Prices come from memory (fixed by init),
   * so the UPDATE needs no RETURNING and no result rows to read. No savepoint: if a seat is
   * not free, the seats already taken are put back (the losing path, cheaper than a savepoint
   * on every hold), and the refusal is worked out from the seats.
   */
  private holdSeats(req: SectionHoldRequest, seats: string[]): SectionHoldResult {
    if (seats.length === 0 || (seats.length > 1 && new Set(seats).size !== seats.length)) throw new Error("hold: seat list empty or with duplicates");
    // A hold id is used once: a retry gets the live hold's answer, a reused id is refused. Ended
    // holds have a row; this primary-key probe is the one read a hold makes.
    if (this.live.has(req.holdId) || this.sql.exec("SELECT 1 FROM holds WHERE hold_id = ?", req.holdId).toArray().length > 0)
      return this.retried(req);
    const { from, to } = SEAT_MOVES.hold;
    let total = 0;
    let taken = 0;
    const prices = this.seatPrices();
    for (const seatId of seats) {
      const price = prices.get(seatId);
      // Unknown seat, or not available: either way the seat was not taken (rowsWritten 0).
      if (
        price === undefined ||
        this.sql.exec(
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
      this.noteExpiry(req.expiresAt);
      return total;
    }
    for (const seatId of seats.slice(0, taken))
      this.sql.exec("UPDATE seats SET status = ?, hold_id = NULL, user_id = NULL, expires_at = NULL WHERE seat_id = ?", from, seatId);
    return this.seatRefusal(seats);
  }

  /** Why seats could not be held: unknown ids, or seats someone else holds or bought. */
  private seatRefusal(seats: string[]): SectionHoldResult {
    const prices = this.seatPrices();
    const unknown = seats.filter((s) => !prices.has(s));
    if (unknown.length > 0) return { ok: false, reason: "unknown_seats", seats: unknown };
    const unavailable = seats.filter(
      (s) => this.sql.exec<{ status: string }>("SELECT status FROM seats WHERE seat_id = ?", s).one().status !== SEAT_MOVES.hold.from,
    );
    if (unavailable.length > 0) return { ok: false, reason: "seat_unavailable", unavailable };
    throw new Error("hold: seats free but not taken");
  }

  private holdQuantity(req: SectionHoldRequest, quantity: number, priceCents: number): SectionHoldResult {
    if (!Number.isSafeInteger(quantity) || quantity < 1) throw new Error("hold: quantity must be a positive integer");
    const total = quantity * priceCents;
    if (!this.insertHold(req, quantity, total)) return this.retried(req);
    // The guard and the increment are one statement: the counter can never pass capacity.
    const cur = this.sql.exec("UPDATE section SET held = held + ?1 WHERE id = 1 AND capacity - held - sold >= ?1 RETURNING held", quantity);
    if (cur.toArray().length > 0) {
      this.noteExpiry(req.expiresAt);
      return total;
    }
    this.sql.exec("DELETE FROM holds WHERE hold_id = ?", req.holdId);
    const s = this.sql.exec<{ available: number }>("SELECT capacity - held - sold AS available FROM section WHERE id = 1").one();
    return { ok: false, reason: "sold_out", available: s.available };
  }

  /** A hold id that is already here: a retried call gets the same answer, anything else is a bug. */
  private retried(req: SectionHoldRequest): SectionHoldResult {
    const existing = this.findHold(req.holdId);
    if (existing?.status === "held" && existing.userId === req.userId) return existing.totalCents;
    throw new Error(`hold: hold id ${req.holdId} already used`);
  }

  /** Inserts a GA hold's row; false when the hold id is already there (a retry). */
  private insertHold(req: SectionHoldRequest, quantity: number, total: number): boolean {
    try {
      // Plain INSERT: a conflict clause with RETURNING costs more on every hold than the rare retry's exception.
      this.sql.exec(
        "INSERT INTO holds (hold_id, user_id, status, quantity, total_cents, expires_at, seats) VALUES (?, ?, 'held', ?, ?, ?, '[]')",
        req.holdId,
        req.userId,
        quantity,
        total,
        req.expiresAt,
      );
    } catch (err) {
      if (/UNIQUE constraint failed: holds\.hold_id/.test(String(err))) return false;
      throw err;
    }
    return true;
  }

  /** A new held hold: the alarm must run by its expiry. */
  private noteExpiry(expiresAt: number): void {
    if (this.nextExpiry === null || expiresAt < this.nextExpiry) {
      this.nextExpiry = expiresAt;
      this.armAlarm();
    }
  }

  /**
   * Moves every seat (or the GA quantity) of a hold along one edge of the state machine,
   * with the section counters and the hold row, atomically. A reserved hold leaving `held`
   * gets its row here (it had none while held).
   */
  private applyMove(hold: HoldRecord, move: Exclude<SeatMove, "hold">): void {
    const { from, to }: { from: SeatStatus; to: SeatStatus } = SEAT_MOVES[move];
    const after = HOLD_STATUS_AFTER[move];
    const before = HOLD_STATUS_BEFORE[move];
    if (hold.status !== before) throw new Error(`${move}: hold ${hold.holdId} is ${hold.status}, not ${before}`);
    const kind = this.meta!.kind;
    const liveHold = kind === "reserved" && before === "held";
    this.ctx.storage.transactionSync(() => {
      if (liveHold)
        this.sql.exec(
          "INSERT INTO holds (hold_id, user_id, status, quantity, total_cents, expires_at, seats) VALUES (?, ?, ?, ?, ?, ?, ?)",
          hold.holdId,
          hold.userId,
          after,
          hold.quantity,
          hold.totalCents,
          hold.expiresAt,
          JSON.stringify(hold.seats),
        );
      else if (
        // Counted with RETURNING: rowsWritten also counts index entries.
        this.sql.exec("UPDATE holds SET status = ? WHERE hold_id = ? AND status = ? RETURNING hold_id", after, hold.holdId, before).toArray()
          .length === 0
      )
        throw new Error(`${move}: hold ${hold.holdId} is not ${before}`);
      if (kind === "reserved") {
        // A seat leaving its holder forgets it; a sold seat keeps it (unsell checks it).
        const freed = to === "available";
        let moved = 0;
        for (const seatId of hold.seats)
          moved += this.sql.exec(
            `UPDATE seats SET status = ?, expires_at = NULL${freed ? ", hold_id = NULL, user_id = NULL" : ""} WHERE seat_id = ? AND hold_id = ? AND status = ? RETURNING 1`,
            to,
            seatId,
            hold.holdId,
            from,
          ).toArray().length;
        if (moved !== hold.quantity) throw new Error(`${move}: hold ${hold.holdId} moved ${moved} of ${hold.quantity} seats`);
      } else {
        // GA counters: leave the `from` bucket, enter the `to` bucket.
        const delta = (state: SeatStatus) => (to === state ? hold.quantity : 0) - (from === state ? hold.quantity : 0);
        this.sql.exec("UPDATE section SET held = held + ?, sold = sold + ? WHERE id = 1", delta("held"), delta("sold"));
      }
    });
    if (liveHold) this.live.delete(hold.holdId);
    hold.status = after;
  }

  /** Expires every held hold with `expires_at <= now`. Cheap when nothing is due (no query). */
  private expireDue(now: number): void {
    if (this.nextExpiry === null || now < this.nextExpiry) return;
    const due: HoldRecord[] = [];
    for (const h of this.live.values()) if (h.expiresAt <= now) due.push(h);
    for (const row of this.sql.exec<HoldRow>("SELECT * FROM holds WHERE status = 'held' AND expires_at <= ?", now)) due.push(rowRecord(row));
    for (const hold of due) this.applyMove(hold, "expire");
    this.nextExpiry = this.queryNextExpiry();
    this.armAlarm();
  }

  /** Earliest expiry of a held hold: GA rows by their index, reserved ones from memory. */
  private queryNextExpiry(): number | null {
    let next = this.sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM holds WHERE status = 'held'").one().t;
    for (const h of this.live.values()) if (next === null || h.expiresAt < next) next = h.expiresAt;
    return next;
  }

  /** Keeps the single alarm at the earliest pending expiry (an earlier alarm is left: it re-arms). */
  private armAlarm(): void {
    const next = this.nextExpiry;
    if (next === null) {
      if (this.alarmAt !== null) {
        void this.ctx.storage.deleteAlarm();
        this.alarmAt = null;
      }
      return;
    }
    if (this.alarmAt === null || next < this.alarmAt) {
      void this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  /** Seat prices of a reserved section, read once: the layout (and so every price) is fixed by init. */
  private prices: Map<string, number> | null = null;

  private seatPrices(): Map<string, number> {
    this.prices ??= new Map(
      this.sql
        .exec<{ seat_id: string; price_cents: number }>("SELECT seat_id, price_cents FROM seats")
        .toArray()
        .map((r) => [r.seat_id, r.price_cents]),
    );
    return this.prices;
  }

  private loadMeta(): void {
    this.meta = this.sql.exec<SectionMeta>("SELECT key, kind, price_cents FROM section WHERE id = 1").toArray()[0] ?? null;
  }

  /** Rebuilds `live` from the seat rows (seats of a hold in section order). */
  private loadLive(): void {
    this.live.clear();
    if (this.meta?.kind !== "reserved") return;
    const prices = this.seatPrices();
    const held = this.sql.exec<{ seat_id: string; hold_id: string; user_id: string; expires_at: number }>(
      "SELECT seat_id, hold_id, user_id, expires_at FROM seats WHERE status = 'held' ORDER BY position",
    );
    for (const s of held) {
      let h = this.live.get(s.hold_id);
      if (!h) {
        h = { holdId: s.hold_id, userId: s.user_id, status: "held", quantity: 0, totalCents: 0, expiresAt: s.expires_at, seats: [] };
        this.live.set(s.hold_id, h);
      }
      h.seats.push(s.seat_id);
      h.quantity++;
      h.totalCents += prices.get(s.seat_id)!;
    }
  }

  private holdRow(holdId: string): HoldRow | undefined {
    return this.sql.exec<HoldRow>("SELECT * FROM holds WHERE hold_id = ?", holdId).toArray()[0];
  }

  /** A hold by id: held reserved holds from memory, every other one from its row. */
  private findHold(holdId: string): HoldRecord | undefined {
    const live = this.live.get(holdId);
    if (live) return live;
    const row = this.holdRow(holdId);
    return row && rowRecord(row);
  }

  private toSectionHold(hold: HoldRecord): SectionHold {
    const meta = this.meta!;
    return { holdId: hold.holdId, section: meta.key, kind: meta.kind, seats: hold.seats, quantity: hold.quantity, totalCents: hold.totalCents, expiresAt: hold.expiresAt };
  }
}

const rowRecord = (row: HoldRow): HoldRecord => ({
  holdId: row.hold_id,
  userId: row.user_id,
  status: row.status,
  quantity: row.quantity,
  totalCents: row.total_cents,
  expiresAt: row.expires_at,
  seats: JSON.parse(row.seats) as string[],
});

/** A short fingerprint of a layout, so a second init can tell "same layout" from "different". */
async function layoutDigest(layout: SectionLayout): Promise<string> {
  const canonical =
    layout.kind === "ga"
      ? ["ga", layout.eventId, layout.sectionKey, layout.capacity, layout.price_cents]
      : ["reserved", layout.eventId, layout.sectionKey, layout.seats.map((s) => [s.seat_id, s.label, s.row, s.number, s.price_cents])];
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(canonical)));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
