/**
 * Live dashboard page: opens the event's live socket (the `live_url` the page was rendered
 * with; a fresh one from the stats route after a drop) and redraws figures, tables and uPlot
 * charts on every message. The server pushes only when a number changed, so an idle sale
 * costs nothing here.
 */
import uPlot from "uplot";
import { waitlistSummary, type DashboardMessage, type DashboardStatsWire, type SalesPointWire } from "../shared/dashboard-wire";

const root = document.getElementById("dashboard") as HTMLElement | null;

const PALETTE = ["#1f5fbf", "#b8420f", "#187a3e", "#7a2d9c", "#8a6d00", "#0f6f7a"];

if (root) start(root);

function start(root: HTMLElement) {
  const eventId = root.dataset.eventId ?? "";
  const currency = (root.dataset.currency ?? "usd").toUpperCase();
  const decimals = Number(root.dataset.decimals ?? "2");
  const money = new Intl.NumberFormat("en", { style: "currency", currency, minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  const fmtMoney = (minor: number) => money.format(minor / 10 ** decimals);
  const axisMoney = new Intl.NumberFormat("en", { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 });
  const state = document.getElementById("live-state");
  const charts = new Map<string, { plot: uPlot; key: string }>();

  const setKpi = (name: string, text: string) => {
    const el = root.querySelector<HTMLElement>(`[data-kpi="${name}"]`);
    if (el && el.textContent !== text) el.textContent = text;
  };

  /** A chart in `el`, made again only when its series change (a new gate), otherwise fed new data. */
  function draw(id: string, series: uPlot.Series[], data: uPlot.AlignedData, axes?: uPlot.Axis[], summary?: string, step = 60) {
    const el = document.getElementById(id);
    if (!el) return;
    if (summary) el.setAttribute("aria-label", summary);
    const key = series.map((s) => String(s.label)).join("|");
    const existing = charts.get(id);
    if (existing && existing.key === key) {
      existing.plot.setData(data);
      return;
    }
    existing?.plot.destroy();
    const width = Math.max(280, el.clientWidth || 600);
    // Half a bucket of room on each side, so one day (or one minute) is a bar, not a point lost in an auto range.
    const x: uPlot.Scale = { time: true, range: (_u, min, max) => [min - step / 2, max + step / 2] };
    const plot = new uPlot({ width, height: 220, series: [{}, ...series], axes, scales: { x }, legend: { live: false } }, data, el);
    charts.set(id, { plot, key });
  }

  const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined;
  const secs = (iso: string) => Date.parse(iso) / 1000;
  const salesAxes: uPlot.Axis[] = [{}, { label: "tickets" }, { side: 1, scale: "money", size: 70, values: (_u, vals) => vals.map((v) => axisMoney.format(v / 10 ** decimals)) }];
  const salesSeries: uPlot.Series[] = [
    { label: "Tickets sold", stroke: PALETTE[0], fill: "rgba(31,95,191,0.35)", paths: bars },
    { label: "Revenue", stroke: PALETTE[1], width: 2, scale: "money", value: (_u, v) => (v === null ? "–" : fmtMoney(v)) },
  ];
  const salesData = (points: SalesPointWire[]): uPlot.AlignedData => [points.map((p) => secs(p.t)), points.map((p) => p.tickets_sold), points.map((p) => p.revenue_cents)];

  /** At least seven days on the day chart (empty ones before the first sale): one bar alone has no scale. */
  function lastWeekAtLeast(days: SalesPointWire[]): SalesPointWire[] {
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const first = days[0] ? Date.parse(days[0].t) : today;
    const pad: SalesPointWire[] = [];
    for (let t = today - 6 * 86_400_000; t < first; t += 86_400_000) pad.push({ t: new Date(t).toISOString(), orders_paid: 0, tickets_sold: 0, revenue_cents: 0, refunded_cents: 0 });
    return [...pad, ...days];
  }

  function update(s: DashboardStatsWire) {
    setKpi("sold", String(s.totals.tickets_sold));
    setKpi("revenue", fmtMoney(s.revenue_cents));
    setKpi("orders", String(s.orders));
    setKpi("holds", String(s.holds.in_flight));
    setKpi("conversion", s.holds.conversion === null ? "–" : `${Math.round(s.holds.conversion * 100)}%`);
    setKpi("queue", s.queue ? String(s.queue.waiting) : "no queue");
    setKpi("admission", s.queue ? (s.queue.admitted_per_minute === null ? "measuring…" : String(s.queue.admitted_per_minute)) : "no queue");
    setKpi("checkins", String(s.checkins.entries));
    setKpi("waitlist", waitlistSummary(s.waitlist));

    const lastHourSold = s.series.per_minute.reduce((n, p) => n + p.tickets_sold, 0);
    draw("chart-sales", salesSeries, salesData(s.series.per_minute), salesAxes, `${lastHourSold} tickets sold in the last hour, ${fmtMoney(s.series.per_minute.reduce((n, p) => n + p.revenue_cents, 0))} revenue.`);
    draw("chart-days", salesSeries, salesData(lastWeekAtLeast(s.series.per_day)), salesAxes, `${s.series.per_day.length} days of sales.`, 86_400);
    const gates = s.checkins.per_gate;
    const x = gates[0]?.per_minute.map((p) => secs(p.t)) ?? s.series.per_minute.map((p) => secs(p.t));
    draw(
      "chart-gates",
      gates.map((g, i) => ({ label: g.name, stroke: PALETTE[i % PALETTE.length], width: 2 })),
      [x, ...gates.map((g) => g.per_minute.map((p) => p.entries))],
      undefined,
      gates.length === 0 ? "No gate devices yet." : gates.map((g) => `${g.name}: ${g.entries} let in`).join(", "),
    );
    const queueFigure = document.getElementById("chart-queue")?.closest("figure");
    if (queueFigure) queueFigure.hidden = s.queue === null;
    const q = s.queue?.per_minute ?? [];
    draw("chart-queue", [{ label: "Waiting", stroke: PALETTE[2], width: 2 }], [q.map((p) => secs(p.t)), q.map((p) => p.waiting)], undefined, s.queue ? `${s.queue.waiting} waiting now.` : "This event has no waiting room.");

    const body = document.getElementById("sections-body");
    if (body) {
      body.replaceChildren(
        ...s.sections.map((sec) => {
          const tr = document.createElement("tr");
          const th = document.createElement("th");
          th.scope = "row";
          th.textContent = sec.key;
          tr.append(th);
          for (const v of [sec.capacity, sec.available, sec.held, sec.sold, sec.sold_out ? "Sold out" : sec.selling_out ? "Selling out" : ""]) {
            const td = document.createElement("td");
            td.textContent = String(v);
            tr.append(td);
          }
          if (sec.selling_out) tr.className = "selling-out";
          return tr;
        }),
      );
    }
    const callout = document.getElementById("selling-out");
    if (callout) {
      callout.hidden = s.selling_out.length === 0;
      callout.textContent = `Selling out: ${s.selling_out.join(", ")}`;
    }
    root.dataset.updatedAt = s.generated_at;
  }

  let retry = 1000;
  function connect(url: string) {
    const ws = new WebSocket(url);
    ws.addEventListener("open", () => {
      retry = 1000;
      if (state) state.textContent = "Live";
      root.dataset.live = "true";
    });
    ws.addEventListener("message", (e) => {
      const m = JSON.parse(String(e.data)) as DashboardMessage;
      if (m.type === "stats") update(m.stats);
    });
    ws.addEventListener("close", () => {
      root.dataset.live = "false";
      if (state) state.textContent = "Reconnecting…";
      setTimeout(reconnect, retry);
      retry = Math.min(retry * 2, 30_000);
    });
  }

  /** A ticket lasts a minute: a new socket needs a new one, from the stats route (session cookie). */
  async function reconnect() {
    try {
      const res = await fetch(`/api/v1/admin/events/${encodeURIComponent(eventId)}/stats?minutes=60`, { credentials: "same-origin" });
      if (!res.ok) throw new Error(String(res.status));
      const body = (await res.json()) as DashboardStatsWire & { live_url: string };
      update(body);
      connect(body.live_url);
    } catch {
      setTimeout(reconnect, retry);
      retry = Math.min(retry * 2, 30_000);
    }
  }

  const url = root.dataset.liveUrl;
  if (url) connect(url);
}
