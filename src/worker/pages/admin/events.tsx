import { Hono, type Context } from "hono";
import { raw } from "hono/html";
import type { AppEnv } from "../../app-env";
import { SUPPORTED_CURRENCIES } from "../../money";
import { qrSvg } from "../../tickets/qr";
import { callApi, type ApiFetch } from "../api-call";
import { formatDateTime, formatMoney, STATUS_LABEL } from "../format";
import { Notice } from "../layout";
import { apiGet, backWith, formFields, fromLocalInput, must, problem, toLocalInput } from "./api";
import { AdminLayout } from "./layout";

type SectionJson = { key: string; name: string; kind: "reserved" | "ga"; capacity: number; rows?: { label: string; seats: number; price_tier: string }[]; price_tier?: string };
type VenueJson = { venue_id: string; name: string; city: string; sections: SectionJson[] };
type EventJson = {
  event_id: string;
  name: string;
  category: string;
  city: string;
  venue_id: string;
  starts_at: string;
  ends_at: string;
  on_sale_at: string;
  status: string;
  price_tiers: Record<string, number>;
  currency: string;
  hold_ttl_seconds: number;
  max_tickets_per_user: number;
  waitlist_offer_seconds: number;
  waiting_room: { enabled: boolean; admit_per_minute?: number; session_seconds?: number };
  sections: SectionJson[];
};
type PromoJson = { promo_code_id: string; code: string; percent_off: number | null; amount_off_cents: number | null; max_uses: number | null; per_user_limit: number | null; valid_from: string | null; valid_to: string | null; uses: number };

/** The notice a form left for this page (`?success=` / `?error=`). */
export function Flash(props: { c: Context<AppEnv> }) {
  const ok = props.c.req.query("success");
  const bad = props.c.req.query("error");
  return (
    <>
      {ok ? <Notice kind="success">{ok}</Notice> : null}
      {bad ? <Notice kind="error">{bad}</Notice> : null}
    </>
  );
}

const tiersOf = (sections: SectionJson[]) => [...new Set(sections.flatMap((s) => (s.kind === "ga" ? [s.price_tier ?? ""] : (s.rows ?? []).map((r) => r.price_tier))))].filter(Boolean);

