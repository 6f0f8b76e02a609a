/**
 * BuyerLedger: the buyers' holds in one event. An event with `ledger_shards = N > 0` has N
 * ledgers, `${eventId}:ledger:<shard>`, each holding the buyers whose user id hashes to it
 * (`ledgerShardOf` in src/shared/inventory/hold-id.ts); an event made before sharding
 * (`ledger_shards = 0`) has one ledger per buyer, `${eventId}:${userId}`. The class is the same:
 * every row carries its user, the quota is counted per user, and every call on an existing hold
 * names the caller, so a ledger never shows or moves another buyer's hold (`not_found`, exactly
 * what a per-buyer ledger answered). It enforces max_tickets_per_user (held + sold, across
 * sections) and makes multi-section holds all-or-nothing; seats live in SectionInventory
 * objects, which it calls.
 *
 * RPC surface (types in src/shared/inventory/types.ts):
 *   createHold(req: CreateHoldRequest): Promise<CreateHoldResult>
 *   getHold(holdId, userId): GetHoldResult
 *   releaseHold(holdId, userId): Promise<ReleaseHoldResult>   held -> released, seats free at once
 *   confirmHold(holdId, userId): Promise<ConfirmHoldResult>   held -> sold (checkout, after payment)
 *   returnSold(holdId, userId): Promise<ReturnSoldResult>     sold -> returned (refund), frees quota
 * All of them are safe to call again with the same hold id (retries converge).
 *
 * Quota. A ledger row counts toward its user's limit while it is `held` / `releasing` (and
 * `pending`, written by older code) and not past `expires_at`, and always while `confirming` /
 * `sold` / `returning`. A hold being made is not a row yet: createHold reserves its quantity in
 * memory (`inFlight`) before its first await, so racing requests of the same user see it; then
 * it calls the sections in parallel, and writes the row once, as `held`, when all of them took
 * their part (one commit per hold). If any refuses it releases the parts that succeeded and
 * writes nothing. Why a reservation in memory is enough is at `inFlight`.
 *
 * Confirm vs expiry. Expiry only ever moves `pending`/`held` rows. confirmHold refuses a row
 * already past `expires_at`, otherwise marks it `confirming` synchronously, so from then on
 * the ledger's own expiry cannot free its quota (no under-count). The sections still expire
 * seats on their own clock; if one of them expired its part before the confirm reached it,
 * the parts that were sold are unsold again and the row becomes `expired` (quota freed once,
 * so no double count). If a section cannot be reached the row stays `confirming` and keeps
 * its quota until confirmHold is called again; section confirm/unsell are idempotent.
 */
import { DurableObject } from "cloudflare:workers";
import { makeHoldId, sectionObjectName } from "../shared/inventory/hold-id";
import { migrate } from "./sql-migrations";
import type { CallContext } from "../shared/call-context";
import { objectLog } from "./object-log";
import { holdTaken, holdTotal, type SeatsChosen } from "../shared/inventory/types";
import type {
  ConfirmHoldResult,
  CreateHoldRequest,
  CreateHoldResult,
  GetHoldResult,
  HoldItemRequest,
  HoldView,
  ReleaseHoldResult,
  ReturnSoldResult,
  SectionHold,
  SectionHoldRequest,
  SectionHoldResult,
} from "../shared/inventory/types";
import type { SectionInventory } from "./section-inventory";
import type { ResaleHoldRequest, ResaleHoldResult } from "../shared/resale";
import { confirmListing, holdListing, relistAfterRefund, releaseListing } from "./resale/listing-statements";

const MIGRATIONS = [
  `CREATE TABLE holds (
     hold_id TEXT PRIMARY KEY,
     event_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     status TEXT NOT NULL,
     quantity INTEGER NOT NULL CHECK (quantity > 0),
     total_cents INTEGER NOT NULL DEFAULT 0,
     expires_at INTEGER NOT NULL,
     sections TEXT NOT NULL,
     items TEXT NOT NULL DEFAULT '[]',
     created_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX holds_by_status ON holds (status, expires_at);`,
  // A resale hold is on one listing (a D1 row) instead of section seats.
  `ALTER TABLE holds ADD COLUMN listing_id TEXT;`,
  // A shard keeps many buyers: the quota and the owner checks read one user's rows.
  `CREATE INDEX holds_by_user ON holds (user_id, status);`,
] as const;

