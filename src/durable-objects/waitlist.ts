/**
 * Waitlist: the waitlist of ONE event, named `waitlistObjectName(eventId)`. It keeps the
 * entries in arrival order and decides who gets returned seats; it never touches seats itself.
 * Design and why it cannot double-offer or lose a seat: README, "Waitlist".
 *
 * RPC surface (types in src/shared/waitlist.ts):
 *   join(req): WaitlistJoinResult            one active (waiting/offered) entry per buyer
 *   leave(entryId, userId): WaitlistLeaveResult   an open offer's hold is released
 *   entriesOf(userId): WaitlistEntryView[]   the buyer's entries, offers settled first
 *   counts(): WaitlistCounts                 for the organizer
 *   poolChanged(section): void               a section pooled returned seats (its notice)
 *
 * Who is flagged: a section pools returned seats while this object has set its flag, i.e.
 * while some entry is waiting for that section or for any section. Flags are sent with a
 * growing version (the section keeps the highest), so out-of-order calls converge on the
 * latest decision; a flag call that failed is sent again by the alarm.
 *
 * Matching runs one pass at a time (`match`): it reads the pools, and for each waiting entry
 * in arrival order that fits one section's pool asks the buyer's ledger for a hold `fromPool`
 * (so the per-user limit applies and the hold is like any other). The section takes pooled
 * seats atomically, so two offers can never get the same seat. Offers that end unpaid put their
 * seats back in the pool through the section's own expiry, and the pass starts again.
 */
import { DurableObject } from "cloudflare:workers";
import { sectionObjectName } from "../shared/inventory/hold-id";
import { ledgerForNewHold, ledgerOfHold } from "./buyer-ledger-handle";
import {
  reminderLeadMs,
  WAITLIST_SKIP_SECONDS,
  type WaitlistCounts,
  type WaitlistEmailJob,
  type WaitlistEntryView,
  type WaitlistJoinRequest,
  type WaitlistJoinResult,
  type WaitlistLeaveResult,
  type WaitlistStatus,
} from "../shared/waitlist";
import { getEvent, publicStatus } from "../platform/db/event-rows";
import { ALARM, POOL_NOTICE, type CallContext } from "../shared/call-context";
import { errorText, objectLog } from "./object-log";
import { migrate } from "./sql-migrations";

const MIGRATIONS = [
  `CREATE TABLE config (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     event_id TEXT NOT NULL,
     offer_seconds INTEGER NOT NULL,
     max_per_user INTEGER NOT NULL,
     sections TEXT NOT NULL
   );
   CREATE TABLE entries (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     entry_id TEXT NOT NULL UNIQUE,
     user_id TEXT NOT NULL,
     quantity INTEGER NOT NULL CHECK (quantity > 0),
     section TEXT,
     status TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'purchased', 'expired', 'left')),
     hold_id TEXT,
     offer_expires_at INTEGER,
     reminded INTEGER NOT NULL DEFAULT 0,
     passed_since INTEGER,
     created_at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX entries_one_active ON entries (user_id) WHERE status IN ('waiting', 'offered');
   CREATE INDEX entries_by_status ON entries (status, seq);
   CREATE TABLE flags (
     section TEXT PRIMARY KEY,
     is_on INTEGER NOT NULL,
     version INTEGER NOT NULL,
     synced INTEGER NOT NULL
   ) WITHOUT ROWID;`,
] as const;

type EntryRow = {
  seq: number;
  entry_id: string;
  user_id: string;
  quantity: number;
  section: string | null;
  status: WaitlistStatus;
  hold_id: string | null;
  offer_expires_at: number | null;
  reminded: number;
  passed_since: number | null;
  created_at: number;
};

type Config = { event_id: string; offer_seconds: number; max_per_user: number; sections: string };

/** Delay before a pass that failed (an object unreachable) runs again. */
const RETRY_MS = 2_000;
/** How often an offer whose payment is in progress at its expiry is looked at again. */
const CONFIRMING_RECHECK_MS = 5_000;

