import { z } from "zod";
import { socketTickets, socketUrl } from "../auth/socket-ticket";

/**
 * Short-lived tickets for the queue position WebSocket: the queue answers of a waiting place
 * carry a `ws_url` whose `?ticket=` is good for about a minute, for one user's one place of one
 * event, and for nothing else: it cannot open another place's socket, and it is not a session token.
 */

/** How long a ticket lives: enough to open the socket right after the answer that carried it. */
export const WS_TICKET_SECONDS = 60;

const tickets = socketTickets({
  typ: "queue-ws+jwt",
  audience: "queue-ws",
  salt: "ticketing/waiting-room",
  info: "queue-ws-ticket/v1",
  seconds: WS_TICKET_SECONDS,
});

export interface WsTicketClaims {
  userId: string;
  eventId: string;
  queueId: string;
}

export type WsTicketCheck =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" | "expired" | "wrong_event" | "wrong_queue" };

const TicketPayload = z.object({
  evt: z.string().min(1),
  qid: z.string().min(1),
});

/** Signs a ticket for the position socket of `claims.queueId`, valid `WS_TICKET_SECONDS` from `now`. */
export function issueWsTicket(env: Pick<Env, "SESSION_SECRET">, claims: WsTicketClaims, now = Date.now()): Promise<string> {
  return tickets.issue(env, claims.userId, { evt: claims.eventId, qid: claims.queueId }, now);
}

/** Checks a presented ticket against the socket it is used for; says who may open it. */
export async function checkWsTicket(
  env: Pick<Env, "SESSION_SECRET">,
  ticket: unknown,
  socket: { eventId: string; queueId: string },
  now = Date.now(),
): Promise<WsTicketCheck> {
  const check = await tickets.verify(env, ticket, now);
  if (!check.ok) return check;
  const claims = TicketPayload.safeParse(check.payload);
  if (!claims.success) return { ok: false, reason: "invalid" };
  if (claims.data.evt !== socket.eventId) return { ok: false, reason: "wrong_event" };
  if (claims.data.qid !== socket.queueId) return { ok: false, reason: "wrong_queue" };
  return { ok: true, userId: check.sub };
}

/** The absolute `ws(s)://` address of a place's position socket, ticket included. */
export async function wsUrl(env: Pick<Env, "SESSION_SECRET" | "PUBLIC_ORIGIN">, claims: WsTicketClaims, now = Date.now()): Promise<string> {
  const path = `/api/v1/events/${encodeURIComponent(claims.eventId)}/queue/${encodeURIComponent(claims.queueId)}/ws`;
  return socketUrl(env.PUBLIC_ORIGIN, path, await issueWsTicket(env, claims, now));
}
