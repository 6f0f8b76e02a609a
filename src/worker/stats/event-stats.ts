/**
 * The organizer's stats of one event (`GET /api/v1/admin/events/{id}/stats` and the live
 * dashboard): live counts from the section objects and the waiting room, and sales and
 * check-ins from the bucket rows the triggers keep (never a scan of the event's orders).
 */
import { z } from "zod";
import { publicStatus, type EventRow } from "../../platform/db/event-rows";
import { readSnapshots } from "../catalog/inventory";
import type { VenueSectionRow } from "../catalog/venues";
import { roomFor } from "../waiting-room/room";
import { waitlistObjectName } from "../../shared/waitlist";
import { bucketStart, dayBucket, DAY_MS, denseSeries, minuteBucket, MINUTE_MS } from "./buckets";

/** Most minutes one answer charts (a day); the per-day series covers the rest. */
export const MAX_SERIES_MINUTES = 1440;
/** Per-day series reach back at most this far. */
const MAX_SERIES_DAYS = 400;

export const StatsQuery = z.object({
  /** Length of the per-minute window, ending at `from + minutes` or now. */
  minutes: z.coerce.number().int().min(1).max(MAX_SERIES_MINUTES).default(60),
  /** Start of the per-minute window (default: `minutes` before now). */
  from: z.iso.datetime({ offset: true }).optional(),
});
export type StatsQuery = z.infer<typeof StatsQuery>;

/**
 * A section is "selling out" when at most this share of it, or at most this many places, can
 * still be held; held places count as gone since most holds become orders.
 */
const SELLING_OUT_SHARE = 0.1;
const SELLING_OUT_PLACES = 10;

type SalesRow = {
  bucket: string;
  orders_placed: number;
  orders_paid: number;
  orders_refunded: number;
  tickets_issued: number;
  tickets_revoked: number;
  gross_cents: number;
  refunded_cents: number;
};

/** One point of the sales series: net figures, refunds already subtracted. */
function salesPoint(r: Omit<SalesRow, "bucket">) {
  return {
    orders_placed: r.orders_placed,
    orders_paid: r.orders_paid,
    orders_refunded: r.orders_refunded,
    tickets_sold: r.tickets_issued - r.tickets_revoked,
    gross_cents: r.gross_cents,
    refunded_cents: r.refunded_cents,
    revenue_cents: r.gross_cents - r.refunded_cents,
  };
}
type SalesPoint = ReturnType<typeof salesPoint>;
const ZERO_SALES: SalesPoint = salesPoint({
  orders_placed: 0,
  orders_paid: 0,
  orders_refunded: 0,
  tickets_issued: 0,
  tickets_revoked: 0,
  gross_cents: 0,
  refunded_cents: 0,
});

const SALES_COLUMNS = `bucket, orders_placed, orders_paid, orders_refunded, tickets_issued, tickets_revoked, gross_cents, refunded_cents`;

export function sectionAvailability(s: { key: string; capacity: number; available: number; held: number; sold: number }) {
  const sold_out = s.available === 0 && s.held === 0;
  const selling_out = !sold_out && s.available <= Math.max(SELLING_OUT_PLACES, Math.floor(s.capacity * SELLING_OUT_SHARE));
  return { key: s.key, capacity: s.capacity, available: s.available, held: s.held, sold: s.sold, selling_out, sold_out };
}

/** Window of the per-minute series: `[from, to]` in epoch ms, floored to minutes. */
function minuteWindow(q: StatsQuery, now: number) {
  const to = q.from ? Date.parse(q.from) + (q.minutes - 1) * MINUTE_MS : now;
  const from = to - (q.minutes - 1) * MINUTE_MS;
  return { from: Math.floor(from / MINUTE_MS) * MINUTE_MS, to };
}