export class Waitlist extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private running = false;
  private again = false;
  /** Test hook: the clock of the head's skip window (see `WAITLIST_SKIP_SECONDS`). */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, MIGRATIONS));
  }

  async join(req: WaitlistJoinRequest): Promise<WaitlistJoinResult> {
    if (!this.config())
      this.sql.exec(
        "INSERT INTO config (id, event_id, offer_seconds, max_per_user, sections) VALUES (1, ?, ?, ?, ?)",
        req.eventId,
        req.offerSeconds,
        req.maxTicketsPerUser,
        JSON.stringify(req.sections),
      );
    const active = this.sql.exec("SELECT 1 FROM entries WHERE user_id = ? AND status IN ('waiting', 'offered')", req.userId).toArray();
    const line = { event_id: req.eventId, entry_id: req.entryId, user_id: req.userId, quantity: req.quantity, section: req.section };
    if (active.length > 0) {
      objectLog("waitlist_join", req, { ...line, outcome: "already_on_waitlist" });
      return { ok: false, reason: "already_on_waitlist" };
    }
    this.sql.exec(
      "INSERT INTO entries (entry_id, user_id, quantity, section, status, created_at) VALUES (?, ?, ?, ?, 'waiting', ?)",
      req.entryId,
      req.userId,
      req.quantity,
      req.section,
      Date.now(),
    );
    // The answer waits for the flags: from then on, every seat that comes back is pooled. A
    // section that cannot be reached gets its flag from the retry alarm.
    await this.syncFlags().catch(() => this.retryLater());
    objectLog("waitlist_join", req, { ...line, outcome: "waiting" });
    void this.kick(req);
    return { ok: true, entry: this.view(this.entry(req.entryId)!) };
  }

  async leave(entryId: string, userId: string): Promise<WaitlistLeaveResult> {
    const row = this.entry(entryId);
    if (!row || row.user_id !== userId) return { ok: false, reason: "not_found" };
    if (row.status === "offered") {
      const released = await this.holdLedger(row.hold_id!, row.user_id).releaseHold(row.hold_id!, row.user_id);
      if (!released.ok && (released.reason === "sold" || released.reason === "confirming")) {
        if (released.reason === "sold") this.setStatus(row.entry_id, "purchased", "offered");
        return { ok: false, reason: "purchased" };
      }
      if (!released.ok && released.reason === "unavailable") return { ok: false, reason: "unavailable" };
    }
    if (row.status === "waiting" || row.status === "offered") this.sql.exec("UPDATE entries SET status = 'left' WHERE entry_id = ? AND status = ?", entryId, row.status);
    await this.syncFlags().catch(() => this.retryLater());
    void this.kick();
    return { ok: true, entry: this.view(this.entry(entryId)!) };
  }

  async entriesOf(userId: string): Promise<WaitlistEntryView[]> {
    await this.settleOffers(this.sql.exec<EntryRow>("SELECT * FROM entries WHERE user_id = ? AND status = 'offered'", userId).toArray());
    return this.sql.exec<EntryRow>("SELECT * FROM entries WHERE user_id = ? ORDER BY seq", userId).toArray().map((r) => this.view(r));
  }

  async counts(): Promise<WaitlistCounts> {
    await this.settleOffers(this.sql.exec<EntryRow>("SELECT * FROM entries WHERE status = 'offered'").toArray());
    const counts: WaitlistCounts = { waiting: 0, offered: 0, purchased: 0, expired: 0, left: 0, waiting_quantity: 0 };
    for (const r of this.sql.exec<{ status: WaitlistStatus; n: number; q: number }>("SELECT status, COUNT(*) AS n, SUM(quantity) AS q FROM entries GROUP BY status")) {
      counts[r.status] = r.n;
      if (r.status === "waiting") counts.waiting_quantity = r.q;
    }
    return counts;
  }

  /** A section's notice that it pooled seats. Answered at once; the pass runs after. */
  poolChanged(_section: string): void {
    // The section noticed a release or an expiry after the fact: no request to name.
    void this.kick(POOL_NOTICE);
  }

  override async alarm(): Promise<void> {
    await this.kick(ALARM);
  }

  // ---- internals ----

  /** Runs `match` now, or once more after the pass in progress: never two passes at once. */
  private async kick(ctx?: CallContext): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        try {
          await this.match(ctx);
        } catch (err) {
          objectLog("waitlist_pass_failed", ctx, { error: errorText(err) }, "error");
          this.retryLater();
          return;
        }
      } while (this.again);
      await this.armAlarm();
    } finally {
      this.running = false;
    }
  }

  private retryLater(): void {
    void this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
  }

  private async match(ctx: CallContext | undefined): Promise<void> {
    const config = this.config();
    if (!config) return;
    await this.settleOffers(this.sql.exec<EntryRow>("SELECT * FROM entries WHERE status = 'offered'").toArray());
    await this.sendReminders(config);
    // The event's ledger shards (fixed at creation) come with the read that gates the offers.
    let ledgerShards = 0;
    if (this.sql.exec("SELECT 1 FROM entries WHERE status = 'waiting' LIMIT 1").toArray().length > 0) {
      // A cancelled or ended event offers nothing: its waiting entries end, and the flags go off.
      const event = await getEvent(this.env, config.event_id);
      if (!event || publicStatus(event) !== "on_sale") this.sql.exec("UPDATE entries SET status = 'expired' WHERE status = 'waiting'");
      ledgerShards = event?.ledgerShards ?? 0;
    }
    const waiting = this.sql.exec<EntryRow>("SELECT * FROM entries WHERE status = 'waiting' ORDER BY seq").toArray();
    if (waiting.length > 0) {
      const sections = JSON.parse(config.sections) as string[];
      const pools = new Map<string, number>();
      await Promise.all(sections.map(async (key) => pools.set(key, (await this.section(config.event_id, key).poolState()).pooled)));
      const head = waiting[0]!;
      let headSkipped = false;
      /** Past the head's skip window: the pools it can use (its section, or every one) gather for it. */
      let gathering: { section: string | null } | null = null;
      for (const entry of waiting) {
        const key = fitting(entry, sections, pools);
        if (key === null) {
          if (entry === head) {
            const since = head.passed_since;
            if (since !== null && this.clock() - since >= WAITLIST_SKIP_SECONDS * 1000) gathering = { section: head.section };
            else headSkipped = true;
          }
          continue;
        }
        if (gathering && (gathering.section === null || gathering.section === key)) continue;
        if (headSkipped && head.passed_since === null) {
          head.passed_since = this.clock();
          this.sql.exec("UPDATE entries SET passed_since = ? WHERE entry_id = ?", head.passed_since, head.entry_id);
        }
        const offered = await this.offer(config, ledgerShards, entry, key, ctx);
        if (offered === "sale_over") break;
        if (offered === "taken") pools.set(key, pools.get(key)! - entry.quantity);
        else if (offered === "pool_short") pools.set(key, (await this.section(config.event_id, key).poolState()).pooled);
      }
    }
    await this.syncFlags();
  }

  /** Asks the buyer's ledger for a hold from the section's pool; records the offer. */
  private async offer(config: Config, ledgerShards: number, entry: EntryRow, key: string, ctx: CallContext | undefined): Promise<"taken" | "pool_short" | "refused" | "sale_over"> {
    const ledger = ledgerForNewHold(this.env, config.event_id, entry.user_id, ledgerShards);
    const result = await ledger.stub.createHold({
      // The cause of the pass: the join's request, or the trigger (pool notice, alarm).
      ...(ctx?.requestId ? { requestId: ctx.requestId } : {}),
      ...(ctx?.trigger ? { trigger: ctx.trigger } : {}),
      eventId: config.event_id,
      userId: entry.user_id,
      items: [{ section: key, quantity: entry.quantity }],
      holdTtlSeconds: config.offer_seconds,
      maxTicketsPerUser: config.max_per_user,
      shard: ledger.shard,
      fromPool: true,
    });
    if (!result.ok) {
      if (result.reason === "sold_out") return "pool_short";
      // The buyer bought or holds tickets since joining: this entry can never be served.
      if (result.reason === "limit_exceeded") {
        this.setStatus(entry.entry_id, "expired", "waiting");
        return "refused";
      }
      // The section says the sale is over (a cancel reached it before D1 was read above, or the
      // window closed since): its word is final, so nobody waiting can be served.
      if (result.reason === "event_cancelled" || result.reason === "not_on_sale") {
        this.sql.exec("UPDATE entries SET status = 'expired' WHERE status = 'waiting'");
        return "sale_over";
      }
      throw new Error(`waitlist offer refused: ${result.reason}`);
    }
    const moved = this.sql
      .exec("UPDATE entries SET status = 'offered', hold_id = ?, offer_expires_at = ? WHERE entry_id = ? AND status = 'waiting' RETURNING 1", result.holdId, result.expiresAt, entry.entry_id)
      .toArray().length;
    if (moved === 0) {
      // The buyer left while the hold was made: the seats go back (to the pool, for the next entry).
      await ledger.stub.releaseHold(result.holdId, entry.user_id);
      return "refused";
    }
    await this.email("waitlist_offer", { ...entry, status: "offered", hold_id: result.holdId, offer_expires_at: result.expiresAt }, key);
    return "taken";
  }

  /** Offers paid become `purchased`; offers past their expiry and not being paid become `expired`. */
  private async settleOffers(offered: EntryRow[]): Promise<void> {
    const now = Date.now();
    await Promise.all(
      offered.map(async (e) => {
        const hold = await this.holdLedger(e.hold_id!, e.user_id).getHold(e.hold_id!, e.user_id);
        if (hold.ok && hold.status === "sold") this.setStatus(e.entry_id, "purchased", "offered");
        else if (!hold.ok && hold.reason !== "not_found") this.setStatus(e.entry_id, "expired", "offered");
        else if (!hold.ok && e.offer_expires_at! <= now) this.setStatus(e.entry_id, "expired", "offered");
      }),
    );
  }

  private async sendReminders(config: Config): Promise<void> {
    const due = this.sql
      .exec<EntryRow>("SELECT * FROM entries WHERE status = 'offered' AND reminded = 0 AND offer_expires_at - ? <= ?", reminderLeadMs(config.offer_seconds), Date.now())
      .toArray();
    for (const e of due) {
      await this.email("waitlist_reminder", e, null);
      this.sql.exec("UPDATE entries SET reminded = 1 WHERE entry_id = ?", e.entry_id);
    }
  }

  private async email(kind: WaitlistEmailJob["kind"], e: EntryRow, section: string | null): Promise<void> {
    const config = this.config()!;
    const job: WaitlistEmailJob = {
      kind,
      entry_id: e.entry_id,
      event_id: config.event_id,
      user_id: e.user_id,
      hold_id: e.hold_id!,
      quantity: e.quantity,
      section: section ?? e.section ?? "",
      offer_expires_at: new Date(e.offer_expires_at!).toISOString(),
    };
    // Email never holds up an offer: a failed send is logged, the offer stands.
    await this.env.EMAIL_QUEUE.send(job).catch((err: unknown) => console.error("waitlist email not queued", e.entry_id, err));
  }

  /** The next alarm: a reminder or an offer's expiry to settle (the sections pool the seats themselves). */
  private async armAlarm(): Promise<void> {
    const config = this.config();
    if (!config) return;
    const lead = reminderLeadMs(config.offer_seconds);
    const next = this.sql
      .exec<{ t: number | null }>(
        "SELECT MIN(CASE WHEN reminded = 0 THEN offer_expires_at - ? ELSE offer_expires_at END) AS t FROM entries WHERE status = 'offered'",
        lead,
      )
      .one().t;
    const now = Date.now();
    // Due already: an offer being paid at its expiry, looked at again shortly.
    let at = next === null ? null : next > now ? next : now + CONFIRMING_RECHECK_MS;
    if (this.sql.exec("SELECT 1 FROM flags WHERE synced = 0").toArray().length > 0) at = Math.min(at ?? Infinity, now + RETRY_MS);
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  /**
   * Sends each section whether it should pool: on while an entry waits for it (or for any
   * section). The decision and its version are taken synchronously, so the last decision
   * always carries the highest version.
   */
  private async syncFlags(): Promise<void> {
    const config = this.config();
    if (!config) return;
    const sections = JSON.parse(config.sections) as string[];
    const wanted = new Set(
      this.sql.exec<{ section: string | null }>("SELECT DISTINCT section FROM entries WHERE status = 'waiting'").toArray().map((r) => r.section),
    );
    const calls: Promise<unknown>[] = [];
    for (const key of sections) {
      const on = wanted.has(null) || wanted.has(key);
      const flag = this.sql.exec<{ is_on: number; version: number; synced: number }>("SELECT is_on, version, synced FROM flags WHERE section = ?", key).toArray()[0];
      if (flag && flag.is_on === (on ? 1 : 0) && flag.synced === 1) continue;
      if (!flag && !on) continue;
      const version = (flag?.version ?? 0) + 1;
      this.sql.exec("INSERT OR REPLACE INTO flags (section, is_on, version, synced) VALUES (?, ?, ?, 0)", key, on ? 1 : 0, version);
      calls.push(
        this.section(config.event_id, key)
          .setWaitlist(on, version)
          .then(() => this.sql.exec("UPDATE flags SET synced = 1 WHERE section = ? AND version = ?", key, version)),
      );
    }
    const settled = await Promise.allSettled(calls);
    if (settled.some((s) => s.status === "rejected")) throw new Error("waitlist flag not set");
  }

  private config(): Config | undefined {
    return this.sql.exec<Config>("SELECT event_id, offer_seconds, max_per_user, sections FROM config WHERE id = 1").toArray()[0];
  }

  private entry(entryId: string): EntryRow | undefined {
    return this.sql.exec<EntryRow>("SELECT * FROM entries WHERE entry_id = ?", entryId).toArray()[0];
  }

  private setStatus(entryId: string, to: WaitlistStatus, from: WaitlistStatus): void {
    this.sql.exec("UPDATE entries SET status = ? WHERE entry_id = ? AND status = ?", to, entryId, from);
  }

  private view(r: EntryRow): WaitlistEntryView {
    const position =
      r.status === "waiting" ? this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entries WHERE status = 'waiting' AND seq <= ?", r.seq).one().n : null;
    return {
      entryId: r.entry_id,
      eventId: this.config()!.event_id,
      userId: r.user_id,
      quantity: r.quantity,
      section: r.section,
      position,
      status: r.status,
      holdId: r.status === "offered" || r.status === "purchased" ? r.hold_id : null,
      offerExpiresAt: r.status === "offered" ? r.offer_expires_at : null,
    };
  }

  /** The ledger of an offer's hold, named by the hold id. */
  private holdLedger(holdId: string, userId: string) {
    const ledger = ledgerOfHold(this.env, holdId, userId);
    if (!ledger) throw new Error(`waitlist: not a hold id: ${holdId}`);
    return ledger;
  }

  private section(eventId: string, key: string) {
    return this.env.INVENTORY.getByName(sectionObjectName(eventId, key));
  }
}

/** The section whose pool can serve the entry (its own, or for "any section" the fullest pool), or null. */
function fitting(entry: EntryRow, sections: string[], pools: Map<string, number>): string | null {
  if (entry.section !== null) return (pools.get(entry.section) ?? 0) >= entry.quantity ? entry.section : null;
  let best: string | null = null;
  for (const key of sections) if ((pools.get(key) ?? 0) >= entry.quantity && (best === null || pools.get(key)! > pools.get(best)!)) best = key;
  return best;
}
