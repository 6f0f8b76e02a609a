import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { verifySessionToken } from "../auth/tokens";
import { getOwnEvent } from "../catalog/event-repo";
import { getOrderTickets } from "../../durable-objects/checkout/order-rows";
import { getOrganizerOrder, orderJson } from "../checkout/order-repo";
import { attendeesCsv, ordersCsv } from "../console/exports";
import { csvResponse } from "../console/csv";
import { listGateDevices } from "../console/gate-devices";
import { checkLiveTicket } from "../console/live-ticket";
import { buyersOf, checkInsOf, paymentState } from "../console/orders";
import { ApiError, forbidden, notFound, unauthenticated } from "../errors";
import { bearerToken, requireAuth } from "../middleware/auth";
import { listPromoCodes, promoCodeJson } from "../promo/promo-admin";

/** Organizer console reads: one order in full, CSV exports, gate devices, promo codes, the live socket. */
export const adminConsoleRoutes = new Hono<AppEnv>();

const organizer = requireAuth("organizer");

/** The order, if it belongs to one of the organizer's events (otherwise 404 as if missing), and its event. */
async function ownOrder(env: Env, organizerId: string, orderId: string) {
  const order = await getOrganizerOrder(env, organizerId, orderId);
  return { order, event: await getOwnEvent(env, organizerId, order.eventId) };
}

adminConsoleRoutes.get("/api/v1/admin/orders/:orderId", organizer, async (c) => {
  const { order, event } = await ownOrder(c.env, c.get("principal").userId, c.req.param("orderId"));
  const [tickets, buyers] = await Promise.all([getOrderTickets(c.env, [order.id]), buyersOf(c.env, [order])]);
  const checkIns = await checkInsOf(
    c.env,
    event.id,
    tickets.map((t) => t.id),
  );
  const body = orderJson(c.env, order, tickets);
  return c.json({
    ...body,
    event_name: event.name,
    buyer: buyers.get(order.userId) ?? { user_id: order.userId, email: null, name: null },
    payment: { ...body.payment, ...paymentState(order) },
    tickets: body.tickets.map((t) => ({ ...t, checked_in_at: checkIns.get(t.ticket_id)?.checked_in_at ?? null, checked_in_gate: checkIns.get(t.ticket_id)?.gate ?? null })),
  });
});

adminConsoleRoutes.get("/api/v1/admin/events/:eventId/exports/orders.csv", organizer, async (c) => {
  const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  return csvResponse(`orders-${event.id}.csv`, ordersCsv(c.env, event.id));
});

adminConsoleRoutes.get("/api/v1/admin/events/:eventId/exports/attendees.csv", organizer, async (c) => {
  const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  return csvResponse(`attendees-${event.id}.csv`, attendeesCsv(c.env, event.id));
});

adminConsoleRoutes.get("/api/v1/admin/events/:eventId/gate-devices", organizer, async (c) => {
  const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  return c.json({ devices: await listGateDevices(c.env, event.id) });
});

adminConsoleRoutes.get("/api/v1/admin/events/:eventId/promo-codes", organizer, async (c) => {
  const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  const rows = await listPromoCodes(c.env, event.id);
  return c.json({ promo_codes: rows.map((row) => ({ ...promoCodeJson(row), created_at: row.createdAt })) });
});

/**
 * The live dashboard socket: `{type: "stats", stats}` at once and whenever the numbers change.
 * Opened with the `live_url` of the stats answer (`?ticket=`, a minute) or, for clients that
 * can set headers, `Authorization: Bearer` of the organizer.
 */
adminConsoleRoutes.get("/api/v1/admin/events/:eventId/live", async (c) => {
  const eventId = c.req.param("eventId");
  const bearer = bearerToken(c.req.header("Authorization"));
  let organizerId: string | null = null;
  if (bearer) {
    const principal = await verifySessionToken(c.env, bearer);
    if (!principal) throw unauthenticated("The bearer token is invalid or expired.");
    if (principal.role !== "organizer") throw forbidden();
    organizerId = principal.userId;
  } else {
    const ticket = c.req.query("ticket");
    if (ticket === undefined) throw unauthenticated("Open the socket with the live_url of the stats answer or an Authorization bearer token.");
    organizerId = await checkLiveTicket(c.env, ticket, eventId);
    if (!organizerId) throw unauthenticated("The socket ticket is expired or not for this event; get a fresh live_url from the stats answer.");
  }
  const event = await getOwnEvent(c.env, organizerId, eventId);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") throw new ApiError(426, "upgrade_required", "This endpoint speaks WebSocket only.");
  return c.env.DASHBOARD.getByName(event.id).fetch(
    new Request("https://dashboard/ws", { headers: { Upgrade: "websocket", "X-Event-Id": event.id } }),
  );
});
