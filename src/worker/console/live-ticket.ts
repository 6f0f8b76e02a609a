import { z } from "zod";
import { socketTickets, socketUrl } from "../auth/socket-ticket";

/**
 * Short-lived tickets for the organizer's live dashboard socket: the stats answer carries a
 * `live_url` whose `?ticket=` opens that one event's socket for about a minute.
 */
export const LIVE_TICKET_SECONDS = 60;

const tickets = socketTickets({
  typ: "dashboard-live+jwt",
  audience: "dashboard-live",
  salt: "ticketing/console",
  info: "dashboard-live-ticket/v1",
  seconds: LIVE_TICKET_SECONDS,
});

const Claims = z.object({ evt: z.string().min(1) });

export async function liveUrl(env: Pick<Env, "SESSION_SECRET" | "PUBLIC_ORIGIN">, organizerId: string, eventId: string, now = Date.now()) {
  const ticket = await tickets.issue(env, organizerId, { evt: eventId }, now);
  return socketUrl(env.PUBLIC_ORIGIN, `/api/v1/admin/events/${encodeURIComponent(eventId)}/live`, ticket);
}

/** The organizer a ticket was issued to, if it is valid, unexpired and for this event. */
export async function checkLiveTicket(env: Pick<Env, "SESSION_SECRET">, ticket: string, eventId: string, now = Date.now()): Promise<string | null> {
  const check = await tickets.verify(env, ticket, now);
  if (!check.ok) return null;
  const claims = Claims.safeParse(check.payload);
  return claims.success && claims.data.evt === eventId ? check.sub : null;
}