function EventForm(props: { venue: VenueJson; event?: EventJson; values?: Record<string, string>; error?: string }) {
  const e = props.event;
  const v = (k: string, fallback = "") => props.values?.[k] ?? fallback;
  const wr = e?.waiting_room;
  const action = e ? `/admin/events/${encodeURIComponent(e.event_id)}/edit` : "/admin/events";
  const title = e ? `Edit ${e.name}` : "New event";
  const currency = v("currency", e?.currency ?? "usd");
  return (
    <AdminLayout title={title} event={e}>
      <h1>{title}</h1>
      <p>
        At {props.venue.name}, {props.venue.city}. Times are in UTC.
      </p>
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <form method="post" action={action} class="stack">
        <input type="hidden" name="venue_id" value={props.venue.venue_id} />
        <div class="grid">
          <label for="ev-name">
            Event name
            <input id="ev-name" name="name" required value={v("name", e?.name)} />
          </label>
          <label for="ev-category">
            Category
            <input id="ev-category" name="category" required value={v("category", e?.category ?? "concert")} />
          </label>
          <label for="ev-city">
            City
            <input id="ev-city" name="city" required value={v("city", e?.city ?? props.venue.city)} />
          </label>
        </div>
        <div class="grid">
          <label for="ev-on-sale">
            On sale from (UTC)
            <input id="ev-on-sale" name="on_sale_at" type="datetime-local" required value={v("on_sale_at", toLocalInput(e?.on_sale_at))} />
          </label>
          <label for="ev-starts">
            Starts (UTC)
            <input id="ev-starts" name="starts_at" type="datetime-local" required value={v("starts_at", toLocalInput(e?.starts_at))} />
          </label>
          <label for="ev-ends">
            Ends (UTC)
            <input id="ev-ends" name="ends_at" type="datetime-local" required value={v("ends_at", toLocalInput(e?.ends_at))} />
          </label>
        </div>
        <fieldset>
          <legend>Prices (minor units of the currency: cents, or whole yen)</legend>
          <div class="grid">
            <label for="ev-currency">
              Currency
              <select id="ev-currency" name="currency">
                {SUPPORTED_CURRENCIES.map((cur) => (
                  <option value={cur} selected={cur === currency}>
                    {cur.toUpperCase()}
                  </option>
                ))}
              </select>
            </label>
            {tiersOf(props.venue.sections).map((tier) => (
              <label for={`tier-${tier}`}>
                Price tier {tier}
                <input id={`tier-${tier}`} name={`tier_${tier}`} type="number" min="0" required value={v(`tier_${tier}`, e?.price_tiers[tier]?.toString())} />
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>Sale rules</legend>
          <div class="grid">
            <label for="ev-ttl">
              Hold time (seconds, 60 to 1800)
              <input id="ev-ttl" name="hold_ttl_seconds" type="number" min="60" max="1800" value={v("hold_ttl_seconds", String(e?.hold_ttl_seconds ?? 600))} />
            </label>
            <label for="ev-limit">
              Tickets per buyer (1 to 50)
              <input id="ev-limit" name="max_tickets_per_user" type="number" min="1" max="50" value={v("max_tickets_per_user", String(e?.max_tickets_per_user ?? 8))} />
            </label>
            <label for="ev-offer">
              Waitlist offer time (seconds, 60 to 172800; empty: the hold time)
              <input id="ev-offer" name="waitlist_offer_seconds" type="number" min="60" max="172800" value={v("waitlist_offer_seconds", e?.waitlist_offer_seconds?.toString() ?? "")} />
            </label>
          </div>
        </fieldset>
        <fieldset>
          <legend>Waiting room</legend>
          <label class="check" for="ev-wr">
            <input id="ev-wr" name="wr_enabled" type="checkbox" value="on" checked={v("wr_enabled", wr?.enabled ? "on" : "") === "on"} /> Queue buyers in a waiting room
          </label>
          <div class="grid">
            <label for="ev-wr-rate">
              Admit per minute
              <input id="ev-wr-rate" name="wr_rate" type="number" min="1" max="100000" value={v("wr_rate", String(wr?.admit_per_minute ?? 100))} />
            </label>
            <label for="ev-wr-session">
              Session length (seconds, 60 to 3600)
              <input id="ev-wr-session" name="wr_session" type="number" min="60" max="3600" value={v("wr_session", String(wr?.session_seconds ?? 600))} />
            </label>
          </div>
        </fieldset>
        <button type="submit" class="primary">
          {e ? "Save draft" : "Create draft"}
        </button>
      </form>
    </AdminLayout>
  );
}

/** The event body of the API from the event form. */
function eventBody(field: (k: string) => string, venue: VenueJson) {
  const num = (k: string) => (field(k) === "" ? undefined : Number(field(k)));
  return {
    venue_id: venue.venue_id,
    name: field("name"),
    category: field("category"),
    city: field("city"),
    starts_at: fromLocalInput(field("starts_at")),
    ends_at: fromLocalInput(field("ends_at")),
    on_sale_at: fromLocalInput(field("on_sale_at")),
    currency: field("currency") || "usd",
    price_tiers: Object.fromEntries(tiersOf(venue.sections).map((t) => [t, num(`tier_${t}`)])),
    hold_ttl_seconds: num("hold_ttl_seconds"),
    max_tickets_per_user: num("max_tickets_per_user"),
    waitlist_offer_seconds: num("waitlist_offer_seconds"),
    waiting_room: { enabled: field("wr_enabled") === "on", admit_per_minute: num("wr_rate"), session_seconds: num("wr_session") },
  };
}

async function formValues(c: Context<AppEnv>) {
  const form = await c.req.parseBody();
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === "string"));
}

const eventPath = (id: string, rest = "") => `/admin/events/${encodeURIComponent(id)}${rest}`;

function Money(props: { cents: number; currency: string }) {
  return <>{formatMoney(props.cents, props.currency)}</>;
}

export function eventPages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  const get = <T,>(c: Context<AppEnv>, path: string) => apiGet<T>(c, api, path);

  pages.get("/admin", (c) => c.redirect("/admin/", 301));
  pages.get("/admin/", async (c) => {
    const { events } = await get<{ events: EventJson[] }>(c, "/api/v1/admin/events");
    return c.html(
      <AdminLayout title="Events">
        <h1>Your events</h1>
        <Flash c={c} />
        <p class="actions">
          <a class="button primary" href="/admin/events/new">
            New event
          </a>{" "}
          <a class="button" href="/admin/venues/new">
            New venue
          </a>
        </p>
        {events.length === 0 ? (
          <Notice>No events yet: create a venue, then an event at it.</Notice>
        ) : (
          <table>
            <caption>Events, soonest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Starts</th>
                <th scope="col">Live</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr>
                  <td>
                    <a href={eventPath(e.event_id)}>{e.name}</a>
                  </td>
                  <td>
                    <span class={`badge badge-${e.status}`}>{STATUS_LABEL[e.status] ?? e.status}</span>
                  </td>
                  <td>
                    <time datetime={e.starts_at}>{formatDateTime(e.starts_at)}</time>
                  </td>
                  <td>
                    <a href={eventPath(e.event_id, "/dashboard")} aria-label={`Live dashboard of ${e.name}`}>
                      Dashboard
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </AdminLayout>,
    );
  });

  pages.get("/admin/events/new", async (c) => {
    const { venues } = await get<{ venues: VenueJson[] }>(c, "/api/v1/admin/venues");
    const chosen = venues.find((v) => v.venue_id === c.req.query("venue")) ?? (venues.length === 1 ? venues[0] : undefined);
    if (chosen) return c.html(<EventForm venue={chosen} />);
    return c.html(
      <AdminLayout title="New event">
        <h1>New event</h1>
        {venues.length === 0 ? (
          <Notice>
            An event takes place at one of your venues. <a href="/admin/venues/new">Create a venue</a> first.
          </Notice>
        ) : (
          <form method="get" action="/admin/events/new" class="stack narrow">
            <label for="pick-venue">
              Venue
              <select id="pick-venue" name="venue">
                {venues.map((v) => (
                  <option value={v.venue_id}>
                    {v.name}, {v.city}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" class="primary">
              Continue
            </button>
          </form>
        )}
      </AdminLayout>,
    );
  });

  pages.post("/admin/events", async (c) => {
    const field = await formFields(c);
    const venue = await get<VenueJson>(c, `/api/v1/admin/venues/${encodeURIComponent(field("venue_id"))}`);
    const res = await callApi<EventJson>(c, api, "POST", "/api/v1/admin/events", { body: eventBody(field, venue) });
    if (!res.ok) return c.html(<EventForm venue={venue} values={await formValues(c)} error={problem(res)} />, 400);
    return c.redirect(backWith(eventPath(res.body.event_id), "Draft saved. Publish it when it is ready."), 303);
  });

  pages.get("/admin/events/:eventId/edit", async (c) => {
    const event = await get<EventJson>(c, `/api/v1/admin/events/${encodeURIComponent(c.req.param("eventId"))}`);
    if (event.status !== "draft") return c.redirect(backWith(eventPath(event.event_id), "Only drafts can be edited.", "error"), 303);
    const venue = await get<VenueJson>(c, `/api/v1/admin/venues/${encodeURIComponent(event.venue_id)}`);
    return c.html(<EventForm venue={venue} event={event} />);
  });

  pages.post("/admin/events/:eventId/edit", async (c) => {
    const field = await formFields(c);
    const event = await get<EventJson>(c, `/api/v1/admin/events/${encodeURIComponent(c.req.param("eventId"))}`);
    const venue = await get<VenueJson>(c, `/api/v1/admin/venues/${encodeURIComponent(event.venue_id)}`);
    const res = await callApi<EventJson>(c, api, "PATCH", `/api/v1/admin/events/${encodeURIComponent(event.event_id)}`, { body: eventBody(field, venue) });
    if (!res.ok) return c.html(<EventForm venue={venue} event={event} values={await formValues(c)} error={problem(res)} />, res.status === 409 ? 409 : 400);
    return c.redirect(backWith(eventPath(event.event_id), "Draft saved."), 303);
  });

  pages.get("/admin/events/:eventId", async (c) => {
    const id = encodeURIComponent(c.req.param("eventId"));
    const [event, stats, promos] = await Promise.all([
      get<EventJson>(c, `/api/v1/admin/events/${id}`),
      get<any>(c, `/api/v1/admin/events/${id}/stats?minutes=1`),
      get<{ promo_codes: PromoJson[] }>(c, `/api/v1/admin/events/${id}/promo-codes`),
    ]);
    const wr = event.waiting_room;
    const open = event.status !== "cancelled";
    return c.html(
      <AdminLayout title={event.name} event={event}>
        <h1>{event.name}</h1>
        <Flash c={c} />
        <p>
          <span class={`badge badge-${event.status}`}>{STATUS_LABEL[event.status] ?? event.status}</span> · {event.category} · {event.city} ·{" "}
          <time datetime={event.starts_at}>{formatDateTime(event.starts_at)}</time>
        </p>
        <dl class="facts">
          <dt>On sale from</dt>
          <dd>{formatDateTime(event.on_sale_at)}</dd>
          <dt>Prices</dt>
          <dd>
            {Object.entries(event.price_tiers)
              .map(([t, cents]) => `${t} ${formatMoney(cents, event.currency)}`)
              .join(", ")}
          </dd>
          <dt>Hold time</dt>
          <dd>{event.hold_ttl_seconds} s</dd>
          <dt>Tickets per buyer</dt>
          <dd>{event.max_tickets_per_user}</dd>
          <dt>Waitlist offers</dt>
          <dd>{event.waitlist_offer_seconds} s to pay</dd>
          <dt>Sold</dt>
          <dd>
            {stats.totals.tickets_sold} tickets in {stats.orders} paid orders, <Money cents={stats.revenue_cents} currency={stats.currency} />
          </dd>
        </dl>
        <p class="actions">
          {event.status === "draft" ? (
            <>
              <a class="button" href={eventPath(event.event_id, "/edit")}>
                Edit draft
              </a>{" "}
              <form method="post" action={eventPath(event.event_id, "/publish")} class="inline">
                <button type="submit" class="primary">
                  Publish
                </button>
              </form>{" "}
            </>
          ) : null}
          <a class="button" href={eventPath(event.event_id, "/dashboard")}>
            Live dashboard
          </a>{" "}
          {open ? (
            <a class="button danger" href={eventPath(event.event_id, "/cancel")}>
              Cancel event…
            </a>
          ) : null}
        </p>

        <section aria-labelledby="wr-title">
          <h2 id="wr-title">Waiting room</h2>
          {stats.queue ? (
            <p role="status">
              {stats.queue.waiting} waiting, {stats.queue.admitted} admitted so far, {stats.queue.active_sessions} live sessions.
            </p>
          ) : null}
          <form method="post" action={eventPath(event.event_id, "/waiting-room")} class="stack">
            <label class="check" for="wr-enabled">
              <input id="wr-enabled" name="enabled" type="checkbox" value="on" checked={wr.enabled} /> Waiting room on
            </label>
            <div class="grid">
              <label for="wr-rate">
                Admit per minute
                <input id="wr-rate" name="admit_per_minute" type="number" min="1" max="100000" value={String(wr.admit_per_minute ?? 100)} />
              </label>
              <label for="wr-session">
                Session length (seconds)
                <input id="wr-session" name="session_seconds" type="number" min="60" max="3600" value={String(wr.session_seconds ?? 600)} />
              </label>
            </div>
            <button type="submit">Apply waiting room settings</button>
          </form>
        </section>

        <section aria-labelledby="promo-title">
          <h2 id="promo-title">Promo codes</h2>
          {promos.promo_codes.length === 0 ? (
            <p>No promo codes yet.</p>
          ) : (
            <table>
              <caption>Promo codes and their uses</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Discount</th>
                  <th scope="col">Uses</th>
                  <th scope="col">Per buyer</th>
                </tr>
              </thead>
              <tbody>
                {promos.promo_codes.map((p) => (
                  <tr>
                    <td>{p.code}</td>
                    <td>{p.percent_off !== null ? `${p.percent_off}%` : formatMoney(p.amount_off_cents ?? 0, event.currency)}</td>
                    <td>
                      {p.uses}
                      {p.max_uses !== null ? ` of ${p.max_uses}` : ""}
                    </td>
                    <td>{p.per_user_limit ?? "no limit"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <form method="post" action={eventPath(event.event_id, "/promo-codes")} class="stack">
            <div class="grid">
              <label for="promo-code">
                Code
                <input id="promo-code" name="code" required pattern="[A-Za-z0-9_\-]{3,32}" />
              </label>
              <label for="promo-percent">
                Percent off
                <input id="promo-percent" name="percent_off" type="number" min="1" max="100" />
              </label>
              <label for="promo-amount">
                Or amount off (minor units)
                <input id="promo-amount" name="amount_off_cents" type="number" min="1" />
              </label>
              <label for="promo-max">
                Most uses
                <input id="promo-max" name="max_uses" type="number" min="1" />
              </label>
              <label for="promo-per-user">
                Uses per buyer
                <input id="promo-per-user" name="per_user_limit" type="number" min="1" />
              </label>
            </div>
            <button type="submit">Create promo code</button>
          </form>
        </section>
      </AdminLayout>,
    );
  });

  pages.post("/admin/events/:eventId/publish", async (c) => {
    const id = c.req.param("eventId");
    const res = await callApi(c, api, "POST", `/api/v1/admin/events/${encodeURIComponent(id)}/publish`);
    return c.redirect(res.ok ? backWith(eventPath(id), "Published.") : backWith(eventPath(id), problem(res), "error"), 303);
  });

  pages.get("/admin/events/:eventId/cancel", async (c) => {
    const id = encodeURIComponent(c.req.param("eventId"));
    const [event, stats] = await Promise.all([get<EventJson>(c, `/api/v1/admin/events/${id}`), get<any>(c, `/api/v1/admin/events/${id}/stats?minutes=1`)]);
    const paid: number = stats.orders;
    return c.html(
      <AdminLayout title={`Cancel ${event.name}`} event={event}>
        <h1>Cancel {event.name}?</h1>
        <Notice kind="error">
          <span id="refund-count">
            {paid === 1 ? "1 paid order" : `${paid} paid orders`} will be refunded
          </span>{" "}
          (<Money cents={stats.revenue_cents} currency={stats.currency} />) and every ticket revoked. Unpaid orders are cancelled and nobody can buy any more. This cannot be undone.
        </Notice>
        <form method="post" action={eventPath(event.event_id, "/cancel")} class="inline">
          <input type="hidden" name="expected_refunds" value={String(paid)} />
          <button type="submit" class="danger">
            Cancel the event and refund {paid === 1 ? "1 order" : `${paid} orders`}
          </button>
        </form>{" "}
        <a href={eventPath(event.event_id)}>Keep the event</a>
      </AdminLayout>,
    );
  });

  pages.post("/admin/events/:eventId/cancel", async (c) => {
    const id = c.req.param("eventId");
    const res = await callApi<{ orders_refunded: number; orders_cancelled: number; orders_retrying: number }>(c, api, "POST", `/api/v1/admin/events/${encodeURIComponent(id)}/cancel`);
    if (!res.ok) return c.redirect(backWith(eventPath(id), problem(res), "error"), 303);
    const s = res.body;
    const more = s.orders_retrying > 0 ? ` ${s.orders_retrying} still being refunded; they finish on their own.` : "";
    return c.redirect(backWith(eventPath(id), `Event cancelled: ${s.orders_refunded} orders refunded, ${s.orders_cancelled} unpaid orders cancelled.${more}`), 303);
  });

  pages.post("/admin/events/:eventId/waiting-room", async (c) => {
    const id = c.req.param("eventId");
    const field = await formFields(c);
    const body = { enabled: field("enabled") === "on", admit_per_minute: Number(field("admit_per_minute")), session_seconds: Number(field("session_seconds")) };
    const res = await callApi(c, api, "PATCH", `/api/v1/admin/events/${encodeURIComponent(id)}/waiting-room`, { body });
    return c.redirect(res.ok ? backWith(eventPath(id), "Waiting room settings applied.") : backWith(eventPath(id), problem(res), "error"), 303);
  });

  pages.post("/admin/events/:eventId/promo-codes", async (c) => {
    const id = c.req.param("eventId");
    const field = await formFields(c);
    const opt = (k: string) => (field(k) === "" ? undefined : Number(field(k)));
    const body = { code: field("code"), percent_off: opt("percent_off"), amount_off_cents: opt("amount_off_cents"), max_uses: opt("max_uses"), per_user_limit: opt("per_user_limit") };
    const res = await callApi(c, api, "POST", `/api/v1/admin/events/${encodeURIComponent(id)}/promo-codes`, { body });
    return c.redirect(res.ok ? backWith(eventPath(id), `Promo code ${body.code.toUpperCase()} created.`) : backWith(eventPath(id), problem(res), "error"), 303);
  });

  /** The door: gate devices, their enrol QR codes, check-ins per gate. */
  const door = async (c: Context<AppEnv>, created?: { name: string; enroll_url: string }, status: 200 | 201 = 200) => {
    const id = encodeURIComponent(c.req.param("eventId") ?? "");
    const [event, devices, stats] = await Promise.all([
      get<EventJson>(c, `/api/v1/admin/events/${id}`),
      get<{ devices: any[] }>(c, `/api/v1/admin/events/${id}/gate-devices`),
      get<any>(c, `/api/v1/admin/events/${id}/stats?minutes=60`),
    ]);
    const gates = new Map<string, any>(stats.checkins.per_gate.map((g: any) => [g.device_id, g]));
    return c.html(
      <AdminLayout title={`Door · ${event.name}`} event={event}>
        <h1>Door</h1>
        <Flash c={c} />
        {created ? (
          <section aria-labelledby="enrol-title" class="enrol">
            <h2 id="enrol-title">Enrol {created.name}</h2>
            <p>Scan this code with the phone that will be the scanner, or open the link on it. It signs the phone in as this gate for this event.</p>
            <figure>
              <div class="qr" role="img" aria-label={`Enrol QR code for ${created.name}`} data-enroll-url={created.enroll_url}>
                {raw(qrSvg(created.enroll_url))}
              </div>
              <figcaption>
                <a href={created.enroll_url} id="enroll-link">
                  Enrol link for {created.name}
                </a>
              </figcaption>
            </figure>
            <p>The code is shown once; make a new gate device if it is lost.</p>
          </section>
        ) : null}
        <form method="post" action={eventPath(event.event_id, "/door")} class="stack narrow">
          <label for="device-name">
            New gate device
            <input id="device-name" name="name" required maxlength={80} placeholder="North door" />
          </label>
          <button type="submit" class="primary">
            Create gate device
          </button>
        </form>
        <h2>Gate devices</h2>
        {devices.devices.length === 0 ? (
          <p>No gate devices yet.</p>
        ) : (
          <table>
            <caption>Gate devices, check-ins in the last hour by minute</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Last sync</th>
                <th scope="col">Scans</th>
                <th scope="col">Let in</th>
                <th scope="col">Last hour</th>
              </tr>
            </thead>
            <tbody>
              {devices.devices.map((d) => {
                const series: { entries: number }[] = gates.get(d.device_id)?.per_minute ?? [];
                const peak = Math.max(1, ...series.map((p) => p.entries));
                const lastHour = series.reduce((n, p) => n + p.entries, 0);
                return (
                  <tr>
                    <td>{d.name}</td>
                    <td>{d.last_sync_at ? <time datetime={d.last_sync_at}>{formatDateTime(d.last_sync_at)}</time> : "never"}</td>
                    <td>{d.scans}</td>
                    <td>{d.entries}</td>
                    <td>
                      <span class="spark" role="img" aria-label={`${lastHour} let in during the last hour`}>
                        {series.map((p) => (
                          <i style={`height:${Math.round((p.entries / peak) * 100)}%`}></i>
                        ))}
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </AdminLayout>,
      status,
    );
  };
  pages.get("/admin/events/:eventId/door", (c) => door(c));
  pages.post("/admin/events/:eventId/door", async (c) => {
    const id = c.req.param("eventId");
    const field = await formFields(c);
    const res = await callApi<{ name: string; enroll_url: string }>(c, api, "POST", `/api/v1/admin/events/${encodeURIComponent(id)}/gate-devices`, { body: { name: field("name") } });
    if (!res.ok) return c.redirect(backWith(eventPath(id, "/door"), problem(res), "error"), 303);
    return door(c, must(res), 201);
  });

  return pages;
}
