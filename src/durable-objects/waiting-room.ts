import { DurableObject } from "cloudflare:workers";
import { etaSeconds, SessionEnds } from "../shared/admission-eta";
import { Fenwick } from "../shared/fenwick";
import { recordMetric } from "../platform/metrics";
import {
  placeJson,
  type JoinResult,
  type PlaceView,
  type StatusResult,
  type WaitingRoomConfig,
  type WaitingRoomStats,
} from "../shared/waiting-room";
import { ALARM, type CallContext } from "../shared/call-context";
import { objectLog } from "./object-log";
import { migrate } from "./sql-migrations";

/** Admission runs on this beat once the sale is open and someone waits. */
export const TICK_MS = 2_000;
/** Upper bound of rows one alarm admits, so a huge rate cannot make one alarm unbounded. */
const MAX_ADMIT_PER_TICK = 10_000;

/*
 * Queue order is one integer, `ord`:
 * - joins before on-sale ("early") get a uniformly random key in [0, 2^52): their order among
 *   themselves is a random permutation, whoever clicked first or opened more tabs;
 * - joins after on-sale ("late") get 2^52 + n for the n-th late join: first come, first served,
 *   all behind every early arrival.
 * Admission walks `ord` upwards from a frontier. Rows are never deleted, so the number of rows
 * before a place is its rank; the rank of a late place is arithmetic, and the rank of an
 * early one is a Fenwick prefix over 65,536 key buckets plus an index scan inside one bucket
 * (about n/65,536 entries), which keeps position reads cheap at millions of waiting users.
 */
const LATE_BASE = 2 ** 52;
const BUCKET_SPAN = 2 ** 36;
const BUCKETS = LATE_BASE / BUCKET_SPAN; // 65,536: about 15 places per bucket at a million

/** Append-only (see `migrate`); exported so a test can build an object stored by older code. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE places (
     id INTEGER PRIMARY KEY,
     user_id TEXT NOT NULL,
     ord INTEGER NOT NULL UNIQUE,
     joined_at INTEGER NOT NULL,
     admitted_at INTEGER,
     expires_at INTEGER
   );
   CREATE INDEX places_user ON places (user_id, id);
   CREATE TABLE buckets (b INTEGER PRIMARY KEY, n INTEGER NOT NULL);
   CREATE TABLE state (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     enabled INTEGER NOT NULL,
     on_sale_at INTEGER NOT NULL,
     admit_per_minute INTEGER NOT NULL,
     session_seconds INTEGER NOT NULL,
     sealed INTEGER NOT NULL,
     early INTEGER NOT NULL,
     late INTEGER NOT NULL,
     processed INTEGER NOT NULL,
     frontier INTEGER NOT NULL,
     last_tick_at INTEGER,
     carry REAL NOT NULL
   );
   INSERT INTO state VALUES (1, 0, 0, 60, 600, 0, 0, 0, 0, -1, NULL, 0);`,
  // Live sessions per admission tick (a few hundred rows at most), for the optional cap.
  `ALTER TABLE state ADD COLUMN max_active INTEGER;
   CREATE TABLE sessions (expires_at INTEGER PRIMARY KEY, n INTEGER NOT NULL);`,
  `ALTER TABLE state ADD COLUMN configured INTEGER NOT NULL DEFAULT 0;`,
];

interface State {
  enabled: boolean;
  onSaleAt: number;
  admitPerMinute: number;
  sessionSeconds: number;
  maxActive: number | null;
  /** Settings have been applied once; from then on only `configure` changes them. */
  configured: boolean;
  /** Set once the sale opened: no more early places, whatever the config says later. */
  sealed: boolean;
  early: number;
  late: number;
  /** Places admitted so far: exactly those with `ord <= frontier`. */
  processed: number;
  frontier: number;
  lastTickAt: number | null;
  /** Fraction of an admission carried to the next tick, so low rates are honoured exactly. */
  carry: number;
}

type SocketAttachment = { id: number };

type PlaceRow = { id: number; ord: number; admitted_at: number | null; expires_at: number | null };

const queueIdOf = (id: number) => `que_${id.toString(36)}`;
function rowIdOf(queueId: string): number | null {
  const m = /^que_([0-9a-z]{1,11})$/.exec(queueId);
  return m ? parseInt(m[1]!, 36) : null;
}

function randomEarlyKey(): number {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2)) as unknown as [number, number];
  return (hi & 0xfffff) * 2 ** 32 + lo;
}

/**
 * One per event (`idFromName(eventId)`): the queue of an event with a waiting room.
 * Admission happens on the alarm at `admitPerMinute`, never faster.
 */
export class WaitingRoom extends DurableObject<Env> {
  /** The clock; tests replace it (through `runInDurableObject`) to drive time without sleeping. */
  clock: () => number = () => Date.now();

