/**
 * Transfers and resale on the storefront: the listings on an event page, and in `/me` the
 * transfers both ways (accept, cancel) and the owner's listings (withdraw). Forms post to the
 * small page routes below, which call the JSON API and come back to the page with a sentence.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { cookiePrincipal } from "../middleware/session";
import { callApi, type ApiFetch } from "./api-call";
import { formatDateTime, formatMoney } from "./format";
import { Notice } from "./layout";

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
  failed: "That did not work: it may have changed meanwhile. Here is where things stand now.",
};

export function MeMessage({ code }: { code: string | undefined }) {
  const text = code ? ME_MESSAGES[code] : undefined;
  return text ? <Notice kind={code === "failed" ? "error" : "success"}>{text}</Notice> : null;
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

  pages.post("/me/resale/:id/withdraw", async (c) => {
    if (!(await cookiePrincipal(c))) return c.redirect(`/login?next=${enc("/me")}`, 303);
    const r = await callApi(c, api, "DELETE", `/api/v1/resale/${enc(c.req.param("id"))}`);
    return c.redirect(back(r.ok ? "withdrawn" : "failed"), 303);
  });
  return pages;
}
