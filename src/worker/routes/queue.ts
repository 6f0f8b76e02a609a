import { Hono, type Context } from "hono";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { background } from "../cache/background";
import { eventChanged, eventFacts } from "../catalog/event-facts";
import { publicStatus, type EventRow } from "../../platform/db/event-rows";
import { idPattern } from "../../shared/ids";
import { getOwnEvent } from "../catalog/event-repo";
import { WaitingRoomInput } from "../catalog/input";
import { db } from "../../platform/db/client";
import { events } from "../../platform/db/schema";
import { ApiError, notFound, unauthenticated, unprocessable } from "../errors";
import { authenticate, bearerToken, requireAuth } from "../middleware/auth";
import { rateLimit } from "../middleware/rate-limit";
import { callContext } from "../observability/request-log";
import { optionalJsonBody, validate } from "../validation";
import { issueAdmissionToken } from "../waiting-room/admission-token";
import { pollAfterSeconds } from "../waiting-room/polling";
import { DEFAULT_SETTINGS, roomConfig, roomFor, type WaitingRoomSettings } from "../waiting-room/room";
import { assertHuman } from "../waiting-room/turnstile";
import { checkWsTicket, wsUrl, WS_TICKET_SECONDS } from "../waiting-room/ws-ticket";
import { placeJson, type PlaceView, type QueueAnswer } from "../../shared/waiting-room";

/** Waiting room: joining, polling, and the organizer's controls. */
export const queueRoutes = new Hono<AppEnv>();

const JoinBody = z.object({
  /** Turnstile response token (or header `CF-Turnstile-Response`); needed when TURNSTILE_SECRET is set. */
  turnstile_token: z.string().min(1).max(4096).optional(),
});

