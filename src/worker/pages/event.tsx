import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import type { EventJson } from "../catalog/event-json";
import { holdErrorSentence } from "../../shared/hold-error-text";
import type { SeatMapJson } from "../../shared/seat-map-wire";
import { callApi, type ApiAnswer, type ApiFetch } from "./api-call";
import { formatDateTime, formatMoney, STATUS_LABEL } from "./format";
import { Layout, Notice } from "./layout";
import { ResaleListings, type ListingJson } from "./resale";
import { GaSection, Legend, ReservedSection } from "./seat-map";
import { WaitlistJoinForm } from "./waitlist";

type SectionLayout = { key: string; name: string; kind: "reserved" | "ga"; capacity: number; rows?: { label: string; seats: number; price_tier: string }[]; price_tier?: string };

function StateNotice({ e, soldOut }: { e: EventJson; soldOut: boolean }) {
  switch (e.status) {
    case "scheduled":
      return (
        <Notice>
          Tickets go on sale <time datetime={e.on_sale_at}>{formatDateTime(e.on_sale_at)}</time>.{" "}
          <span role="timer" aria-live="off" data-countdown-to={e.on_sale_at} data-countdown-prefix="Sale opens in ">
            Come back then.
          </span>
        </Notice>
      );
    case "cancelled":
      return <Notice kind="error">This event was cancelled. Every paid order is refunded in full. <a href="/">Find another event</a></Notice>;
    case "ended":
      return <Notice>This event is over. <a href="/">Find another event</a></Notice>;
    default:
      return soldOut ? (
        <Notice kind="error">
          Sold out: every ticket is held or sold. Join the waitlist of a section below: seats that come back are offered to the waitlist first, in order. <a href="/">Find another event</a>
        </Notice>
      ) : null;
  }
}

interface EventViewProps {
  event: EventJson;
  map: SeatMapJson | null;
  /** A sentence from a form post that did not work (the page without scripts). */
  notice?: string;
  /** Tickets for resale at face value. */
  listings?: ListingJson[];
}

function EventView({ event: e, map, notice, listings = [] }: EventViewProps) {
  const onSale = e.status === "on_sale";
  const layouts = e.sections as SectionLayout[];
  const tiers = Object.entries(e.price_tiers as Record<string, number>).sort((a, b) => b[1] - a[1]);
  const tierIndex = new Map(tiers.map(([t], i) => [t, i]));
  const snapshots = new Map((map?.sections ?? []).map((s) => [s.key, s]));
  const soldOut = map !== null && map.sections.every((s) => s.available === 0);
  const waiting = e.waiting_room?.enabled === true && onSale;
  // The legend explains seat colours: only the tiers that reserved rows use.
  const seatTiers = new Set(layouts.flatMap((l) => (l.rows ?? []).map((r) => r.price_tier)));
  return (
    <Layout title={e.name} scripts={onSale ? ["event"] : e.status === "scheduled" ? ["countdown"] : []}>
      <div id="event" data-event-id={e.event_id} data-waiting-room={waiting ? "true" : "false"} data-max={e.max_tickets_per_user} data-currency={e.currency}>
        <h1>{e.name}</h1>
        <p class="meta">
          <time datetime={e.starts_at}>{formatDateTime(e.starts_at)}</time> · {e.city} · {e.category}{" "}
          <span class={`badge badge-${soldOut && onSale ? "sold_out" : e.status}`}>{soldOut && onSale ? "Sold out" : (STATUS_LABEL[e.status] ?? e.status)}</span>
        </p>
        <StateNotice e={e} soldOut={soldOut && onSale} />
        {notice ? <Notice kind="error">{notice}</Notice> : null}
        <h2>Prices</h2>
        <ul class="prices">
          {tiers.map(([tier, cents]) => (
            <li>
              <span class="tier">{tier}</span> <strong>{formatMoney(cents, e.currency)}</strong>
            </li>
          ))}
        </ul>
        <p class="meta">Up to {e.max_tickets_per_user} tickets per buyer. Seats are held for {Math.round(e.hold_ttl_seconds / 60)} minutes while you pay.</p>
        {waiting ? (
          <div class="notice" id="waiting-room-notice">
            This sale has a waiting room: everyone gets a fair place in line. <a href={`/events/${encodeURIComponent(e.event_id)}/queue`}>Join the queue</a>
          </div>
        ) : null}
        {map && (onSale || e.status === "scheduled") ? (
          <>
            <h2>Choose your seats</h2>
            <Legend tiers={tiers.filter(([t]) => seatTiers.has(t))} tierIndex={tierIndex} currency={e.currency} />
            <div id="event-message" class="notice notice-error" role="alert" hidden></div>
            {layouts.map((l) => {
              const s = snapshots.get(l.key);
              if (!s) return null;
              const join = onSale && s.available === 0 ? <WaitlistJoinForm eventId={e.event_id} section={l.key} name={l.name} max={e.max_tickets_per_user} /> : null;
              return l.kind === "reserved" ? (
                <>
                {join}
                <ReservedSection
                  eventId={e.event_id}
                  name={l.name}
                  section={s}
                  rows={l.rows ?? []}
                  currency={e.currency}
                  tierIndex={tierIndex}
                  maxPerBuyer={e.max_tickets_per_user}
                  onSale={onSale}
                />
                </>
              ) : (
                <>
                  {join}
                  <GaSection eventId={e.event_id} name={l.name} section={s} currency={e.currency} max={e.max_tickets_per_user} onSale={onSale} />
                </>
              );
            })}
            <div class="selection" id="selection" hidden>
              <p id="selection-summary" aria-live="polite"></p>
              <button type="button" class="primary" id="hold-selected" disabled>
                Hold selected seats
              </button>
              <button type="button" id="clear-selection">
                Clear
              </button>
            </div>
          </>
        ) : null}
        <ResaleListings listings={listings} currency={e.currency} />
      </div>
    </Layout>
  );
}

