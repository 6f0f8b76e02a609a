import { DurableObject } from "cloudflare:workers";
import { migrate } from "./sql-migrations";

export type HitResult = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/** Append-only (see `migrate`); exported so a test can build an object stored by older code. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tat REAL NOT NULL);`,
];

/**
 * One counter per limited key (`idFromName("<action>:<user|ip>:<key>")`), so a hot key never
 * serialises anyone else's requests. The limit is a GCRA (a token bucket kept as one number,
 * the theoretical arrival time `tat`): `limit` requests per `windowSeconds`, the whole
 * allowance usable as a burst, rejected requests cost nothing.
 */
export class RateLimiter extends DurableObject<Env> {
  /** The clock; tests replace it (through `runInDurableObject`) to move time without sleeping. */
  clock: () => number = () => Date.now();

  private tat = 0;
  private alarmArmed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      try {
        migrate(ctx.storage, MIGRATIONS);
        this.tat = ctx.storage.sql.exec<{ tat: number }>("SELECT tat FROM bucket").toArray()[0]?.tat ?? 0;
        this.alarmArmed = (await ctx.storage.getAlarm()) !== null;
      } catch (err) {
        console.error("rate limiter init failed", err);
        throw err;
      }
    });
  }

  /** Counts one request against `limit` per `windowSeconds`, unless that would pass the limit. */
  async hit(limit: number, windowSeconds: number): Promise<HitResult> {
    if (!(limit >= 1) || !(windowSeconds > 0)) throw new Error(`bad limit ${limit}/${windowSeconds}s`);
    const now = this.clock();
    const window = windowSeconds * 1000;
    const interval = window / limit;
    const next = Math.max(this.tat, now) + interval;
    const allowedAt = next - window;
    if (allowedAt > now) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((allowedAt - now) / 1000)) };
    this.tat = next;
    this.ctx.storage.sql.exec("INSERT INTO bucket (id, tat) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET tat = excluded.tat", next);
    if (!this.alarmArmed) {
      this.alarmArmed = true;
      await this.ctx.storage.setAlarm(next);
    }
    return { ok: true, remaining: Math.floor((now + window - next) / interval) };
  }

  /**
   * Gives back one request that `hit` counted, for callers that must reserve before they know
   * whether the request counts (a read-only check first would let parallel requests all pass it).
   * Exact: the bucket ends as if that hit had not happened, apart from time refilling it.
   */
  async refund(limit: number, windowSeconds: number): Promise<void> {
    if (!(limit >= 1) || !(windowSeconds > 0)) throw new Error(`bad limit ${limit}/${windowSeconds}s`);
    const now = this.clock();
    if (this.tat <= now) return; // already full
    this.tat = Math.max(now, this.tat - (windowSeconds * 1000) / limit);
    this.ctx.storage.sql.exec("UPDATE bucket SET tat = ? WHERE id = 1", this.tat);
  }

  /** Forgets an idle key (its bucket is full again), so idle keys cost no storage. */
  override async alarm(): Promise<void> {
    const now = this.clock();
    if (now >= this.tat) {
      this.ctx.storage.sql.exec("DELETE FROM bucket");
      this.tat = 0;
      this.alarmArmed = false;
    } else {
      await this.ctx.storage.setAlarm(this.tat);
    }
  }
}
