import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { getOrder, getOrderTickets, orderJson } from "../checkout/order-repo";
import { getOwnEvent } from "../catalog/event-repo";
import { cancelEvent } from "../checkout/organizer";
import { orderPage } from "../checkout/order-pages";
import { AdminOrdersQuery, adminOrdersFilter, buyersOf } from "../console/orders";
import { db } from "../db/client";
import { promoCodes } from "../db/schema";
import { conflict, notFound } from "../errors";
import { newId } from "../../shared/ids";
import { requireAuth } from "../middleware/auth";
import { normalizeCode } from "../promo/promo-codes";
import { validate } from "../validation";

/** Organizer promo codes, refunds, event cancellation. */
export const adminOrdersRoutes = new Hono<AppEnv>();

const PromoBody = z
  .object({
    code: z.string().trim().regex(/^[A-Za-z0-9_-]{3,32}$/, "3 to 32 letters, digits, '-' or '_'"),
    percent_off: z.int().min(1).max(100).optional(),
    amount_off_cents: z.int().min(1).max(100_000_000).optional(),
    max_uses: z.int().min(1).max(10_000_000).optional(),
    per_user_limit: z.int().min(1).max(1_000).optional(),
    valid_from: z.iso.datetime({ offset: true }).optional(),
    valid_to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((b) => (b.percent_off === undefined) !== (b.amount_off_cents === undefined), {
    message: "Give exactly one of percent_off and amount_off_cents.",
    path: ["percent_off"],
  })
  .refine((b) => !b.valid_from || !b.valid_to || Date.parse(b.valid_from) < Date.parse(b.valid_to), {
    message: "valid_from must be before valid_to.",
    path: ["valid_to"],
  });

const iso = (s: string | undefined) => (s ? new Date(s).toISOString() : null);

adminOrdersRoutes.post(
  "/api/v1/admin/events/:eventId/promo-codes",
  requireAuth("organizer"),
  validate("json", PromoBody),
  async (c) => {
    const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
    const b = c.req.valid("json");
    const row = await db(c.env)
      .insert(promoCodes)
      .values({
        id: newId("prm"),
        eventId: event.id,
        code: normalizeCode(b.code),
        percentOff: b.percent_off ?? null,
        amountOffCents: b.amount_off_cents ?? null,
        maxUses: b.max_uses ?? null,
        perUserLimit: b.per_user_limit ?? null,
        validFrom: iso(b.valid_from),
        validTo: iso(b.valid_to),
      })
      .onConflictDoNothing()
      .returning()
      .get();
    if (!row) throw conflict("promo_code_exists", "This event already has a promo code with that code.");
    return c.json(
      {
        promo_code_id: row.id,
        event_id: row.eventId,
        code: row.code,
        percent_off: row.percentOff,
        amount_off_cents: row.amountOffCents,
        max_uses: row.maxUses,
        per_user_limit: row.perUserLimit,
        valid_from: row.validFrom,
        valid_to: row.validTo,
        uses: row.uses,
      },
      201,
    );
  },
);

adminOrdersRoutes.post("/api/v1/admin/orders/:orderId/refund", requireAuth("organizer"), async (c) => {
  const order = await getOrder(c.env, c.req.param("orderId"));
  if (!order) throw notFound("Order");
  await getOwnEvent(c.env, c.get("principal").userId, order.eventId).catch(() => {
    throw notFound("Order");
  });
  const r = await c.env.CHECKOUT.getByName(order.id).refund(order.id, "refunded_by_organizer");
  if (!r.ok) throw conflict("order_not_refundable", "Only a paid order can be refunded.", { status: r.status });
  return c.json(orderJson(c.env, r.order, await getOrderTickets(c.env, [order.id])));
});

adminOrdersRoutes.post("/api/v1/admin/events/:eventId/cancel", requireAuth("organizer"), async (c) => {
  const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  return c.json(await cancelEvent(c.env, event));
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