async function loadEvent(c: Context<AppEnv>, api: ApiFetch, eventId: string) {
  const id = encodeURIComponent(eventId);
  const [event, map, resale] = await Promise.all([
    callApi<EventJson>(c, api, "GET", `/api/v1/events/${id}`, { auth: false }),
    callApi<SeatMapJson>(c, api, "GET", `/api/v1/events/${id}/seats`, { auth: false }),
    callApi<{ listings: ListingJson[] }>(c, api, "GET", `/api/v1/events/${id}/resale`, { auth: false }),
  ]);
  return { event, map: map.ok ? map.body : null, listings: resale.ok ? resale.body.listings : [] };
}

function missing(c: Context<AppEnv>, event: Exclude<ApiAnswer<unknown>, { ok: true }>) {
  return c.html(
    <Layout title="Event not found">
      <h1>Event not found</h1>
      <Notice kind="error">
        {event.status === 404 ? "There is no such event, or it is not published yet." : event.error.message} <a href="/">See all events</a>
      </Notice>
    </Layout>,
    event.status === 404 ? 404 : 503,
  );
}

/** `/events/{id}`: details, prices, state, seat map; and the form fallback for holds. */
export function eventPages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();

  pages.get("/events/:eventId", async (c) => {
    const { event, map, listings } = await loadEvent(c, api, c.req.param("eventId"));
    if (!event.ok) return missing(c, event);
    return c.html(<EventView event={event.body} map={map} listings={listings} />);
  });

  // Without scripts, the best-available and GA forms post here; with them, the page calls the API.
  pages.post("/events/:eventId/holds", async (c) => {
    const eventId = c.req.param("eventId");
    const form = await c.req.parseBody({ all: true });
    const quantity = Number(form.quantity);
    const seats = ([] as unknown[]).concat(form.seats ?? []).filter((s): s is string => typeof s === "string");
    const body = seats.length > 0 ? { seats } : { section: String(form.section ?? ""), quantity: Number.isInteger(quantity) ? quantity : 0 };
    const hold = await callApi<{ hold_id: string }>(c, api, "POST", `/api/v1/events/${encodeURIComponent(eventId)}/holds`, { body });
    if (hold.ok) return c.redirect(`/checkout/${encodeURIComponent(hold.body.hold_id)}`, 303);
    if (hold.status === 401) return c.redirect(`/login?next=${encodeURIComponent(`/events/${eventId}`)}`, 303);
    const { event, map } = await loadEvent(c, api, eventId);
    if (!event.ok) return missing(c, event);
    const status = (hold.status >= 400 && hold.status < 600 ? hold.status : 500) as 400;
    if (hold.retryAfter) c.header("Retry-After", String(hold.retryAfter));
    return c.html(<EventView event={event.body} map={map} notice={holdErrorSentence(hold.error, hold.retryAfter)} />, status);
  });

  return pages;
}
