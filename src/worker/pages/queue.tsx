import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import type { EventJson } from "../catalog/event-json";
import { cookiePrincipal } from "../middleware/session";
import { callApi, type ApiFetch } from "./api-call";
import { Layout, Notice } from "./layout";

type Place =
  | { queue_id: string; status: "waiting"; position: number; eta_seconds: number; ws_url: string }
  | { queue_id: string; status: "admitted"; admission_token: string; expires_at: string }
  | { queue_id: string; status: "expired" };

const enc = encodeURIComponent;

/** "about 3 minutes" */
export function etaText(seconds: number): string {
  if (seconds < 60) return "less than a minute";
  const m = Math.round(seconds / 60);
  if (m < 90) return `about ${m} minute${m === 1 ? "" : "s"}`;
  return `about ${Math.round(m / 60)} hours`;
}

/**
 * `/events/{id}/queue`: joins the event's waiting room (one place per buyer, so reloading keeps
 * the place) and shows position and ETA; its script follows the queue socket and, on
 * admission, keeps the admission token for the event page and goes there.
 */
export function queuePages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  pages.get("/events/:eventId/queue", async (c) => {
    const eventId = c.req.param("eventId");
    const eventPath = `/events/${enc(eventId)}`;
    const viewer = await cookiePrincipal(c);
    if (!viewer) return c.redirect(`/login?next=${enc(`${eventPath}/queue`)}`, 303);
    const event = await callApi<EventJson>(c, api, "GET", `/api/v1/events/${enc(eventId)}`, { auth: false });
    if (!event.ok) return c.notFound();
    if (!event.body.waiting_room?.enabled) return c.redirect(eventPath, 303);
    const place = await callApi<Place>(c, api, "POST", `/api/v1/events/${enc(eventId)}/queue`);
    return c.html(
      <Layout title={`Waiting room: ${event.body.name}`} viewer={viewer} scripts={["queue"]}>
        <h1>Waiting room</h1>
        <p class="meta">{event.body.name}</p>
        {!place.ok ? (
          <Notice kind="error">
            {place.status === 429 ? `Too many tries. Reload in ${place.retryAfter ?? 30} seconds.` : place.error.message} <a href={eventPath}>Back to the event</a>
          </Notice>
        ) : (
          <div
            id="queue"
            class="queue-box"
            data-event-id={eventId}
            data-queue-id={place.body.queue_id}
            data-status={place.body.status}
            data-ws-url={place.body.status === "waiting" ? place.body.ws_url : ""}
            data-admission-token={place.body.status === "admitted" ? place.body.admission_token : ""}
            data-expires-at={place.body.status === "admitted" ? place.body.expires_at : ""}
          >
            <p role="status" id="queue-status" aria-live="polite">
              {place.body.status === "waiting"
                ? `You are number ${place.body.position} in line. Estimated wait: ${etaText(place.body.eta_seconds)}.`
                : place.body.status === "admitted"
                  ? "It is your turn. Taking you to the seats…"
                  : "Your turn came and went. Reload this page to queue again."}
            </p>
            <p>Keep this page open: it moves on to the seat map by itself when it is your turn.</p>
          </div>
        )}
      </Layout>,
    );
  });
  return pages;
}