type LedgerStatus =
  | "pending"
  | "held"
  | "releasing"
  | "released"
  | "failed"
  | "expired"
  | "confirming"
  | "sold"
  | "returning"
  | "returned";

type LedgerRow = {
  hold_id: string;
  event_id: string;
  user_id: string;
  status: LedgerStatus;
  quantity: number;
  total_cents: number;
  expires_at: number;
  /** JSON string[] of section keys the hold touches. */
  sections: string;
  /** JSON SectionHold[] once held. */
  items: string;
  /** Set for a resale hold: the listing it holds (see `resale/listing-statements.ts`). */
  listing_id: string | null;
};

export class BuyerLedger extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /**
   * Tickets of holds being made, per user: reserved before createHold's first await, counted by
   * the quota check, dropped once the row is written (or the hold refused). Keeping this in
   * memory rather than in a `pending` row saves a commit per hold, and lets the section calls
   * leave at once (a write before them would hold them at the output gate until it committed).
   * It is safe because:
   * - the object runs one call at a time between awaits, so the check-and-reserve is atomic and
   *   every racing hold of the user (in this object: all of them, the user maps to one ledger)
   *   sees the others' reservations;
   * - an in-flight hold lives only as long as this object: if the object dies, the call dies
   *   with its reservation, and no answer ever reached the buyer (the answer leaves after the
   *   row's commit);
   * - such a hold has no ledger row, so it can be neither ordered (POST /orders reads the
   *   ledger) nor confirmed; its seats, taken in the sections, come back by the sections' own
   *   expiry alarms. The tickets a user can buy are exactly the ledger's rows, so
   *   max_tickets_per_user stays exact for sold tickets; at worst seats sit held and unowned
   *   until their TTL, as they would for a buyer who walked away.
   */
  private readonly inFlight = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, MIGRATIONS));
  }

  async createHold(req: CreateHoldRequest): Promise<CreateHoldResult> {
    const r = await this.holdOnce(req);
    // The buyer's quota or an unreachable section is the ledger's own refusal, worth one line; a
    // seat taken by someone else is the section's answer, routine in an on-sale, and stays silent.
    if (!r.ok && (r.reason === "limit_exceeded" || r.reason === "unavailable"))
      objectLog("ledger_hold_refused", req, { event_id: req.eventId, user_id: req.userId, reason: r.reason, ...(req.fromPool ? { from_pool: true } : {}) }, r.reason === "unavailable" ? "error" : "log");
    return r;
  }

  private async holdOnce(req: CreateHoldRequest): Promise<CreateHoldResult> {
    // No expiry pass: the quota query counts by `expires_at` itself, and the reads that show a
    // status (getHold, releaseHold, confirmHold) expire due rows first.
    const now = Date.now();
    const requested = req.items.reduce((n, it) => n + ("seats" in it ? it.seats.length : it.quantity), 0);
    const used = this.quotaUsed(req.userId, now);
    if (used + requested > req.maxTicketsPerUser)
      return { ok: false, reason: "limit_exceeded", limit: req.maxTicketsPerUser, used, requested };
    const holdId = makeHoldId(req.eventId, req.shard);
    const expiresAt = now + req.holdTtlSeconds * 1000;
    // Quota is reserved here, before the first await: a racing request of this user sees it.
    this.reserve(req.userId, requested);
    try {
      const settled = await Promise.allSettled(
        req.items.map((it) => this.section(req.eventId, it.section).hold({ ...sectionRequest(holdId, req.userId, expiresAt, it, req.fromPool), ...(req.requestId ? { requestId: req.requestId } : {}), ...(req.trigger ? { trigger: req.trigger } : {}) })),
      );
      const parts: SectionHold[] = [];
      settled.forEach((s, i) => {
        if (s.status === "fulfilled" && holdTaken(s.value)) parts.push(sectionHold(holdId, expiresAt, req.items[i]!, s.value));
      });

      if (parts.length === req.items.length) {
        const total = parts.reduce((n, p) => n + p.totalCents, 0);
        // The hold's one write; the reservation is dropped (finally) in the same synchronous step.
        // The answer is built from what was just written rather than read back and parsed.
        this.sql.exec(
          "INSERT INTO holds (hold_id, event_id, user_id, status, quantity, total_cents, expires_at, sections, items, created_at) VALUES (?, ?, ?, 'held', ?, ?, ?, ?, ?, ?)",
          holdId,
          req.eventId,
          req.userId,
          requested,
          total,
          expiresAt,
          JSON.stringify(req.items.map((it) => it.section)),
          JSON.stringify(parts),
          now,
        );
        return {
          ok: true,
          holdId,
          eventId: req.eventId,
          userId: req.userId,
          status: "held",
          seats: parts.flatMap((p) => p.seats),
          quantity: requested,
          totalCents: total,
          expiresAt,
          items: parts,
        };
      }

      // All or nothing: undo every part that may be held (including calls that threw, whose
      // outcome is unknown; release of an unknown hold is a no-op). Nothing was written.
      await Promise.allSettled(
        req.items
          .filter((_, i) => { const s = settled[i]!; return s.status === "rejected" || holdTaken(s.value); })
          .map((it) => this.section(req.eventId, it.section).release(holdId)),
      );
      return refusal(settled, req.items);
    } finally {
      this.unreserve(req.userId, requested);
    }
  }

  /**
   * A hold on a resale listing: one ticket of the buyer's quota, reserved before the first
   * await like any hold; the listing row in D1 decides between racing buyers (listed -> held
   * is one conditional UPDATE). The hold then works like any other: get, release, confirm
   * (payment) and return (refund) move the listing instead of section seats.
   */
  async createResaleHold(req: ResaleHoldRequest): Promise<ResaleHoldResult> {
    const r = await this.holdListingOnce(req);
    // A refusal is worth one line (a held listing, the quota); a hold made stays silent.
    if (!r.ok) objectLog("ledger_hold_refused", req, { event_id: req.eventId, user_id: req.userId, listing_id: req.listingId, reason: r.reason }, r.reason === "unavailable" ? "error" : "log");
    return r;
  }

  private async holdListingOnce(req: ResaleHoldRequest): Promise<ResaleHoldResult> {
    const now = Date.now();
    const used = this.quotaUsed(req.userId, now);
    if (used + 1 > req.maxTicketsPerUser) return { ok: false, reason: "limit_exceeded", limit: req.maxTicketsPerUser, used, requested: 1 };
    const holdId = makeHoldId(req.eventId, req.shard);
    const expiresAt = now + req.holdTtlSeconds * 1000;
    // As createHold: reserved in memory, one write once held. A listing held in D1 by a hold
    // whose row was never written (the object died) cannot be paid, and lapses at `expiresAt`.
    this.reserve(req.userId, 1);
    try {
      let listing;
      try {
        listing = await holdListing(this.env, req.listingId, req.userId, holdId, expiresAt);
      } catch (err) {
        console.error("resale hold: D1 failed", err);
        return { ok: false, reason: "unavailable" };
      }
      if (!listing) return { ok: false, reason: "listing_unavailable" };
      const part: SectionHold = {
        holdId,
        section: listing.section_key,
        kind: listing.seat_label ? "reserved" : "ga",
        seats: listing.seat_label ? [listing.seat_label] : [],
        quantity: 1,
        totalCents: listing.price_cents,
        expiresAt,
      };
      const held = this.sql
        .exec<LedgerRow>(
          "INSERT INTO holds (hold_id, event_id, user_id, status, quantity, total_cents, expires_at, sections, items, created_at, listing_id) VALUES (?, ?, ?, 'held', 1, ?, ?, '[]', ?, ?, ?) RETURNING *",
          holdId,
          req.eventId,
          req.userId,
          listing.price_cents,
          expiresAt,
          JSON.stringify([part]),
          now,
          req.listingId,
        )
        .one();
      return { ok: true, ...this.view(held) };
    } finally {
      this.unreserve(req.userId, 1);
    }
  }

  getHold(holdId: string, userId: string): GetHoldResult {
    this.expireDue(Date.now());
    const row = this.row(holdId, userId);
    if (!row) return { ok: false, reason: "not_found" };
    switch (row.status) {
      case "held":
      case "confirming":
      case "sold":
        return { ok: true, ...this.view(row) };
      default:
        return { ok: false, reason: goneReason(row.status) };
    }
  }

  async releaseHold(holdId: string, userId: string, ctx?: CallContext): Promise<ReleaseHoldResult> {
    this.expireDue(Date.now());
    const row = this.row(holdId, userId);
    if (!row) return { ok: false, reason: "not_found" };
    if (row.status === "confirming" || row.status === "sold") return { ok: false, reason: row.status };
    if (row.status !== "held" && row.status !== "releasing") return { ok: false, reason: goneReason(row.status) };
    // Marked before the await so a racing confirmHold sees it and refuses.
    this.setStatus(holdId, "releasing");
    if (row.listing_id) {
      try {
        await releaseListing(this.env, row.listing_id, holdId);
      } catch {
        return { ok: false, reason: "unavailable" };
      }
      this.setStatus(holdId, "released", "releasing");
      return { ok: true, holdId };
    }
    const settled = await Promise.allSettled(this.sectionsOf(row).map((s) => this.section(row.event_id, s).release(holdId, ctx)));
    if (settled.some((s) => s.status === "rejected")) return { ok: false, reason: "unavailable" };
    this.setStatus(holdId, "released", "releasing");
    return { ok: true, holdId };
  }

  async confirmHold(holdId: string, userId: string, ctx?: CallContext): Promise<ConfirmHoldResult> {
    const r = await this.confirmOnce(holdId, userId, ctx);
    // A refused payment confirm is rare and worth one line; a confirmed one stays silent.
    if (!r.ok) objectLog("ledger_confirm_failed", ctx, { hold_id: holdId, user_id: userId, reason: r.reason }, r.reason === "unavailable" ? "error" : "log");
    return r;
  }

  async returnSold(holdId: string, userId: string, ctx?: CallContext): Promise<ReturnSoldResult> {
    const row = this.row(holdId, userId);
    if (!row) return { ok: false, reason: "not_found" };
    if (row.status === "returned") return { ok: true, ...this.view(row) };
    if (row.status !== "sold" && row.status !== "returning")
      return { ok: false, reason: row.status === "held" || row.status === "confirming" ? "not_sold" : expiredOrGone(row.status) };
    // Keeps counting toward the quota until every section has taken its seats back.
    this.setStatus(holdId, "returning");
    if (row.listing_id) {
      // A refunded resale goes back on resale, never on general sale.
      try {
        await relistAfterRefund(this.env, row.listing_id, holdId);
      } catch (err) {
        console.error("resale return failed", err);
        return { ok: false, reason: "unavailable" };
      }
      this.setStatus(holdId, "returned", "returning");
      return { ok: true, ...this.view(this.row(holdId, userId)!) };
    }
    const settled = await Promise.allSettled(this.sectionsOf(row).map((s) => this.section(row.event_id, s).unsell(holdId, ctx)));
    if (settled.some((s) => s.status === "rejected" || !s.value.ok)) return { ok: false, reason: "unavailable" };
    this.setStatus(holdId, "returned", "returning");
    return { ok: true, ...this.view(this.row(holdId, userId)!) };
  }

  private async confirmOnce(holdId: string, userId: string, ctx: CallContext | undefined): Promise<ConfirmHoldResult> {
    this.expireDue(Date.now());
    const row = this.row(holdId, userId);
    if (!row) return { ok: false, reason: "not_found" };
    if (row.status === "sold") return { ok: true, ...this.view(row) };
    if (row.status !== "held" && row.status !== "confirming") return { ok: false, reason: goneReason(row.status) };
    this.setStatus(holdId, "confirming");
    if (row.listing_id) {
      let confirmed: boolean;
      try {
        confirmed = await confirmListing(this.env, row.listing_id, holdId);
      } catch {
        return { ok: false, reason: "unavailable" };
      }
      // Lapsed, or the seller's ticket was used at the gate: nothing is sold.
      this.setStatus(holdId, confirmed ? "sold" : "expired", "confirming");
      return confirmed ? { ok: true, ...this.view(this.row(holdId, userId)!) } : { ok: false, reason: "expired" };
    }

    const sections = this.sectionsOf(row);
    const settled = await Promise.allSettled(sections.map((s) => this.section(row.event_id, s).confirm(holdId, ctx)));
    if (settled.some((s) => s.status === "rejected")) return { ok: false, reason: "unavailable" };
    const results = settled.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<SectionInventory["confirm"]>>>).value);
    if (results.every((r) => r.ok)) {
      this.setStatus(holdId, "sold", "confirming");
      return { ok: true, ...this.view(this.row(holdId, userId)!) };
    }
    // Some part expired (or was released) before it was sold: sell nothing.
    const undo = await Promise.allSettled(
      sections.filter((_, i) => results[i]!.ok).map((s) => this.section(row.event_id, s).unsell(holdId, ctx)),
    );
    if (undo.some((u) => u.status === "rejected" || !u.value.ok)) return { ok: false, reason: "unavailable" };
    this.setStatus(holdId, "expired", "confirming");
    return { ok: false, reason: "expired" };
  }

  // ---- internals ----

  private section(eventId: string, key: string) {
    return this.env.INVENTORY.getByName(sectionObjectName(eventId, key));
  }

  /** Lazy expiry: the sections free the seats on their own alarms; here only the quota. */
  private expireDue(now: number): void {
    this.sql.exec("UPDATE holds SET status = 'expired' WHERE status IN ('pending', 'held') AND expires_at <= ?", now);
    this.sql.exec("UPDATE holds SET status = 'released' WHERE status = 'releasing' AND expires_at <= ?", now);
  }

  /** The user's tickets: its rows that count (see the header) and its holds being made. */
  private quotaUsed(userId: string, now: number): number {
    const stored = this.sql
      .exec<{ n: number }>(
        `SELECT COALESCE(SUM(quantity), 0) AS n FROM holds
         WHERE user_id = ?
           AND (status IN ('confirming', 'sold', 'returning')
                OR (status IN ('pending', 'held', 'releasing') AND expires_at > ?))`,
        userId,
        now,
      )
      .one().n;
    return stored + (this.inFlight.get(userId) ?? 0);
  }

  private reserve(userId: string, n: number): void {
    this.inFlight.set(userId, (this.inFlight.get(userId) ?? 0) + n);
  }

  private unreserve(userId: string, n: number): void {
    const left = (this.inFlight.get(userId) ?? 0) - n;
    if (left > 0) this.inFlight.set(userId, left);
    else this.inFlight.delete(userId);
  }

  /** The hold if it is this user's: another buyer's hold in the same shard is not there. */
  private row(holdId: string, userId: string): LedgerRow | undefined {
    return this.sql.exec<LedgerRow>("SELECT * FROM holds WHERE hold_id = ? AND user_id = ?", holdId, userId).toArray()[0];
  }

  private setStatus(holdId: string, to: LedgerStatus, from?: LedgerStatus): void {
    if (from) this.sql.exec("UPDATE holds SET status = ? WHERE hold_id = ? AND status = ?", to, holdId, from);
    else this.sql.exec("UPDATE holds SET status = ? WHERE hold_id = ?", to, holdId);
  }

  private sectionsOf(row: LedgerRow): string[] {
    return JSON.parse(row.sections) as string[];
  }

  private view(row: LedgerRow): HoldView {
    const items = JSON.parse(row.items) as SectionHold[];
    return {
      holdId: row.hold_id,
      eventId: row.event_id,
      userId: row.user_id,
      status: row.status === "sold" || row.status === "confirming" ? row.status : "held",
      seats: items.flatMap((i) => i.seats),
      quantity: row.quantity,
      totalCents: row.total_cents,
      expiresAt: row.expires_at,
      items,
      ...(row.listing_id ? { listingId: row.listing_id } : {}),
    };
  }
}


