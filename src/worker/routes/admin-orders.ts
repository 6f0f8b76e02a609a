import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { ORDER_STATUSES } from "../../shared/order-state";
import type { AppEnv } from "../app-env";
import { eventChanged } from "../catalog/event-facts";
import { getOwnEvent } from "../catalog/event-repo";
import { OrdersCursorParam, orderPage } from "../checkout/order-pages";
import { getOrganizerOrder, orderJson, orderWithTickets } from "../checkout/order-repo";
import { cancelEvent } from "../checkout/organizer";
import { orders } from "../../platform/db/schema";
import { conflict } from "../errors";
import { requireAuth } from "../middleware/auth";
import { CreatePromoBody, createPromoCode, promoCodeJson } from "../promo/promo-admin";
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
  const r = await c.env.CHECKOUT.getByName(order.id).end(order.id, "refunded_by_organizer");
  if (!r.ok) throw conflict("order_not_refundable", "Only a paid order can be refunded.", { status: r.status });
  return c.json(await orderWithTickets(c.env, r.order));
});

adminOrdersRoutes.post("/api/v1/admin/events/:eventId/cancel", requireAuth("organizer"), async (c) => {
  const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  try {
    return c.json(await cancelEvent(c.env, event));
  } finally {
    // Also when the refunds fail half way: the state flips first.
    await eventChanged(event.id);
  }
});

const OrdersQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `next_cursor` of the previous page (opaque). */
  cursor: OrdersCursorParam,
});

/** The event's orders, newest first (so organizers can find what to refund). */
adminOrdersRoutes.get(
  "/api/v1/admin/events/:eventId/orders",
  requireAuth("organizer"),
  validate("query", OrdersQuery),
  async (c) => {
    const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
    const q = c.req.valid("query");
    const page = await orderPage(c.env, and(eq(orders.eventId, event.id), q.status ? eq(orders.status, q.status) : undefined), q.limit, q.cursor);
    return c.json({
      orders: page.rows.map((o) => ({ ...orderJson(c.env, o, page.tickets), user_id: o.userId })),
      next_cursor: page.next,
    });
  },
);