  private state!: State;
  /** When the alarm is set for (null: none), once known; saves a storage read per join. */
  private alarmAt: number | null | undefined;
  /** `state` has changes not yet written (joins batch them into one write). */
  private dirty = false;
  private readonly ranks = new Fenwick(BUCKETS);
  /** The `sessions` table in memory, for the cap and the ETA. */
  private readonly sessionEnds = new SessionEnds();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      try {
        migrate(this.ctx.storage, MIGRATIONS);
        this.load();
      } catch (err) {
        console.error("waiting room init failed", err);
        throw err;
      }
    });
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  private load(): void {
    const s = this.sql.exec<Record<string, number | null>>("SELECT * FROM state WHERE id = 1").one();
    this.state = {
      enabled: s.enabled === 1,
      onSaleAt: s.on_sale_at!,
      admitPerMinute: s.admit_per_minute!,
      sessionSeconds: s.session_seconds!,
      maxActive: s.max_active ?? null,
      configured: s.configured === 1,
      sealed: s.sealed === 1,
      early: s.early!,
      late: s.late!,
      processed: s.processed!,
      frontier: s.frontier!,
      lastTickAt: s.last_tick_at ?? null,
      carry: s.carry!,
    };
    for (const { b, n } of this.sql.exec<{ b: number; n: number }>("SELECT b, n FROM buckets")) this.ranks.add(b, n);
    this.loadSessions();
  }

  private saveState(): void {
    this.dirty = false;
    const s = this.state;
    this.sql.exec(
      `UPDATE state SET enabled = ?, on_sale_at = ?, admit_per_minute = ?, session_seconds = ?, max_active = ?, configured = ?,
         sealed = ?, early = ?, late = ?, processed = ?, frontier = ?, last_tick_at = ?, carry = ? WHERE id = 1`,
      s.enabled ? 1 : 0, s.onSaleAt, s.admitPerMinute, s.sessionSeconds, s.maxActive, s.configured ? 1 : 0, s.sealed ? 1 : 0,
      s.early, s.late, s.processed, s.frontier, s.lastTickAt, s.carry,
    );
  }

  /**
   * Joins carry the event's settings as read from D1, so the first one sets the object up.
   * After that only `configure` (the organizer's PATCH) changes them: a join that read the
   * row just before a PATCH must not put the old rate back.
   */
  private bootstrap(cfg: WaitingRoomConfig): void {
    if (!this.state.configured) this.applyConfig(cfg);
  }

  /** Applies settings; a no-op when nothing changed. */
  private applyConfig(cfg: WaitingRoomConfig): boolean {
    const s = this.state;
    if (
      s.configured &&
      s.enabled === cfg.enabled &&
      s.onSaleAt === cfg.onSaleAt &&
      s.admitPerMinute === cfg.admitPerMinute &&
      s.sessionSeconds === cfg.sessionSeconds &&
      s.maxActive === (cfg.maxActiveSessions ?? null)
    )
      return false;
    s.enabled = cfg.enabled;
    s.onSaleAt = cfg.onSaleAt;
    s.admitPerMinute = cfg.admitPerMinute;
    s.sessionSeconds = cfg.sessionSeconds;
    s.maxActive = cfg.maxActiveSessions ?? null;
    s.configured = true;
    this.saveState();
    return true;
  }

  /** Joins the queue: the caller's current place if it has one, else a new one. */
  async join(userId: string, cfg: WaitingRoomConfig, ctx?: CallContext): Promise<JoinResult> {
    this.bootstrap(cfg);
    if (!this.state.enabled) return { ok: false, reason: "disabled" };
    const now = this.clock();
    const view = this.placeFor(userId, now);
    if (this.dirty) this.saveState();
    await this.ensureTicking(now);
    objectLog("queue_join", ctx, {
      event_id: this.ctx.id.name ?? null,
      user_id: userId,
      queue_id: view.queueId,
      status: view.status,
      ...(view.status === "waiting" ? { position: view.position } : {}),
    });
    return { ok: true, ...view };
  }

  /**
   * Joins many users in one call (the benchmark's bulk load of a million places goes through
   * here, in batches, to avoid a million RPC round trips); same rules as `join`.
   */
  async joinMany(userIds: string[], cfg: WaitingRoomConfig): Promise<{ ok: true; joined: number } | { ok: false; reason: "disabled" }> {
    this.bootstrap(cfg);
    if (!this.state.enabled) return { ok: false, reason: "disabled" };
    const now = this.clock();
    for (const userId of userIds) this.placeFor(userId, now);
    if (this.dirty) this.saveState();
    await this.ensureTicking(now);
    return { ok: true, joined: userIds.length };
  }

  /** The place `queueId`, if it belongs to `userId` (anyone else gets not_found). */
  async status(queueId: string, userId: string): Promise<StatusResult> {
    const row = this.ownPlace(queueId, userId);
    if (!row) return { ok: false, reason: "not_found" };
    return { ok: true, ...this.view(row, this.clock()) };
  }

  /** The place `queueId` if it exists and belongs to `userId`. */
  private ownPlace(queueId: string, userId: string): PlaceRow | undefined {
    const id = rowIdOf(queueId);
    if (id === null) return undefined;
    const row = this.sql
      .exec<PlaceRow & { user_id: string }>("SELECT id, user_id, ord, admitted_at, expires_at FROM places WHERE id = ?", id)
      .toArray()[0];
    return row?.user_id === userId ? row : undefined;
  }

  /** New settings from the organizer (rate, session length, on/off); takes effect on the next tick. */
  async configure(cfg: WaitingRoomConfig): Promise<WaitingRoomStats> {
    this.applyConfig(cfg);
    await this.ensureTicking(this.clock());
    return this.stats();
  }

  async stats(): Promise<WaitingRoomStats> {
    const s = this.state;
    return {
      enabled: s.enabled,
      sealed: s.sealed,
      early: s.early,
      late: s.late,
      admitted: s.processed,
      waiting: s.early + s.late - s.processed,
      admitPerMinute: s.admitPerMinute,
      sessionSeconds: s.sessionSeconds,
      maxActiveSessions: s.maxActive,
      activeSessions: this.activeSessions(this.clock()),
    };
  }

  /**
   * WebSocket for position updates (the Worker has authenticated the caller and passes
   * `X-User-Id`; the path ends with the queue id). Hibernatable: the socket's place rides in
   * its attachment, and every admission tick pushes each socket its new status.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade", { status: 426 });
    const queueId = new URL(request.url).pathname.split("/").at(-2) ?? "";
    const row = this.ownPlace(queueId, request.headers.get("X-User-Id") ?? "");
    if (!row) return new Response("Not found", { status: 404 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ id: row.id } satisfies SocketAttachment);
    this.push(server, this.clock());
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, _message: string | ArrayBuffer): Promise<void> {
    try {
      this.push(ws, this.clock()); // any message asks for the current status
    } catch (err) {
      console.error("waiting room socket message failed", err);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket, err: unknown): Promise<void> {
    console.error("waiting room socket error", err);
    try {
      ws.close(1011, "error");
    } catch {
      // already closed
    }
  }

  /** Sends a socket its place's status; admitted or lapsed places are told and closed. */
  private push(ws: WebSocket, now: number): void {
    const { id } = ws.deserializeAttachment() as SocketAttachment;
    const row = this.sql.exec<PlaceRow>("SELECT id, ord, admitted_at, expires_at FROM places WHERE id = ?", id).toArray()[0];
    if (!row) return ws.close(1011, "place gone");
    const view = this.view(row, now);
    ws.send(JSON.stringify(placeJson(view)));
    // The admission token itself is fetched with GET .../queue/{id}, as a bearer-authenticated call.
    if (view.status !== "waiting") ws.close(1000, view.status);
  }

  /** One admission tick: admits what the rate allows for the time since the last tick. */
  override async alarm(): Promise<void> {
    const s = this.state;
    const now = this.clock();
    this.alarmAt = null; // this alarm is spent; anything below that re-arms records it
    if (!s.enabled) return; // configure() re-arms when the room is switched back on
    if (now < s.onSaleAt) {
      await this.setAlarm(s.onSaleAt);
      return;
    }
    s.sealed = true;
    // Time since the last tick, capped at one beat: a late or skipped alarm, or an idle spell,
    // never turns into a burst above the rate.
    const since = now - (s.lastTickAt ?? s.onSaleAt);
    const elapsed = Math.max(0, Math.min(since, TICK_MS));
    const allowance = s.carry + (s.admitPerMinute * elapsed) / 60_000;
    const lapsed = this.sql.exec("DELETE FROM sessions WHERE expires_at <= ?", now).rowsWritten;
    const room = s.maxActive === null ? Infinity : Math.max(0, s.maxActive - this.activeSessions(now));
    const due = Math.min(Math.floor(allowance), MAX_ADMIT_PER_TICK, room);
    s.carry = allowance - Math.floor(allowance);
    let admitted = 0;
    if (due > 0) {
      const last = this.sql
        .exec<{ ord: number; n: number }>(
          "SELECT max(ord) AS ord, count(*) AS n FROM (SELECT ord FROM places WHERE ord > ? ORDER BY ord LIMIT ?)",
          s.frontier,
          due,
        )
        .one();
      admitted = last.n;
      if (admitted > 0) {
        this.sql.exec(
          "UPDATE places SET admitted_at = ?, expires_at = ? WHERE ord > ? AND ord <= ?",
          now,
          now + s.sessionSeconds * 1000,
          s.frontier,
          last.ord,
        );
        this.sql.exec(
          "INSERT INTO sessions (expires_at, n) VALUES (?, ?) ON CONFLICT (expires_at) DO UPDATE SET n = n + excluded.n",
          now + s.sessionSeconds * 1000,
          admitted,
        );
        s.frontier = last.ord;
        s.processed += admitted;
        recordMetric(this.env.METRICS, { kind: "admission", eventId: this.ctx.id.name ?? "", count: admitted });
      }
    }
    if (lapsed > 0 || admitted > 0) {
      this.loadSessions(); // one row per tick of a session length at most
      objectLog("admission_tick", ALARM, { event_id: this.ctx.id.name ?? null, admitted, lapsed_sessions: lapsed, allowance: Math.floor(allowance) });
    }
    // Unused allowance (empty queue, full cap) is not banked: no burst when room appears.
    if (admitted < Math.floor(allowance)) s.carry = 0;
    s.lastTickAt = now;
    this.saveState();
    if (s.early + s.late > s.processed) await this.setAlarm(now + TICK_MS);
    if (admitted > 0) {
      for (const ws of this.ctx.getWebSockets()) {
        try {
          this.push(ws, now);
        } catch (err) {
          console.error("waiting room push failed", err);
        }
      }
    }
  }

  /** The user's place, made if needed; the caller saves `state` (once per batch). */
  private placeFor(userId: string, now: number): PlaceView {
    const current = this.sql
      .exec<PlaceRow>("SELECT id, ord, admitted_at, expires_at FROM places WHERE user_id = ? ORDER BY id DESC LIMIT 1", userId)
      .toArray()[0];
    // One place per user; only once its admission has lapsed may the user queue again (at the back).
    if (current && !(current.expires_at !== null && current.expires_at <= now)) return this.view(current, now);
    const s = this.state;
    this.dirty = true;
    if (!s.sealed && now >= s.onSaleAt) s.sealed = true;
    let ord: number;
    if (!s.sealed) {
      do ord = randomEarlyKey();
      while (this.sql.exec("SELECT 1 FROM places WHERE ord = ?", ord).toArray().length > 0);
      const b = Math.floor(ord / BUCKET_SPAN);
      this.sql.exec("INSERT INTO buckets (b, n) VALUES (?, 1) ON CONFLICT (b) DO UPDATE SET n = n + 1", b);
      this.ranks.add(b, 1);
      s.early += 1;
    } else {
      s.late += 1;
      ord = LATE_BASE + s.late;
    }
    const { id } = this.sql
      .exec<{ id: number }>("INSERT INTO places (user_id, ord, joined_at) VALUES (?, ?, ?) RETURNING id", userId, ord, now)
      .one();
    return this.view({ id, ord, admitted_at: null, expires_at: null }, now);
  }

  private loadSessions(): void {
    this.sessionEnds.reset(this.sql.exec<{ expires_at: number; n: number }>("SELECT expires_at, n FROM sessions"));
  }

  private activeSessions(now: number): number {
    return this.sessionEnds.live(now);
  }

  /** Number of places ordered before `ord` (admitted, lapsed or waiting). */
  private rankBefore(ord: number): number {
    if (ord >= LATE_BASE) return this.state.early + (ord - LATE_BASE - 1);
    const b = Math.floor(ord / BUCKET_SPAN);
    const inBucket = this.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM places WHERE ord >= ? AND ord < ?", b * BUCKET_SPAN, ord)
      .one().n;
    return this.ranks.prefix(b) + inBucket;
  }

  private view(row: PlaceRow, now: number): PlaceView {
    const queueId = queueIdOf(row.id);
    if (row.admitted_at !== null && row.expires_at !== null) {
      return row.expires_at > now
        ? { status: "admitted", queueId, admittedAt: row.admitted_at, expiresAt: row.expires_at }
        : { status: "expired", queueId, expiredAt: row.expires_at };
    }
    // Everyone ordered before this place is either admitted (counted in `processed`) or waiting.
    const position = this.rankBefore(row.ord) - this.state.processed + 1;
    return { status: "waiting", queueId, position, etaSeconds: this.eta(position, now) };
  }

  /** Time to the sale opening and the rate, and with a live-session cap, when sessions end. */
  private eta(position: number, now: number): number {
    return etaSeconds(position, now, this.state, this.sessionEnds);
  }

  private async ensureTicking(now: number): Promise<void> {
    const s = this.state;
    if (!s.enabled || s.early + s.late === s.processed) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null) return;
    await this.setAlarm(now < s.onSaleAt ? s.onSaleAt : now + TICK_MS);
  }

  private async setAlarm(at: number): Promise<void> {
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}
