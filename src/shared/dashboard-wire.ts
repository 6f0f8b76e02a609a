/**
 * What the live dashboard socket sends (`{type: "stats", stats}`), as far as the console page
 * reads it. The Worker's stats type is checked against it (src/worker/stats/live-dashboard.ts),
 * so the page and the server cannot drift apart silently.
 */
export interface SalesPointWire {
  t: string;
  orders_paid: number;
  tickets_sold: number;
  revenue_cents: number;
  refunded_cents: number;
}

export interface DashboardStatsWire {
  event_id: string;
  status: string;
  currency: string;
  orders: number;
  revenue_cents: number;
  totals: { tickets_sold: number };
  holds: { in_flight: number; conversion: number | null };
  sections: { key: string; capacity: number; available: number; held: number; sold: number; selling_out: boolean; sold_out: boolean }[];
  selling_out: string[];
  series: { per_minute: SalesPointWire[]; per_day: SalesPointWire[] };
  queue: { waiting: number; admitted: number; admitted_per_minute: number | null; per_minute: { t: string; waiting: number; admitted: number }[] } | null;
  checkins: { entries: number; per_gate: { device_id: string; name: string; entries: number; per_minute: { t: string; entries: number }[] }[] };
  waitlist: { waiting: number; offered: number; waiting_quantity: number };
  generated_at: string;
}

/** The console's one-line waitlist figure, the same on the first render and on live updates. */
export function waitlistSummary(w: DashboardStatsWire["waitlist"]): string {
  if (w.waiting === 0 && w.offered === 0) return "nobody";
  const waiting = `${w.waiting} waiting (${w.waiting_quantity} tickets)`;
  return w.offered > 0 ? `${waiting}, ${w.offered} offered` : waiting;
}

export type DashboardMessage = { type: "stats"; stats: DashboardStatsWire };