const SettingsPatch = z
  .strictObject({
    enabled: z.boolean().optional(),
    // The event's own bounds, without its creation defaults: a PATCH leaves out what it keeps.
    admit_per_minute: WaitingRoomInput.shape.admit_per_minute.unwrap().optional(),
    session_seconds: WaitingRoomInput.shape.session_seconds.unwrap().optional(),
    /** Extension: at most this many admitted sessions live at once (null: no cap). */
    max_active_sessions: z.int().min(1).max(1_000_000).nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, {
    message: "Give at least one of enabled, admit_per_minute, session_seconds, max_active_sessions.",
  });

const noWaitingRoom = () => unprocessable("waiting_room_disabled", "This event has no waiting room; go straight to holds.");

const EVENT_ID = idPattern("evt");

/**
 * A published event, or 404 (drafts and cancelled events are nobody's business here). From the
 * event facts cache, as the hold path reads it: joins and polls are a sale's most frequent
 * requests (every waiting fan polls), and a D1 read on each would put D1 on the queue's path.
 * The room itself decides admission; a cancel or a waiting-room change drops this isolate's
 * copy at once and others' within the bound (`cache/bounds.ts`), and holds are refused by the
 * sections once cancelled whatever the room said.
 */
async function publishedEvent(c: Context<AppEnv>, eventId: string): Promise<EventRow> {
  if (!EVENT_ID.test(eventId)) throw notFound("Event");
  const event = (await eventFacts(c.env, eventId, background(c)))?.value.event;
  if (!event || event.state !== "published") throw notFound("Event");
  return event;
}

/** A queue answer: the place's JSON, with its socket address while waiting and its admission token once admitted. */
async function placeBody(env: Env, eventId: string, userId: string, place: PlaceView): Promise<QueueAnswer> {
  switch (place.status) {
    case "waiting":
      return { ...placeJson(place), ws_url: await wsUrl(env, { userId, eventId, queueId: place.queueId }) } satisfies QueueAnswer;
    case "admitted": {
      const token = await issueAdmissionToken(env, { userId, eventId, queueId: place.queueId, expiresAt: place.expiresAt });
      return { ...placeJson(place), position: 0, eta_seconds: 0, admission_token: token } satisfies QueueAnswer;
    }
    case "expired":
      return placeJson(place) satisfies QueueAnswer;
  }
}

queueRoutes.post(
  "/api/v1/events/:eventId/queue",
  requireAuth(),
  rateLimit("join_queue"),
  async (c) => {
    const body = await optionalJsonBody(c.req.raw, JoinBody);
    const principal = c.get("principal");
    const event = await publishedEvent(c, c.req.param("eventId"));
    if (!event.waitingRoom?.enabled)
      throw noWaitingRoom();
    if (publicStatus(event) === "ended") throw unprocessable("sales_closed", "This event has ended.");

    await assertHuman(c.env, body.turnstile_token, c.req.raw.headers);

    const joined = await roomFor(c.env, event.id).join(principal.userId, roomConfig(event), callContext(c));
    if (!joined.ok) throw noWaitingRoom();
    if (joined.status === "waiting") c.header("Retry-After", String(pollAfterSeconds(joined.etaSeconds)));
    return c.json(await placeBody(c.env, event.id, principal.userId, joined), 201);
  },
);

queueRoutes.get("/api/v1/events/:eventId/queue/:queueId", requireAuth(), rateLimit("queue_status"), async (c) => {
  const principal = c.get("principal");
  const event = await publishedEvent(c, c.req.param("eventId"));
  const queueId = c.req.param("queueId");
  if (queueId.length > 32) throw notFound("Queue place");
  const status = await roomFor(c.env, event.id).status(queueId, principal.userId);
  if (!status.ok) throw notFound("Queue place");
  const body = await placeBody(c.env, event.id, principal.userId, status);
  if (status.status === "waiting") c.header("Retry-After", String(pollAfterSeconds(status.etaSeconds)));
  return c.json(body, 200);
});

/**
 * Who opens a position socket: `Authorization: Bearer <session>` (non-browser clients), or the
 * short-lived `?ticket=` of the `ws_url` in a waiting place's queue answer (browsers cannot set
 * headers on a WebSocket, and a session token must never sit in a URL, so none is read there).
 */
async function socketUserId(c: Context<AppEnv>, eventId: string, queueId: string): Promise<string> {
  const bearer = bearerToken(c.req.header("Authorization"));
  if (bearer) return (await authenticate(c.env, bearer)).userId;
  const ticket = c.req.query("ticket");
  if (ticket === undefined)
    throw unauthenticated("Open the socket with the ws_url of the queue answer (?ticket=...) or an Authorization bearer token.");
  const check = await checkWsTicket(c.env, ticket, { eventId, queueId });
  if (!check.ok)
    throw new ApiError(
      401,
      "unauthenticated",
      `The socket ticket is ${check.reason === "expired" ? "expired" : "not for this socket"}; get a fresh ws_url from GET .../queue/{queue_id} (tickets last ${WS_TICKET_SECONDS} s).`,
      { reason: check.reason },
    );
  return check.userId;
}

/**
 * Position updates over a WebSocket (contract extension): one message per admission tick,
 * `{queue_id, status, position, eta_seconds}` while waiting; `{status: "admitted"}` (then
 * close) once admitted, after which GET .../queue/{queueId} hands out the token.
 */
queueRoutes.get("/api/v1/events/:eventId/queue/:queueId/ws", async (c) => {
  const queueId = c.req.param("queueId");
  const userId = await socketUserId(c, c.req.param("eventId"), queueId);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
    throw new ApiError(426, "upgrade_required", "This endpoint speaks WebSocket only.");
  const event = await publishedEvent(c, c.req.param("eventId"));
  if (queueId.length > 32) throw notFound("Queue place");
  const res = await roomFor(c.env, event.id).fetch(
    new Request(`https://waiting-room/${encodeURIComponent(queueId)}/ws`, {
      headers: { Upgrade: "websocket", "X-User-Id": userId },
    }),
  );
  if (res.status === 404) throw notFound("Queue place");
  return res;
});

queueRoutes.patch(
  "/api/v1/admin/events/:eventId/waiting-room",
  requireAuth("organizer"),
  validate("json", SettingsPatch),
  async (c) => {
    const principal = c.get("principal");
    const event = await getOwnEvent(c.env, principal.userId, c.req.param("eventId"));
    const settings: WaitingRoomSettings = { ...DEFAULT_SETTINGS, ...event.waitingRoom, ...c.req.valid("json") };
    await db(c.env).update(events).set({ waitingRoom: settings }).where(eq(events.id, event.id));
    await eventChanged(event.id);
    // D1 first: it is the record (a room not yet set up takes its settings from it on the first
    // join); a failed configure() leaves the room behind until the PATCH is repeated.
    const room = await roomFor(c.env, event.id).configure(roomConfig({ ...event, waitingRoom: settings }));
    return c.json(
      {
        event_id: event.id,
        waiting_room: settings,
        queue: { waiting: room.waiting, admitted: room.admitted, active_sessions: room.activeSessions },
      },
      200,
    );
  },
);
