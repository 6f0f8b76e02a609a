/**
 * The live dashboard object (`DASHBOARD`, one per event): the socket hub of
 * src/durable-objects/dashboard-hub.ts, reading the same stats as
 * `GET /api/v1/admin/events/{id}/stats`, plus the admission rate and queue depth over time,
 * which only exist as samples: the waiting room counts admissions, it does not date them.
 */
import { DashboardHub } from "../../durable-objects/dashboard-hub";
import type { DashboardStatsWire } from "../../shared/dashboard-wire";
import { getEvent } from "../../platform/db/event-rows";
import { sectionsOf } from "../catalog/venues";
import { eventStats, type EventStats } from "./event-stats";
import { minuteBucket, MINUTE_MS } from "./buckets";

/** Samples of the queue older than this are dropped; the rate is measured over the last minute. */
const RATE_WINDOW_MS = 60_000;
const QUEUE_MINUTES = 60;

export type LiveStats = EventStats & {
  queue: (NonNullable<EventStats["queue"]> & { admitted_per_minute: number | null; per_minute: QueuePoint[] }) | null;
};
type QueuePoint = { t: string; waiting: number; admitted: number };

export class EventDashboard extends DashboardHub {
  private samples: { at: number; admitted: number }[] = [];
  private queueMinutes = new Map<string, QueuePoint>();

  protected async read(eventId: string, now: number): Promise<{ body: LiveStats; key: string } | null> {
    const event = await getEvent(this.env, eventId);
    if (!event) return null;
    const sections = (await sectionsOf(this.env, [event.venueId])).get(event.venueId) ?? [];
    const stats = await eventStats(this.env, event, sections, { minutes: 60 }, now);
    const body: LiveStats = { ...stats, queue: stats.queue && { ...stats.queue, ...this.sampleQueue(stats.queue, now) } };
    // The console page reads this shape (src/shared/dashboard-wire.ts).
    body satisfies DashboardStatsWire;
    const { generated_at: _, ...rest } = body;
    return { body, key: JSON.stringify(rest) };
  }

  /** Admissions per minute over the last minute of samples, and queue depth per minute. */
  private sampleQueue(q: NonNullable<EventStats["queue"]>, now: number) {
    this.samples.push({ at: now, admitted: q.admitted });
    this.samples = this.samples.filter((s) => s.at >= now - RATE_WINDOW_MS);
    const first = this.samples[0]!;
    const span = now - first.at;
    // A few seconds of samples say little about a rate that changes every 2 s admission tick.
    const rate = span >= 10_000 ? Math.round(((q.admitted - first.admitted) * 60_000) / span) : null;
    const t = minuteBucket(now);
    this.queueMinutes.set(t, { t: new Date(Math.floor(now / MINUTE_MS) * MINUTE_MS).toISOString(), waiting: q.waiting, admitted: q.admitted });
    for (const k of [...this.queueMinutes.keys()].sort().slice(0, Math.max(0, this.queueMinutes.size - QUEUE_MINUTES))) this.queueMinutes.delete(k);
    return { admitted_per_minute: rate, per_minute: [...this.queueMinutes.values()] };
  }
}