function sectionRequest(holdId: string, userId: string, expiresAt: number, it: HoldItemRequest, fromPool?: true): SectionHoldRequest {
  const base = fromPool ? { holdId, userId, expiresAt, fromPool } : { holdId, userId, expiresAt };
  return "seats" in it ? { ...base, seats: it.seats } : { ...base, quantity: it.quantity };
}

/** A section's part of a hold: the seats asked for, the seats the section chose (best available), or GA places. */
function sectionHold(holdId: string, expiresAt: number, it: HoldItemRequest, taken: number | SeatsChosen): SectionHold {
  const totalCents = holdTotal(taken);
  if ("seats" in it) return { holdId, section: it.section, kind: "reserved", seats: it.seats, quantity: it.seats.length, totalCents, expiresAt };
  if (typeof taken !== "number") return { holdId, section: it.section, kind: "reserved", seats: taken.seats, quantity: it.quantity, totalCents, expiresAt };
  return { holdId, section: it.section, kind: "ga", seats: [], quantity: it.quantity, totalCents, expiresAt };
}

function goneReason(status: LedgerStatus): "not_found" | "expired" | "released" | "returned" {
  switch (status) {
    case "expired":
      return "expired";
    case "released":
    case "releasing":
      return "released";
    case "returned":
    case "returning":
      return "returned";
    default:
      return "not_found"; // pending or failed: never became a hold
  }
}

