import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { eventChanged } from "../catalog/event-facts";
import { getOwnEvent } from "../catalog/event-repo";
import { orderPage } from "../checkout/order-pages";
import { getOrganizerOrder, orderJson, orderWithTickets } from "../checkout/order-repo";
import { cancelEvent } from "../checkout/organizer";
import { AdminOrdersQuery, adminOrdersFilter, buyersOf } from "../console/orders";
import { conflict } from "../errors";
import { requireAuth } from "../middleware/auth";
import { CreatePromoBody, createPromoCode, promoCodeJson } from "../promo/promo-admin";
import { callContext } from "../observability/request-log";
import { validate } from "../validation";

/** Organizer promo codes, refunds, event cancellation. */
export const adminOrdersRoutes = new Hono<AppEnv>();

adminOrdersRoutes.post(
  "/api/v1/admin/events/:eventId/promo-codes",
  requireAuth("organizer"),
  validate("json", CreatePromoBody),
  async (c) => {
    const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
    return c.json(promoCodeJson(await createPromoCode(c.env, event.id, c.req.valid("json"))), 201);
  },
);

adminOrdersRoutes.post("/api/v1/admin/orders/:orderId/refund", requireAuth("organizer"), async (c) => {
  const order = await getOrganizerOrder(c.env, c.get("principal").userId, c.req.param("orderId"));
  const r = await c.env.CHECKOUT.getByName(order.id).end(order.id, "refunded_by_organizer", callContext(c));
  if (!r.ok) throw conflict("order_not_refundable", "Only a paid order can be refunded.", { status: r.status });
  return c.json(await orderWithTickets(c.env, r.order));
});

adminOrdersRoutes.post("/api/v1/admin/events/:eventId/cancel", requireAuth("organizer"), async (c) => {
  const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  try {
    return c.json(await cancelEvent(c.env, event, callContext(c)));
  } finally {
    // Also when the refunds fail half way: the state flips first.
    await eventChanged(event.id);
  }
});

/** The event's orders, newest first (so organizers can find what to refund), filtered and searched. */
adminOrdersRoutes.get(
  "/api/v1/admin/events/:eventId/orders",
  requireAuth("organizer"),
  validate("query", AdminOrdersQuery),
  async (c) => {
    const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
    const q = c.req.valid("query");
    const page = await orderPage(c.env, adminOrdersFilter(event.id, q), q.limit, q.cursor);
    const buyers = await buyersOf(c.env, page.rows);
    return c.json({
      orders: page.rows.map((o) => ({ ...orderJson(c.env, o, page.tickets), user_id: o.userId, buyer: buyers.get(o.userId) ?? null })),
      next_cursor: page.next,
    });
  },
);
