import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { callApi, type ApiFetch } from "./api-call";
import { formatDateTime } from "./format";
import { Layout, Notice } from "./layout";

/** A waitlist entry as `GET /api/v1/me/waitlist` answers it. */
export interface WaitlistEntryJson {
  entry_id: string;
  event_id: string;
  quantity: number;
  section: string | null;
  position: number | null;
  status: "waiting" | "offered" | "purchased" | "expired" | "left";
  hold_id?: string;
  offer_expires_at?: string;
}

/** "Join the waitlist" for a sold-out section: a plain form, so it works without scripts. */
export function WaitlistJoinForm(p: { eventId: string; section: string; name: string; max: number }) {
  const id = `waitlist-${p.section}`;
  return (
    <form method="post" action={`/events/${encodeURIComponent(p.eventId)}/waitlist`} class="waitlist-form">
      <input type="hidden" name="section" value={p.section} />
      <label for={id}>
        Tickets wanted in {p.name}
        <select id={id} name="quantity">
          {Array.from({ length: Math.max(1, p.max) }, (_, i) => (
            <option value={String(i + 1)}>{String(i + 1)}</option>
          ))}
        </select>
      </label>
      <button type="submit">Join the waitlist</button>
    </form>
  );
}

const STATUS_TEXT: Record<WaitlistEntryJson["status"], string> = {
  waiting: "waiting",
  offered: "seats held for you",
  purchased: "bought",
  expired: "offer expired",
  left: "left",
};

/** The buyer's entries on `/me`: place in line, or the offer with its countdown and the way to pay. */
export function WaitlistEntries(p: { entries: WaitlistEntryJson[]; eventName: (id: string) => string }) {
  return (
    <ul class="order-list" id="waitlist">
      {p.entries.map((e) => (
        <li data-entry-id={e.entry_id} data-status={e.status}>
          <a href={`/events/${encodeURIComponent(e.event_id)}`}>{p.eventName(e.event_id)}</a> · {e.quantity} ticket{e.quantity === 1 ? "" : "s"}
          {e.section ? ` in ${e.section}` : ""} · {STATUS_TEXT[e.status]}
          {e.status === "waiting" && e.position !== null ? ` · number ${e.position} in line` : ""}
          {e.status === "offered" && e.offer_expires_at ? (
            <>
              {" "}
              · <span role="timer" aria-live="off" data-countdown-to={e.offer_expires_at} data-countdown-prefix="Pay within ">
                Pay by <time datetime={e.offer_expires_at}>{formatDateTime(e.offer_expires_at)}</time>
              </span>{" "}
              <a class="button primary" href={`/checkout/${encodeURIComponent(e.hold_id ?? "")}`}>
                Pay for your seats
              </a>
            </>
          ) : null}
          {e.status === "waiting" || e.status === "offered" ? (
            <form method="post" action={`/waitlist/${encodeURIComponent(e.entry_id)}/leave`} class="inline-form">
              <button type="submit">Leave the waitlist</button>
            </form>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** The form posts of the waitlist: join from the event page, leave from `/me`. */
export function waitlistPages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();

  pages.post("/events/:eventId/waitlist", async (c) => {
    const eventId = c.req.param("eventId");
    const form = await c.req.parseBody();
    const quantity = Number(form.quantity);
    const body = { quantity: Number.isInteger(quantity) ? quantity : 0, ...(typeof form.section === "string" && form.section ? { section: form.section } : {}) };
    const joined = await callApi(c, api, "POST", `/api/v1/events/${encodeURIComponent(eventId)}/waitlist`, { body });
    if (joined.ok) return c.redirect("/me#waitlist", 303);
    if (joined.status === 401) return c.redirect(`/login?next=${encodeURIComponent(`/events/${eventId}`)}`, 303);
    const sentence =
      joined.error.code === "already_on_waitlist"
        ? "You are already on the waitlist for this event."
        : joined.error.code === "not_sold_out"
          ? "Seats are available again: pick them on the event page."
          : joined.error.message;
    return c.html(
      <Layout title="Waitlist">
        <h1>Waitlist</h1>
        <Notice kind="error">
          {sentence} <a href={`/events/${encodeURIComponent(eventId)}`}>Back to the event</a> · <a href="/me#waitlist">My waitlist</a>
        </Notice>
      </Layout>,
      (joined.status >= 400 && joined.status < 600 ? joined.status : 500) as 400,
    );
  });

  pages.post("/waitlist/:entryId/leave", async (c) => {
    const left = await callApi(c, api, "DELETE", `/api/v1/waitlist/${encodeURIComponent(c.req.param("entryId"))}`);
    if (left.ok) return c.redirect("/me#waitlist", 303);
    if (left.status === 401) return c.redirect(`/login?next=${encodeURIComponent("/me")}`, 303);
    return c.html(
      <Layout title="Waitlist">
        <h1>Waitlist</h1>
        <Notice kind="error">
          {left.error.message} <a href="/me#waitlist">Back to my waitlist</a>
        </Notice>
      </Layout>,
      (left.status >= 400 && left.status < 600 ? left.status : 500) as 400,
    );
  });

  return pages;
}