/** The stats of one event; `event` must already be the caller's own. */
export async function eventStats(
  env: Pick<Env, "DB" | "INVENTORY" | "WAITING_ROOM" | "WAITLIST">,
  event: EventRow,
  sections: VenueSectionRow[],
  q: StatsQuery = { minutes: 60 },
  now = Date.now(),
) {
  const win = minuteWindow(q, now);
  const [snapshots, d1, queue, waitlist] = await Promise.all([
    // A draft (or an event cancelled before publishing) has no inventory yet: all places are free.
    event.publishedAt
      ? readSnapshots(env, event.id, sections)
      : sections.map((s) => ({ key: s.key, capacity: s.capacity, available: s.capacity, held: 0, sold: 0 })),
    env.DB.batch([
      env.DB.prepare(
        `SELECT ${SALES_COLUMNS} FROM event_sales_buckets WHERE event_id = ?1 AND span = 'minute' AND bucket BETWEEN ?2 AND ?3`,
      ).bind(event.id, minuteBucket(win.from), minuteBucket(win.to)),
      env.DB.prepare(`SELECT ${SALES_COLUMNS} FROM event_sales_buckets WHERE event_id = ?1 AND span = 'day' AND bucket >= ?2`).bind(
        event.id,
        dayBucket(now - MAX_SERIES_DAYS * DAY_MS),
      ),
      // Totals over all days: a few hundred rows at most, whatever the number of orders.
      env.DB.prepare(
        `SELECT COALESCE(SUM(orders_placed), 0) AS orders_placed, COALESCE(SUM(orders_paid), 0) AS orders_paid,
                COALESCE(SUM(orders_refunded), 0) AS orders_refunded, COALESCE(SUM(tickets_issued), 0) AS tickets_issued,
                COALESCE(SUM(tickets_revoked), 0) AS tickets_revoked, COALESCE(SUM(gross_cents), 0) AS gross_cents,
                COALESCE(SUM(refunded_cents), 0) AS refunded_cents
         FROM event_sales_buckets WHERE event_id = ?1 AND span = 'day'`,
      ).bind(event.id),
      env.DB.prepare(
        `SELECT d.id AS device_id, d.name, COALESCE(a.scans, 0) AS scans, COALESCE(a.entries, 0) AS entries
         FROM gate_devices d LEFT JOIN gate_device_activity a ON a.device_id = d.id
         WHERE d.event_id = ?1 ORDER BY d.created_at, d.id`,
      ).bind(event.id),
      env.DB.prepare(
        `SELECT bucket, device_id, scans, entries FROM gate_scan_buckets
         WHERE event_id = ?1 AND span = 'minute' AND bucket BETWEEN ?2 AND ?3`,
      ).bind(event.id, minuteBucket(win.from), minuteBucket(win.to)),
    ]),
    event.waitingRoom && event.state === "published" ? roomFor(env, event.id).stats() : Promise.resolve(null),
    env.WAITLIST.getByName(waitlistObjectName(event.id)).counts(),
  ]);
  const [minuteRows, dayRows, totalRows, deviceRows, scanRows] = d1.map((r) => r.results) as [
    SalesRow[],
    SalesRow[],
    Omit<SalesRow, "bucket">[],
    { device_id: string; name: string; scans: number; entries: number }[],
    { bucket: string; device_id: string; scans: number; entries: number }[],
  ];

  const totals = salesPoint(totalRows[0]!);
  const perMinute = denseSeries("minute", win.from, win.to, new Map(minuteRows.map((r) => [r.bucket, salesPoint(r)])), ZERO_SALES);
  const firstDay = dayRows.reduce((min, r) => (r.bucket < min ? r.bucket : min), dayBucket(now));
  const perDay = dayRows.length === 0 ? [] : denseSeries("day", bucketStart(firstDay), now, new Map(dayRows.map((r) => [r.bucket, salesPoint(r)])), ZERO_SALES);

  const sectionStats = snapshots.map(sectionAvailability);
  const held = sectionStats.reduce((n, s) => n + s.held, 0);
  const status = publicStatus(event, now);

  return {
    event_id: event.id,
    status,
    cancelled_at: event.cancelledAt,
    currency: event.currency,
    sections: sectionStats,
    /** Contract: paid orders (refunded ones no longer count) and revenue net of refunds. */
    orders: totals.orders_paid - totals.orders_refunded,
    revenue_cents: totals.revenue_cents,
    totals,
    holds: {
      /** Places held right now, waiting to be paid. */
      in_flight: held,
      /** Holds that became orders, and how many of those were paid. */
      ordered: totals.orders_placed,
      paid: totals.orders_paid,
      conversion: totals.orders_placed === 0 ? null : totals.orders_paid / totals.orders_placed,
    },
    selling_out: sectionStats.filter((s) => s.selling_out).map((s) => s.key),
    series: {
      from: new Date(win.from).toISOString(),
      per_minute: perMinute,
      per_day: perDay,
    },
    queue: queue && {
      enabled: queue.enabled,
      waiting: queue.waiting,
      admitted: queue.admitted,
      active_sessions: queue.activeSessions,
      admit_per_minute: queue.admitPerMinute,
      session_seconds: queue.sessionSeconds,
    },
    checkins: {
      entries: deviceRows.reduce((n, d) => n + d.entries, 0),
      per_gate: deviceRows.map((d) => {
        const mine = new Map(scanRows.filter((r) => r.device_id === d.device_id).map((r) => [r.bucket, { scans: r.scans, entries: r.entries }]));
        return {
          device_id: d.device_id,
          name: d.name,
          scans: d.scans,
          entries: d.entries,
          per_minute: denseSeries("minute", win.from, win.to, mine, { scans: 0, entries: 0 }),
        };
      }),
    },
    waitlist,
    /** While the event is cancelled and refunds are still running, the paid orders left to refund. */
    refunds_pending: event.state === "cancelled" ? totals.orders_paid - totals.orders_refunded : 0,
    generated_at: new Date(now).toISOString(),
  };
}

export type EventStats = Awaited<ReturnType<typeof eventStats>>;
