/**
 * Transfers and resale on the storefront: the listings on an event page, and in `/me` the
 * transfers both ways (accept, cancel), the owner's listings (withdraw), and on each valid ticket
 * "send to a friend" and "sell at face value". Forms post to the
 * small page routes below, which call the JSON API and come back to the page with a sentence.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { CURRENCY_DECIMALS } from "../money";
import { cookiePrincipal } from "../middleware/session";
import { callApi, type ApiFetch } from "./api-call";
import { formatDateTime, formatMoney, parseMajorUnits } from "./format";
import { Notice } from "./layout";
import { renderMe } from "./me";
import type { TicketJson } from "./tickets";

export interface ListingJson {
  listing_id: string;
  section: string;
  seat_label: string | null;
  price_cents: number;
  currency?: string;
  status: string;
}

export interface TransferJson {
  transfer_id: string;
  ticket_id: string;
  to_email: string;
  status: string;
  expires_at: string;
}

const enc = encodeURIComponent;
const place = (l: { section: string; seat_label: string | null }) => l.seat_label ?? `${l.section} (standing)`;

/** The event page's resale listings, each with a form that holds it and goes to checkout. */
export function ResaleListings({ listings, currency }: { listings: ListingJson[]; currency: string }) {
  if (listings.length === 0) return null;
  return (
    <section aria-labelledby="resale-heading">
      <h2 id="resale-heading">Resale at face value</h2>
      <ul class="order-list">
        {listings.map((l) => (
          <li>
            {place(l)} · {formatMoney(l.price_cents, l.currency ?? currency)}{" "}
            <form method="post" action={`/resale/${enc(l.listing_id)}/hold`} class="inline">
              <button type="submit">Buy {place(l)} for {formatMoney(l.price_cents, l.currency ?? currency)}</button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Messages the `/me` actions come back with (a fixed set: nothing from the URL is echoed). */
const ME_MESSAGES: Record<string, string> = {
  accepted: "Transfer accepted: the ticket is yours now.",
  cancelled: "Transfer cancelled.",
  withdrawn: "Listing withdrawn.",
  sent: "Ticket sent: it is yours until your friend accepts it.",
  listed: "Ticket listed for resale.",
  failed: "That did not work: it may have changed meanwhile. Here is where things stand now.",
};

export function MeMessage({ code }: { code: string | undefined }) {
  const text = code ? ME_MESSAGES[code] : undefined;
  return text ? <Notice kind={code === "failed" ? "error" : "success"}>{text}</Notice> : null;
}

/**
 * A valid ticket's two actions: send it to a friend, or list it at face value. The price is typed
 * in the event's major units; the API holds the face-value cap, so the field only hints at it.
 */
export function TicketActions({ t, currency }: { t: TicketJson; currency?: string }) {
  if (t.status !== "valid") return null;
  const place = t.seat_label ?? `${t.section}, standing`;
  const id = enc(t.ticket_id);
  const decimals = currency ? (CURRENCY_DECIMALS[currency] ?? 2) : 2;
  return (
    <div class="ticket-actions">
      <form method="post" action={`/me/tickets/${id}/transfer`}>
        <label for={`to-${t.ticket_id}`}>Friend's email for {place}</label>
        <input id={`to-${t.ticket_id}`} name="to_email" type="email" autocomplete="off" required />
        <button type="submit">Send {place} to a friend</button>
      </form>
      {currency ? (
        <form method="post" action={`/me/tickets/${id}/resale`}>
          <label for={`price-${t.ticket_id}`}>
            Price for {place} in {currency.toUpperCase()} (at most face value)
          </label>
          <input
            id={`price-${t.ticket_id}`}
            name="price"
            type="text"
            inputmode={decimals ? "decimal" : "numeric"}
            pattern={decimals ? `[0-9]+([.,][0-9]{1,${decimals}})?` : "[0-9]+"}
            required
          />
          <button type="submit">Sell {place} at face value</button>
        </form>
      ) : null}
    </div>
  );
}

/** Transfers to and from the buyer. */
export function TransfersSection({ incoming, outgoing }: { incoming: TransferJson[]; outgoing: TransferJson[] }) {
  return (
    <>
      <h2>Transfers</h2>
      {incoming.length + outgoing.length === 0 ? (
        <Notice>No transfers.</Notice>
      ) : (
        <ul class="order-list">
          {incoming.map((t) => (
            <li>
              Ticket sent to you · {t.status}
              {t.status === "pending" ? (
                <>
                  {" "}· until <time datetime={t.expires_at}>{formatDateTime(t.expires_at)}</time>{" "}
                  <form method="post" action={`/me/transfers/${enc(t.transfer_id)}/accept`} class="inline">
                    <button type="submit">Accept ticket</button>
                  </form>
                </>
              ) : null}
            </li>
          ))}
          {outgoing.map((t) => (
            <li>
              Sent to {t.to_email} · {t.status}
              {t.status === "pending" ? (
                <>
                  {" "}
                  <form method="post" action={`/me/transfers/${enc(t.transfer_id)}/cancel`} class="inline">
                    <button type="submit">Cancel transfer to {t.to_email}</button>
                  </form>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The buyer's own listings. */
export function MyListingsSection({ listings }: { listings: ListingJson[] }) {
  return (
    <>
      <h2>My resale listings</h2>
      {listings.length === 0 ? (
        <Notice>Nothing listed.</Notice>
      ) : (
        <ul class="order-list">
          {listings.map((l) => (
            <li>
              {place(l)} · {l.currency ? formatMoney(l.price_cents, l.currency) : `${l.price_cents}`} · {l.status}
              {l.status === "listed" ? (
                <>
                  {" "}
                  <form method="post" action={`/me/resale/${enc(l.listing_id)}/withdraw`} class="inline">
                    <button type="submit">Withdraw {place(l)}</button>
                  </form>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The API's own sentence, with its first field issue when it names one ("Not a valid email address."). */
function apiSentence(error: { message: string; details?: Record<string, unknown> }): string {
  const issues = error.details?.issues;
  const first = Array.isArray(issues) ? (issues[0] as { message?: unknown } | undefined)?.message : undefined;
  return typeof first === "string" ? `${error.message} ${first}` : error.message;
}

/** The form posts of the components above. */
export function resalePages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  const back = (code: string) => `/me?done=${code}`;

  pages.post("/resale/:listingId/hold", async (c) => {
    const id = c.req.param("listingId");
    const hold = await callApi<{ hold_id: string; event_id: string }>(c, api, "POST", `/api/v1/resale/${enc(id)}/holds`);
    if (hold.ok) return c.redirect(`/checkout/${enc(hold.body.hold_id)}`, 303);
    if (hold.status === 401) return c.redirect(`/login?next=${enc(c.req.header("Referer") ? new URL(c.req.header("Referer")!).pathname : "/")}`, 303);
    return c.redirect(back("failed"), 303);
  });

  for (const [path, api_path, done] of [
    ["/me/transfers/:id/accept", (id: string) => `/api/v1/transfers/${enc(id)}/accept`, "accepted"],
    ["/me/transfers/:id/cancel", (id: string) => `/api/v1/transfers/${enc(id)}/cancel`, "cancelled"],
  ] as const) {
    pages.post(path, async (c) => {
      if (!(await cookiePrincipal(c))) return c.redirect(`/login?next=${enc("/me")}`, 303);
      const r = await callApi(c, api, "POST", api_path(c.req.param("id")));
      return c.redirect(back(r.ok ? done : "failed"), 303);
    });
  }

  // Sending and listing come back to /me itself on an error, with the API's sentence: the
  // buyer sees it next to the ticket they tried, and nothing from the URL is echoed.
  pages.post("/me/tickets/:id/transfer", async (c) => {
    if (!(await cookiePrincipal(c))) return c.redirect(`/login?next=${enc("/me")}`, 303);
    const form = await c.req.parseBody();
    const to_email = typeof form.to_email === "string" ? form.to_email.trim() : "";
    const r = await callApi(c, api, "POST", `/api/v1/tickets/${enc(c.req.param("id"))}/transfer`, { body: { to_email } });
    if (r.ok) return c.redirect(back("sent"), 303);
    return renderMe(c, api, apiSentence(r.error), r.status);
  });

  pages.post("/me/tickets/:id/resale", async (c) => {
    if (!(await cookiePrincipal(c))) return c.redirect(`/login?next=${enc("/me")}`, 303);
    const ticketId = c.req.param("id");
    const form = await c.req.parseBody();
    // The currency is the ticket's event's, looked up here rather than trusted from the form.
    const mine = await callApi<{ tickets: TicketJson[] }>(c, api, "GET", "/api/v1/me/tickets");
    const ticket = mine.ok ? mine.body.tickets.find((t) => t.ticket_id === ticketId) : undefined;
    if (!ticket) return renderMe(c, api, "That ticket is not yours to sell.", 404);
    const ev = await callApi<{ currency: string }>(c, api, "GET", `/api/v1/events/${enc(ticket.event_id)}`, { auth: false });
    if (!ev.ok) return renderMe(c, api, ev.error.message, ev.status);
    const currency = ev.body.currency;
    const price_cents = parseMajorUnits(typeof form.price === "string" ? form.price : "", currency);
    if (price_cents === null) {
      return renderMe(c, api, `Price: type an amount in ${currency.toUpperCase()} such as ${formatMoney(4200, currency)}.`, 400);
    }
    const r = await callApi(c, api, "POST", `/api/v1/tickets/${enc(ticketId)}/resale`, { body: { price_cents } });
    if (r.ok) return c.redirect(back("listed"), 303);
    const max = r.error.details?.max_price_cents;
    const text = typeof max === "number" ? `${apiSentence(r.error)} The most you can ask is ${formatMoney(max, currency)}.` : apiSentence(r.error);
    return renderMe(c, api, text, r.status);
  });

  pages.post("/me/resale/:id/withdraw", async (c) => {
    if (!(await cookiePrincipal(c))) return c.redirect(`/login?next=${enc("/me")}`, 303);
    const r = await callApi(c, api, "DELETE", `/api/v1/resale/${enc(c.req.param("id"))}`);
    return c.redirect(back(r.ok ? "withdrawn" : "failed"), 303);
  });
  return pages;
}
