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
 *   subscribe(feed: string): LiveSectionState | null     snapshot with its seq; the feed then gets
 *                                                       every change (live seat map, below)
 *   setSale(sale: SectionSale): SectionSale              the event's sale window / cancel; idempotent,
 *                                                       a cancel is final (the stored sale is answered)
 *   ping(): void                                         no-op, for the benchmark
 *   setWaitlist(on, version): SectionPoolState           the Waitlist object says whether
 *                                                       returned seats go to its pool (below)
 *   poolState(): SectionPoolState                        available and pooled counts
 * Buyers' holds go through BuyerLedger (per-user limit, multi-section all-or-nothing), which
 * calls hold/release/confirm/unsell here; catalog calls init and snapshot.
 *
 * Expiry: a hold is gone once `now >= expires_at`. One alarm per object is kept at the
 * earliest expiry of a held hold; every RPC also applies due expiries first (alarms are
 * at-least-once and a local restart may drop them), and the constructor re-arms the alarm.
 * Expiring twice is harmless: each move only touches rows still in its `from` state.
 *
 * Sale state: the section keeps its event's sale window and state (a `sale` row) and refuses a
 * hold outside the window or once cancelled in the same synchronous step as the seat write, so
 * the hold path needs no D1 read and a cancel stops holds as soon as `setSale` has answered.
 * Publish and cancel tell every section (src/worker/catalog/sale-state.ts). A section with no
 * `sale` row (stored before the row existed, or told nothing yet because a publish stopped half
 * way) reads the event row from D1 once, on its next hold, and keeps it unless it is a draft.
 *
 * The object holds the RPC surface, group commit and the alarm; how a hold is stored is the
 * section's store (`section-inventory/store.ts`): reserved seats or GA counters.
 *
 * Live seat map: viewers' sockets are not here but on LiveFeed objects (live-feed.ts), which
 * subscribe. Every hold, release, expiry, sale and refund is noted (seat ids and their new
 * status); at most every LIVE_FLUSH_MS, after the storage commit and off every answer's
 * path, the noted changes go to each subscribed feed as one `changes` message with the next
 * `seq`. With no subscriber nothing is noted, so viewers cost a hold one size check.
 *
 * Waitlist (README, "Waitlist"): while the event's Waitlist object has set the flag, seats
 * that come back (release, expiry, unsell) do not become available: in the same synchronous
 * step as the move that freed them they go to the waitlist pool (held by no one, shown held),
 * which only a hold with `fromPool` (an offer, made through the buyer's ledger) can take.
 * After the commit the section tells the Waitlist object (`poolChanged`), retried by alarm
 * until it answers. Clearing the flag makes pooled seats available again.
 */
import { DurableObject } from "cloudflare:workers";
import type { LiveChangesMessage, LiveSeatChange } from "../shared/inventory/live";
import { getEvent, publicStatus } from "../platform/db/event-rows";
import { holdStatusBefore, HOLD_STATUS_AFTER, SEAT_MOVES, type HoldMove, type SeatStatus } from "../shared/inventory/seat-state";
import type {
  InitResult,
  SectionConfirmResult,
  LiveSectionState,
  SectionHold,
  SectionHoldRefusal,
  SectionHoldRequest,
  SectionHoldResult,
  SectionLayout,
  SectionReleaseResult,
  SectionSale,
  SectionSnapshot,
  SectionUnsellResult,
} from "../shared/inventory/types";
import { GaStore } from "./section-inventory/ga-store";
import { HoldRows, type HoldRecord } from "./section-inventory/hold-rows";
import { ReservedStore } from "./section-inventory/reserved-store";
import type { SectionStore } from "./section-inventory/store";
import { ALARM, type CallContext } from "../shared/call-context";
import { errorText, objectLog } from "./object-log";
import { migrate } from "./sql-migrations";
import { waitlistObjectName, type SectionPoolState } from "../shared/waitlist";

/**
 * Storage, by the section's kind: `section` names it; reserved sections keep `seats` (see
 * reserved-store.ts), GA sections `ga_places` (ga-store.ts); both keep ended holds, and GA
 * held ones, in `holds` (hold-rows.ts). Append-only: objects stored by earlier steps carry on.
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
  // The section row names the section; GA counters (and the GA price) get their own row,
  // since a reserved section counts its seats and never had held/sold of its own.
  `CREATE TABLE ga_places (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     capacity INTEGER NOT NULL CHECK (capacity >= 0),
     price_cents INTEGER NOT NULL,
     held INTEGER NOT NULL DEFAULT 0,
     sold INTEGER NOT NULL DEFAULT 0,
     CHECK (held >= 0 AND sold >= 0 AND held + sold <= capacity)
   );
   INSERT INTO ga_places (id, capacity, price_cents, held, sold)
     SELECT 1, capacity, COALESCE(price_cents, 0), held, sold FROM section WHERE kind = 'ga';
   CREATE TABLE section_named (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     event_id TEXT NOT NULL,
     key TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('reserved', 'ga')),
     layout_digest TEXT NOT NULL
   );
   INSERT INTO section_named (id, event_id, key, kind, layout_digest) SELECT id, event_id, key, kind, layout_digest FROM section;
   DROP TABLE section;
   ALTER TABLE section_named RENAME TO section;`,
  // Live seat map: the seq of the last change message, and the feeds that get them.
  `ALTER TABLE section ADD COLUMN live_seq INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE live_feeds (name TEXT PRIMARY KEY) WITHOUT ROWID;`,
  // Waitlist: the flag and the version of the Waitlist object's last call that set it, and
  // whether the Waitlist object still has to hear about pooled seats. GA pooled places are
  // a part of \`held\`; reserved pooled seats are rows held by POOL_HOLD_ID.
  `ALTER TABLE section ADD COLUMN waitlist INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE section ADD COLUMN waitlist_version INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE section ADD COLUMN waitlist_notify INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE ga_places ADD COLUMN pooled INTEGER NOT NULL DEFAULT 0 CHECK (pooled >= 0 AND pooled <= held);`,
  // The event's sale window and state (see "Sale state" above); absent until told or fetched.
  `CREATE TABLE sale (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     state TEXT NOT NULL CHECK (state IN ('draft', 'published', 'cancelled')),
     on_sale_at TEXT NOT NULL,
     ends_at TEXT NOT NULL
   );`,
] as const;

/** How long changes are gathered into one message: a bound on messages per second per feed. */
export const LIVE_FLUSH_MS = 50;

/** Delay before telling the Waitlist object again after a failed call. */
const WAITLIST_NOTIFY_RETRY_MS = 2_000;

export class SectionInventory extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly rows: HoldRows;
  /** The section's key and its store, once initialised (both fixed by the layout). */
  private key: string | null = null;
  private store: SectionStore | null = null;
  /** Earliest `expires_at` of a held hold (null: none); lets hot paths skip the expiry pass. */
  private nextExpiry: number | null = null;
  /** The alarm time we last set (null: none set). */
  private alarmAt: number | null = null;
  /** Live seat map: subscribed feeds, the last message's seq, and changes since it (seat id -> status). */
  private feeds = new Set<string>();
  private seq = 0;
  private changes = new Map<string, SeatStatus>();
  private changed = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushing = false;
  /** The stored `sale` row (null: none yet); a pending D1 read of it, shared by the holds waiting on it. */
  private sale: SectionSale | null = null;
  private saleLoad: Promise<void> | null = null;
  /** Waitlist: the event, whether returned seats are pooled, and the pending notice to the Waitlist object. */
  private eventId: string | null = null;
  private waitlistOn = false;
  private notifyPending = false;
  private notifying = false;
  private notifyRetryAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.rows = new HoldRows(this.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
      this.openStore();
      this.sale = readSale(this.sql);
      for (const f of this.sql.exec<{ name: string }>("SELECT name FROM live_feeds")) this.feeds.add(f.name);
      this.alarmAt = await ctx.storage.getAlarm();
      // A restart may have lost the alarm: expire what is due and re-arm to the next expiry.
      this.nextExpiry = this.store?.nextExpiry() ?? null;
      this.expireDue(Date.now());
      this.armAlarm();
      if (this.notifyPending) void this.notifyWaitlist();
    });
  }

  /**
   * Test hook, for tests that make time pass: sets a held hold's expiry in storage and in the
   * store's memory, but not in the object's next-expiry cache, so the alarm (which re-reads it)
   * or a restart is what finds the hold due. Static, so it is no RPC method: only code running
   * inside the object (`runInDurableObject`) can call it.
   */
  static backdateForTest(instance: SectionInventory, holdId: string, expiresAt: number): void {
    instance.store?.backdate(holdId, expiresAt);
  }

  async init(layout: SectionLayout): Promise<InitResult> {
    const digest = await layoutDigest(layout);
    // No await from here on: check and write are one atomic step.
    const existing = this.sql.exec<{ layout_digest: string }>("SELECT layout_digest FROM section WHERE id = 1").toArray()[0];
    if (existing) return existing.layout_digest === digest ? { ok: true, created: false } : { ok: false, reason: "layout_mismatch" };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO section (id, event_id, key, kind, layout_digest) VALUES (1, ?, ?, ?, ?)",
        layout.eventId,
        layout.sectionKey,
        layout.kind,
        digest,
      );
      if (layout.kind === "ga") GaStore.create(this.sql, layout.capacity, layout.price_cents);
      else ReservedStore.create(this.sql, layout.seats);
    });
    this.openStore();
    return { ok: true, created: true };
  }

  /**
   * Holds are group-committed: calls that arrive together are applied one after another in
   * one synchronous pass (each still checks and writes with no await in between, and sees
   * the ones before it), so their writes share one storage commit instead of one each. A
   * storage commit costs far more than the SQL itself. Every other method applies queued
   * holds first, so calls still take effect in arrival order.
   *
   * The pass is started by `storage.sync()`: it settles after the event loop has delivered
   * the calls already waiting, and, while the previous pass is still committing, only once
   * that commit is done, so everything that arrives meanwhile joins the next pass. A
   * `setTimeout(0)` would do the first but leave the CPU idle until the timer woke.
   * Correctness does not depend on the batch size.
   */
  async hold(req: SectionHoldRequest): Promise<SectionHoldResult> {
    if (this.sale === null && this.store) await this.loadSale();
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
        objectLog("section_hold_failed", req, { event_id: this.eventId, section: this.key, hold_id: req.holdId, error: errorText(err) }, "error");
        reject(err);
      }
    }
  }

  private holdNow(req: SectionHoldRequest, now: number): SectionHoldResult {
    const store = this.store;
    if (!store) return { ok: false, reason: "not_initialized" };
    if (!(req.expiresAt > now)) throw new Error("hold: expiresAt must be in the future");
    const refused = this.saleRefusal(now);
    if (refused) {
      // Worth a line: the Worker's facts said "on sale" (or were stale), the section said no.
      const { ok: _, ...why } = refused;
      objectLog("section_hold_refused", req, { event_id: this.eventId, section: this.key, hold_id: req.holdId, ...why });
      return refused;
    }
    // The one waitlist check on the hold path: browsing holds never set it.
    const result = req.fromPool ? ("quantity" in req ? store.holdFromPool(req) : { ok: false as const, reason: "wrong_kind" as const, kind: store.kind }) : store.hold(req);
    if (typeof result === "number") {
      this.noteExpiry(req.expiresAt);
      if (this.feeds.size > 0) this.noteChange("seats" in req ? req.seats : [], SEAT_MOVES.hold.to);
    } else if (result.ok) {
      this.noteExpiry(req.expiresAt);
      if (this.feeds.size > 0) this.noteChange(result.seats, SEAT_MOVES.hold.to);
    }
    return result;
  }

  /** What every call but `hold` does first: queued holds take effect, then due expiries. */
  private catchUp(): SectionStore | null {
    this.applyQueuedHolds();
    this.expireDue(Date.now());
    return this.store;
  }

  // `ctx` names who asked, for the refusal line of a confirm; releases and returns are routine.
  release(holdId: string, _ctx?: CallContext): SectionReleaseResult {
    const hold = this.catchUp()?.find(holdId);
    if (!hold || hold.status !== "held") return { ok: true, released: false };
    this.applyMove(hold, "release");
    return { ok: true, released: true };
  }

  confirm(holdId: string, ctx?: CallContext): SectionConfirmResult {
    const hold = this.catchUp()?.find(holdId);
    if (!hold) return { ok: false, reason: "not_found" };
    switch (hold.status) {
      case "sold":
        return { ok: true, ...this.toSectionHold(hold) };
      case "held":
        this.applyMove(hold, "confirm");
        return { ok: true, ...this.toSectionHold(hold) };
      default:
        objectLog("section_confirm_refused", ctx, { event_id: this.eventId, section: this.key, hold_id: holdId, reason: hold.status });
        return { ok: false, reason: hold.status };
    }
  }

  unsell(holdId: string, _ctx?: CallContext): SectionUnsellResult {
    const hold = this.catchUp()?.find(holdId);
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
    const store = this.catchUp();
    if (!store) return null;
    const { capacity, held, sold } = store.counts();
    return { key: this.key!, kind: store.kind, capacity, available: capacity - held - sold, held, sold, ...store.details() };
  }

  /**
   * A feed (LiveFeed) starts getting this section's changes: the answer is the section now,
   * with the seq of the last message, and every later change comes in messages seq + 1, ...
   * (changes already in this snapshot may come again in the next one: statuses are absolute).
   */
  subscribe(feed: string): LiveSectionState | null {
    const snap = this.snapshot();
    if (!snap) return null;
    if (!this.feeds.has(feed)) {
      this.sql.exec("INSERT OR IGNORE INTO live_feeds (name) VALUES (?)", feed);
      this.feeds.add(feed);
    }
    return { ...snap, seq: this.seq };
  }

  /**
   * The event's sale, as publish, cancel or an edit of the window tell it. Queued holds are
   * applied first (they arrived before), so every hold after this answer sees the new state.
   * A cancel is final. Answers what is stored, so the caller can check it took.
   */
  setSale(sale: SectionSale): SectionSale {
    this.applyQueuedHolds();
    this.sale = writeSale(this.sql, sale);
    return this.sale;
  }

  ping(): void {}

  /** Why a hold must be refused now because of the event (null: it is on sale). */
  private saleRefusal(now: number): SectionHoldRefusal | null {
    if (!this.sale) return { ok: false, reason: "not_on_sale", status: "draft" };
    const status = publicStatus(this.sale, now);
    if (status === "on_sale") return null;
    return status === "cancelled" ? { ok: false, reason: "event_cancelled" } : { ok: false, reason: "not_on_sale", status };
  }

  /**
   * A section with no sale row reads its event from D1 (once, shared by the holds that wait).
   * A draft is not kept (the publish in progress tells it next); anything told meanwhile wins.
   */
  private loadSale(): Promise<void> {
    this.saleLoad ??= (async () => {
      try {
        const eventId = this.sql.exec<{ event_id: string }>("SELECT event_id FROM section WHERE id = 1").one().event_id;
        const event = await getEvent(this.env, eventId);
        if (this.sale === null && event && event.state !== "draft")
          this.sale = writeSale(this.sql, { state: event.state, onSaleAt: event.onSaleAt, endsAt: event.endsAt });
      } finally {
        this.saleLoad = null;
      }
    })();
    return this.saleLoad;
  }

  /**
   * The Waitlist object turns pooling on (waiting entries for this section) or off. Calls may
   * arrive out of order; the highest version wins. Turning it on also pools seats available
   * now (they came back between the buyer's sold-out check and this call); off frees the pool.
   */
  setWaitlist(on: boolean, version: number): SectionPoolState {
    const store = this.catchUp();
    if (!store) return { available: 0, pooled: 0 };
    const current = this.sql.exec<{ v: number }>("SELECT waitlist_version AS v FROM section WHERE id = 1").one().v;
    if (version > current) {
      this.sql.exec("UPDATE section SET waitlist = ?, waitlist_version = ? WHERE id = 1", on ? 1 : 0, version);
      this.waitlistOn = on;
      if (on) {
        const pooled = store.poolAll();
        if (pooled.count > 0) this.pooledNow(pooled.seats);
      } else {
        const freed = store.unpool();
        if (freed.count > 0 && this.feeds.size > 0) this.noteChange(freed.seats, "available");
      }
    }
    return this.poolState();
  }

  poolState(): SectionPoolState {
    const store = this.catchUp();
    if (!store) return { available: 0, pooled: 0 };
    const { capacity, held, sold } = store.counts();
    return { available: capacity - held - sold, pooled: store.pooledCount() };
  }

  override async alarm(): Promise<void> {
    this.applyQueuedHolds();
    if (this.notifyRetryAt !== null && this.notifyRetryAt <= Date.now()) {
      this.notifyRetryAt = null;
      void this.notifyWaitlist();
    }
    // The alarm that is running is no longer set; re-arming below sets the next one.
    this.alarmAt = null;
    this.nextExpiry = this.store?.nextExpiry() ?? null;
    const expired = this.expireDue(Date.now());
    if (expired > 0) objectLog("holds_expired", ALARM, { event_id: this.eventId, section: this.key, holds: expired });
    this.armAlarm();
  }

  // ---- internals (all synchronous: no await between a check and its write) ----

  /** A new held hold: the alarm must run by its expiry. */
  private noteExpiry(expiresAt: number): void {
    if (this.nextExpiry === null || expiresAt < this.nextExpiry) {
      this.nextExpiry = expiresAt;
      this.armAlarm();
    }
  }

  /** Moves a hold along one edge of the state machine (the store writes it) and records its new status. */
  private applyMove(hold: HoldRecord, move: HoldMove): void {
    const before = holdStatusBefore(move);
    if (hold.status !== before) throw new Error(`${move}: hold ${hold.holdId} is ${hold.status}, not ${before}`);
    this.store!.move(hold, move);
    hold.status = HOLD_STATUS_AFTER[move];
    if (this.feeds.size > 0) this.noteChange(hold.seats, SEAT_MOVES[move].to);
    // Same synchronous step: no browsing hold can run between the move and the pooling.
    if (this.waitlistOn && SEAT_MOVES[move].to === "available") {
      const pooled = this.store!.pool(hold);
      if (pooled.count > 0) this.pooledNow(pooled.seats);
    }
  }

  /** Seats went to the pool: the map shows them held; the Waitlist object hears of it after the commit. */
  private pooledNow(seats: readonly string[]): void {
    if (this.feeds.size > 0) this.noteChange(seats, "held");
    if (!this.notifyPending) {
      this.notifyPending = true;
      this.sql.exec("UPDATE section SET waitlist_notify = 1 WHERE id = 1");
    }
    if (!this.notifying) void this.notifyWaitlist();
  }

  /**
   * Tells the Waitlist object that the pool grew, once the pooling is committed. Cleared only
   * when it answered; a failure retries by alarm. A pooling during the call calls again.
   */
  private async notifyWaitlist(): Promise<void> {
    if (this.notifying || !this.eventId || !this.key) return;
    this.notifying = true;
    try {
      while (this.notifyPending) {
        this.notifyPending = false;
        await this.ctx.storage.sync();
        try {
          await this.env.WAITLIST.getByName(waitlistObjectName(this.eventId)).poolChanged(this.key);
        } catch (err) {
          console.error("waitlist notice failed; retrying", this.eventId, this.key, err);
          this.notifyPending = true;
          this.notifyRetryAt = Date.now() + WAITLIST_NOTIFY_RETRY_MS;
          this.armAlarm();
          return;
        }
      }
      this.sql.exec("UPDATE section SET waitlist_notify = 0 WHERE id = 1");
    } finally {
      this.notifying = false;
    }
  }

  /** Notes seats (none for GA, whose count alone changed) for the next change message. */
  private noteChange(seats: readonly string[], status: SeatStatus): void {
    for (const seat of seats) this.changes.set(seat, status);
    this.changed = true;
    if (this.flushTimer === null && !this.flushing) this.flushTimer = setTimeout(() => void this.flush(), LIVE_FLUSH_MS);
  }

  /**
   * Sends the noted changes as one message to every subscribed feed, once they are committed.
   * One flush at a time, so each feed gets the messages in seq order; a feed whose call fails
   * misses one, sees the next seq jump and its viewers resync. A feed that answers false has
   * no viewer of this section left and is dropped.
   */
  private async flush(): Promise<void> {
    this.flushTimer = null;
    if (!this.changed || !this.store) return;
    this.flushing = true;
    try {
      const { capacity, held, sold } = this.store.counts();
      const seats: LiveSeatChange[] | undefined = this.store.kind === "reserved" ? [...this.changes].map(([seat_id, status]) => ({ seat_id, status })) : undefined;
      this.changes.clear();
      this.changed = false;
      this.seq++;
      this.sql.exec("UPDATE section SET live_seq = ? WHERE id = 1", this.seq);
      const message: LiveChangesMessage = { type: "changes", section: this.key!, seq: this.seq, available: capacity - held - sold, ...(seats ? { seats } : {}) };
      await this.ctx.storage.sync();
      await Promise.all(
        [...this.feeds].map(async (feed) => {
          const keep = await this.env.LIVE_FEED.getByName(feed).publish(message).catch(() => true);
          if (!keep) this.dropFeed(feed);
        }),
      );
    } finally {
      this.flushing = false;
      if (this.changed && this.flushTimer === null) this.flushTimer = setTimeout(() => void this.flush(), LIVE_FLUSH_MS);
    }
  }

  private dropFeed(feed: string): void {
    this.feeds.delete(feed);
    this.sql.exec("DELETE FROM live_feeds WHERE name = ?", feed);
  }

  /** Expires every held hold with `expires_at <= now`. Cheap when nothing is due (no query). */
  /** Expires due holds; returns how many. */
  private expireDue(now: number): number {
    if (this.nextExpiry === null || now < this.nextExpiry) return 0;
    const store = this.store!;
    let n = 0;
    for (const hold of store.due(now)) {
      this.applyMove(hold, "expire");
      n++;
    }
    this.nextExpiry = store.nextExpiry();
    this.armAlarm();
    return n;
  }

  /** Keeps the single alarm at the earliest pending expiry (an earlier alarm is left: it re-arms). */
  private armAlarm(): void {
    const next = this.nextExpiry === null ? this.notifyRetryAt : this.notifyRetryAt === null ? this.nextExpiry : Math.min(this.nextExpiry, this.notifyRetryAt);
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

  private openStore(): void {
    const s = this.sql
      .exec<{ key: string; kind: "reserved" | "ga"; live_seq: number; event_id: string; waitlist: number; waitlist_notify: number }>(
        "SELECT key, kind, live_seq, event_id, waitlist, waitlist_notify FROM section WHERE id = 1",
      )
      .toArray()[0];
    this.key = s?.key ?? null;
    this.eventId = s?.event_id ?? null;
    this.waitlistOn = s?.waitlist === 1;
    this.notifyPending = s?.waitlist_notify === 1;
    this.seq = s?.live_seq ?? 0;
    this.store = !s ? null : s.kind === "ga" ? new GaStore(this.ctx.storage, this.rows) : new ReservedStore(this.ctx.storage, this.rows);
  }

  private toSectionHold(hold: HoldRecord): SectionHold {
    return { holdId: hold.holdId, section: this.key!, kind: this.store!.kind, seats: hold.seats, quantity: hold.quantity, totalCents: hold.totalCents, expiresAt: hold.expiresAt };
  }
}

