import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { CURRENCY_DECIMALS } from "../../money";
import type { LiveStats } from "../../stats/live-dashboard";
import type { ApiFetch } from "../api-call";
import { formatMoney, STATUS_LABEL } from "../format";
import { apiGet } from "./api";
import { AdminLayout } from "./layout";
import { waitlistSummary } from "../../../shared/dashboard-wire";

/** One figure of the dashboard; the script updates `data-kpi` elements by name. */
function Kpi(props: { name: string; label: string; value: string }) {
  return (
    <div class="kpi">
      <dt>{props.label}</dt>
      <dd data-kpi={props.name} id={`kpi-${props.name}`}>
        {props.value}
      </dd>
    </div>
  );
}

const pct = (x: number | null) => (x === null ? "–" : `${Math.round(x * 100)}%`);

/**
 * The live dashboard of one event. The first numbers are rendered here; the script
 * (src/console/dashboard.ts) opens the live socket of the stats answer's `live_url` and redraws
 * on each message, with uPlot charts.
 */
export function dashboardPages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  pages.get("/admin/events/:eventId/dashboard", async (c) => {
    const id = encodeURIComponent(c.req.param("eventId"));
    const [event, stats] = await Promise.all([
      apiGet<{ event_id: string; name: string }>(c, api, `/api/v1/admin/events/${id}`),
      apiGet<LiveStats & { live_url: string }>(c, api, `/api/v1/admin/events/${id}/stats?minutes=60`),
    ]);
    const money = (cents: number) => formatMoney(cents, stats.currency);
    return c.html(
      <AdminLayout title={`Live · ${event.name}`} event={event} scripts={["dashboard"]}>
        <div
          id="dashboard"
          data-event-id={event.event_id}
          data-live-url={stats.live_url}
          data-currency={stats.currency}
          data-decimals={String(CURRENCY_DECIMALS[stats.currency] ?? 2)}
        >
          <h1>
            {event.name}: live
          </h1>
          <p>
            <span class={`badge badge-${stats.status}`} id="event-status">
              {STATUS_LABEL[stats.status] ?? stats.status}
            </span>{" "}
            <span id="live-state" role="status">
              Connecting…
            </span>
          </p>
          <dl class="kpis">
            <Kpi name="sold" label="Tickets sold" value={String(stats.totals.tickets_sold)} />
            <Kpi name="revenue" label="Revenue" value={money(stats.revenue_cents)} />
            <Kpi name="orders" label="Paid orders" value={String(stats.orders)} />
            <Kpi name="holds" label="Held now" value={String(stats.holds.in_flight)} />
            <Kpi name="conversion" label="Checkouts paid" value={pct(stats.holds.conversion)} />
            <Kpi name="queue" label="In the queue" value={stats.queue ? String(stats.queue.waiting) : "no queue"} />
            <Kpi name="admission" label="Admitted per minute" value={stats.queue ? "–" : "no queue"} />
            <Kpi name="checkins" label="Checked in" value={String(stats.checkins.entries)} />
            <Kpi name="waitlist" label="Waitlist" value={waitlistSummary(stats.waitlist)} />
          </dl>
          <div class="charts">
            <figure>
              <figcaption id="sales-caption">Tickets sold and revenue per minute, last hour</figcaption>
              <div id="chart-sales" class="chart" role="img" aria-labelledby="sales-caption"></div>
            </figure>
            <figure>
              <figcaption id="days-caption">Tickets sold and revenue per day</figcaption>
              <div id="chart-days" class="chart" role="img" aria-labelledby="days-caption"></div>
            </figure>
            <figure>
              <figcaption id="gates-caption">Check-ins per gate per minute, last hour</figcaption>
              <div id="chart-gates" class="chart" role="img" aria-labelledby="gates-caption"></div>
            </figure>
            <figure>
              <figcaption id="queue-caption">Queue depth while this page is open</figcaption>
              <div id="chart-queue" class="chart" role="img" aria-labelledby="queue-caption"></div>
            </figure>
          </div>
          <h2>Sections</h2>
          <p id="selling-out" class="callout" hidden={stats.selling_out.length === 0}>
            Selling out: {stats.selling_out.join(", ")}
          </p>
          <table>
            <caption>Availability per section</caption>
            <thead>
              <tr>
                <th scope="col">Section</th>
                <th scope="col">Capacity</th>
                <th scope="col">Available</th>
                <th scope="col">Held</th>
                <th scope="col">Sold</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody id="sections-body">
              {stats.sections.map((s) => (
                <tr>
                  <th scope="row">{s.key}</th>
                  <td>{s.capacity}</td>
                  <td>{s.available}</td>
                  <td>{s.held}</td>
                  <td>{s.sold}</td>
                  <td>{s.sold_out ? "Sold out" : s.selling_out ? "Selling out" : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </AdminLayout>,
    );
  });
  return pages;
}
