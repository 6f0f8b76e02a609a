import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import type { EventJson } from "../catalog/event-json";
import { callApi, type ApiFetch } from "./api-call";
import { formatDateTime, formatMoney, STATUS_LABEL } from "./format";
import { Layout, Notice } from "./layout";

const FILTERS = ["q", "city", "category", "from", "to"] as const;

/** The cheapest price tier, for "from €40.00". */
function fromPrice(e: EventJson): string | null {
  const prices = Object.values(e.price_tiers as Record<string, number>);
  return prices.length ? formatMoney(Math.min(...prices), e.currency) : null;
}

function EventCard({ e }: { e: EventJson }) {
  const price = fromPrice(e);
  return (
    <li class="event-card">
      <h2>
        <a href={`/events/${encodeURIComponent(e.event_id)}`}>{e.name}</a>
      </h2>
      <p class="meta">
        <time datetime={e.starts_at}>{formatDateTime(e.starts_at)}</time> · {e.city} · {e.category}
      </p>
      <p class="meta">
        <span class={`badge badge-${e.status}`}>{STATUS_LABEL[e.status] ?? e.status}</span>
        {e.status === "scheduled" ? (
          <>
            {" "}from <time datetime={e.on_sale_at}>{formatDateTime(e.on_sale_at)}</time>
          </>
        ) : null}
        {price ? <> · from {price}</> : null}
      </p>
    </li>
  );
}

/** `/`: events on sale and coming up, searched through the public search API, with paging. */
export function homePage(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  pages.get("/", async (c) => {
    const query = new URLSearchParams();
    const values: Record<string, string> = {};
    for (const k of FILTERS) {
      const v = c.req.query(k)?.trim();
      if (v) {
        query.set(k, v);
        values[k] = v;
      }
    }
    // Past events are not for sale: without a `from`, the list starts today.
    if (!values.from) query.set("from", new Date().toISOString().slice(0, 10));
    query.set("limit", "20");
    const cursor = c.req.query("cursor");
    if (cursor) query.set("cursor", cursor);
    const res = await callApi<{ events: EventJson[]; next_cursor: string | null }>(c, api, "GET", `/api/v1/events?${query}`, { auth: false });
    const events = res.ok ? res.body.events.filter((e) => e.status === "on_sale" || e.status === "scheduled") : [];
    const nextQuery = new URLSearchParams(values);
    if (res.ok && res.body.next_cursor) nextQuery.set("cursor", res.body.next_cursor);
    const issues = !res.ok ? ((res.error.details?.issues as { message: string }[] | undefined) ?? []) : [];

    return c.html(
      <Layout title="Events">
        <h1>Find your next night out</h1>
        <form method="get" action="/" class="search" role="search" aria-label="Events">
          <label class="grow">
            Search
            <input name="q" type="search" value={values.q ?? ""} placeholder="Artist, show, festival" />
          </label>
          <label>
            City
            <input name="city" value={values.city ?? ""} autocomplete="address-level2" />
          </label>
          <label>
            Category
            <input name="category" value={values.category ?? ""} placeholder="concert" />
          </label>
          <label>
            From
            <input name="from" type="date" value={values.from ?? ""} />
          </label>
          <label>
            To
            <input name="to" type="date" value={values.to ?? ""} />
          </label>
          <button type="submit" class="primary">
            Search
          </button>
        </form>
        {!res.ok ? (
          <Notice kind="error">
            {issues.length ? issues.map((i) => i.message).join(" ") : res.error.message} <a href="/">Show all events</a>
          </Notice>
        ) : events.length === 0 ? (
          <Notice>
            No events match. <a href="/">Show all events</a>
          </Notice>
        ) : (
          <ul class="event-list" aria-label="Events">
            {events.map((e) => (
              <EventCard e={e} />
            ))}
          </ul>
        )}
        {res.ok && res.body.next_cursor ? (
          <p>
            <a class="button" href={`/?${nextQuery}`} rel="next">
              More events
            </a>
          </p>
        ) : null}
      </Layout>,
    );
  });
  return pages;
}