function expiredOrGone(status: LedgerStatus): "not_found" | "expired" | "released" {
  const r = goneReason(status);
  return r === "returned" ? "not_found" : r;
}

/** The most useful refusal across sections; seat conflicts from every section are merged. */
function refusal(settled: PromiseSettledResult<SectionHoldResult>[], items: HoldItemRequest[]): CreateHoldResult {
  const failures = settled.map((s, i) => ({ s, section: items[i]!.section }));
  const unknown: string[] = [];
  const unavailable: string[] = [];
  // Best available refuses with no seat to name (no row has room): still a seat conflict.
  let seatConflict = false;
  let other: CreateHoldResult | null = null;
  for (const { s, section } of failures) {
    if (s.status === "rejected") {
      other ??= { ok: false, reason: "unavailable" };
      continue;
    }
    const r = s.value;
    if (holdTaken(r)) continue;
    switch (r.reason) {
      case "unknown_seats":
        unknown.push(...r.seats);
        break;
      case "seat_unavailable":
        unavailable.push(...r.unavailable);
        seatConflict = true;
        break;
      case "sold_out":
        if (other?.reason !== "not_initialized" && other?.reason !== "wrong_kind") other = { ok: false, reason: "sold_out", section, available: r.available };
        break;
      case "wrong_kind":
        other = { ok: false, reason: "wrong_kind", section, kind: r.kind };
        break;
      case "not_initialized":
        other = { ok: false, reason: "not_initialized", section };
        break;
      // The event's answer, the same in every section: it wins over any seat's.
      case "not_on_sale":
      case "event_cancelled":
        return r;
    }
  }
  if (unknown.length > 0) return { ok: false, reason: "unknown_seats", seats: unknown };
  if (other && other.reason !== "sold_out" && other.reason !== "unavailable") return other;
  if (seatConflict) return { ok: false, reason: "seat_unavailable", unavailable };
  return other ?? { ok: false, reason: "unavailable" };
}