function readSale(sql: SqlStorage): SectionSale | null {
  const row = sql.exec<{ state: SectionSale["state"]; on_sale_at: string; ends_at: string }>("SELECT state, on_sale_at, ends_at FROM sale WHERE id = 1").toArray()[0];
  return row ? { state: row.state, onSaleAt: row.on_sale_at, endsAt: row.ends_at } : null;
}

/** Upserts the sale row; a stored `cancelled` stays (a late publish must not reopen a cancelled sale). */
function writeSale(sql: SqlStorage, sale: SectionSale): SectionSale {
  sql.exec(
    `INSERT INTO sale (id, state, on_sale_at, ends_at) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET
       state = CASE WHEN sale.state = 'cancelled' THEN 'cancelled' ELSE excluded.state END,
       on_sale_at = excluded.on_sale_at, ends_at = excluded.ends_at`,
    sale.state,
    sale.onSaleAt,
    sale.endsAt,
  );
  return readSale(sql)!;
}

/** A short fingerprint of a layout, so a second init can tell "same layout" from "different". */
async function layoutDigest(layout: SectionLayout): Promise<string> {
  const canonical =
    layout.kind === "ga"
      ? ["ga", layout.eventId, layout.sectionKey, layout.capacity, layout.price_cents]
      : ["reserved", layout.eventId, layout.sectionKey, layout.seats.map((s) => [s.seat_id, s.label, s.row, s.number, s.price_cents])];
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(canonical)));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
