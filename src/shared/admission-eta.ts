/**
 * Live admission sessions by end time, mirrored in memory from the waiting room's `sessions`
 * table (one row per admission tick, so at most session_seconds / 2 s rows), so that a status
 * read finds "when does the j-th live session end" by binary search instead of a query.
 */
export class SessionEnds {
  /** End times, ascending. */
  private ends: number[] = [];
  /** `upTo[i]`: sessions ending at or before `ends[i]`. */
  private upTo: number[] = [];

  /** Replaces the contents with `rows` (any order). */
  reset(rows: Iterable<{ expires_at: number; n: number }>): void {
    const sorted = [...rows].sort((a, b) => a.expires_at - b.expires_at);
    this.ends = sorted.map((r) => r.expires_at);
    let total = 0;
    this.upTo = sorted.map((r) => (total += r.n));
  }

  /** Sessions ending at or before `t`. */
  private endedBy(t: number): number {
    let lo = 0;
    let hi = this.ends.length; // first index with ends[i] > t
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : this.upTo[lo - 1]!;
  }

  /** Sessions live at `now`. */
  live(now: number): number {
    return (this.upTo.at(-1) ?? 0) - this.endedBy(now);
  }

  /** When the `j`-th (1-based, earliest first) session live at `now` ends; `j <= live(now)`. */
  nthEnd(now: number, j: number): number {
    const target = this.endedBy(now) + j;
    let lo = 0;
    let hi = this.ends.length - 1; // first index with upTo[i] >= target
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.upTo[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return this.ends[lo]!;
  }
}

export interface EtaSettings {
  /** Epoch milliseconds. */
  onSaleAt: number;
  admitPerMinute: number;
  sessionSeconds: number;
  maxActive: number | null;
}

/**
 * Seconds until the place at `position` (1 = next in line) is admitted, from `now`.
 *
 * Without a cap: the time to the opening, then one admission every 60/rate seconds. With a cap
 * C on live sessions, admission i also waits for a session to end: the (i − free)-th of the
 * sessions live now (free = C − live, negative if the cap was lowered below them), or, past
 * those, the session of the admission C places earlier, one session length after it. Unrolled,
 * that is two lower bounds, and the ETA is the later one:
 * - from the opening: admissions at the rate, plus, per full round of C, the time a round's
 *   sessions outlast the rate (session length − C × 60/rate, when positive);
 * - from the live sessions: the end of the session whose place this one inherits, plus one
 *   session length per round of C after it.
 * Constant work plus two binary searches; ticks make the real admission up to one tick later.
 */
export function etaSeconds(position: number, now: number, s: EtaSettings, sessions: SessionEnds): number {
  const perAdmission = 60 / s.admitPerMinute;
  const byRate = Math.max(0, s.onSaleAt - now) / 1000 + position * perAdmission;
  const cap = s.maxActive;
  if (cap === null) return Math.ceil(byRate);
  const rounds = Math.floor((position - 1) / cap);
  const fromOpening = byRate + rounds * Math.max(0, s.sessionSeconds - cap * perAdmission);
  let fromLive = 0;
  const live = sessions.live(now);
  const endsNeeded = position - (cap - live);
  if (endsNeeded >= 1) {
    const laterRounds = Math.max(0, Math.ceil((endsNeeded - live) / cap));
    const j = endsNeeded - laterRounds * cap; // <= live; below 1 the place was free to begin with
    if (j >= 1) fromLive = (sessions.nthEnd(now, j) - now) / 1000 + laterRounds * s.sessionSeconds;
  }
  return Math.ceil(Math.max(fromOpening, fromLive));
}
