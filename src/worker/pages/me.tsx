import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env";
import type { EventJson } from "../catalog/event-json";
import { cookiePrincipal } from "../middleware/session";
import { callApi, type ApiFetch } from "./api-call";
import { formatDateTime, formatMoney } from "./format";
import { Layout, Notice } from "./layout";
import { MeMessage, MyListingsSection, TicketActions, TransfersSection, type ListingJson, type TransferJson } from "./resale";
import { TicketCard, type EventSummary, type TicketJson } from "./tickets";
import { WaitlistEntries, type WaitlistEntryJson } from "./waitlist";

interface OrderJson {
  order_id: string;
  event_id: string;
  status: string;
  amount_cents: number;
  currency: string;
  created_at: string;
  tickets: TicketJson[];
}

const ORDER_STATUS: Record<string, string> = {
  pending_payment: "waiting for payment",
  paid: "paid",
  failed: "payment declined",
  cancelled: "cancelled",
  refunded: "refunded",
};

/**
 * `/me`: the buyer's tickets (QR inline, event, date, seat, status) and orders. Needs the
 * session cookie, else goes to log in. Its script installs the service worker that keeps the
 * last copy of this page for when the venue's network is gone.
 */
export function mePages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  pages.get("/me", (c) => renderMe(c, api));
  return pages;
}

/**
 * The `/me` page, also answered by its form posts when the API said no: `error` is the sentence
 * shown on top and `status` the API's, so the buyer stays on their tickets and can try again.
 */
export async function renderMe(c: Context<AppEnv>, api: ApiFetch, error?: string, status = 200) {
  const viewer = await cookiePrincipal(c);
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent("/me")}`, 303);
  const eventIds = new Set<string>();
  const [orders, tickets, waitlist, transfers, listings] = await Promise.all([
    callApi<{ orders: OrderJson[] }>(c, api, "GET", "/api/v1/me/orders?limit=50"),
    callApi<{ tickets: TicketJson[] }>(c, api, "GET", "/api/v1/me/tickets"),
    callApi<{ entries: WaitlistEntryJson[] }>(c, api, "GET", "/api/v1/me/waitlist"),
    callApi<{ incoming: TransferJson[]; outgoing: TransferJson[] }>(c, api, "GET", "/api/v1/me/transfers"),
    callApi<{ listings: ListingJson[] }>(c, api, "GET", "/api/v1/me/resale"),
  ]);
  const entries = waitlist.ok ? waitlist.body.entries.filter((e) => e.status !== "left") : [];
  for (const e of entries) eventIds.add(e.event_id);
  for (const o of orders.ok ? orders.body.orders : []) eventIds.add(o.event_id);
  for (const t of tickets.ok ? tickets.body.tickets : []) eventIds.add(t.event_id);
  const events = new Map<string, EventSummary>();
  await Promise.all(
    [...eventIds].map(async (id) => {
      const e = await callApi<EventJson>(c, api, "GET", `/api/v1/events/${encodeURIComponent(id)}`, { auth: false });
      if (e.ok) events.set(id, e.body);
    }),
  );
  const ticketList = tickets.ok ? tickets.body.tickets : [];
  return c.html(
    <Layout title="My tickets" viewer={viewer} scripts={entries.some((e) => e.status === "offered") ? ["me", "countdown"] : ["me"]}>
      <h1>My tickets</h1>
      {error ? <Notice kind="error">{error}</Notice> : <MeMessage code={c.req.query("done")} />}
      <p class="meta" id="offline-note">
        Once loaded, this page opens without a network too: show your tickets at the door even where there is no signal.
      </p>
      {!tickets.ok ? (
        <Notice kind="error">{tickets.error.message}</Notice>
      ) : ticketList.length === 0 ? (
        <Notice>
          No tickets yet. <a href="/">Find an event</a>
        </Notice>
      ) : (
        <ul class="ticket-list">
          {ticketList.map((t) => (
            <TicketCard t={t} event={events.get(t.event_id)} actions={<TicketActions t={t} currency={events.get(t.event_id)?.currency} />} />
          ))}
        </ul>
      )}
      {transfers.ok ? <TransfersSection incoming={transfers.body.incoming} outgoing={transfers.body.outgoing} /> : null}
      {listings.ok ? <MyListingsSection listings={listings.body.listings} /> : null}
      {entries.length > 0 ? (
        <>
          <h2>Waitlist</h2>
          <WaitlistEntries entries={entries} eventName={(id) => events.get(id)?.name ?? "Event"} />
        </>
      ) : null}
      <h2>Orders</h2>
      {!orders.ok ? (
        <Notice kind="error">{orders.error.message}</Notice>
      ) : orders.body.orders.length === 0 ? (
        <Notice>No orders yet.</Notice>
      ) : (
        <ul class="order-list">
          {orders.body.orders.map((o) => (
            <li>
              <a href={`/orders/${encodeURIComponent(o.order_id)}`}>{events.get(o.event_id)?.name ?? "Order"}</a> · {ORDER_STATUS[o.status] ?? o.status} ·{" "}
              {formatMoney(o.amount_cents, o.currency)} · {o.tickets.length} ticket{o.tickets.length === 1 ? "" : "s"} · ordered{" "}
              <time datetime={o.created_at}>{formatDateTime(o.created_at)}</time>
            </li>
          ))}
        </ul>
      )}
    </Layout>,
    status as ContentfulStatusCode,
  );
}
