import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { idempotent, requestHash } from "../checkout/idempotency";
import { MyOrdersQuery, orderPage } from "../checkout/order-pages";
import { getOwnOrder, orderJson, orderWithTickets } from "../checkout/order-repo";
import { placeOrderAnswer, resumeOrder } from "../checkout/place-order";
import { orders } from "../../platform/db/schema";
import { badRequest, conflict } from "../errors";
import { requireAuth } from "../middleware/auth";
import { rateLimit } from "../middleware/rate-limit";
import { callContext, serverTiming } from "../observability/request-log";
import { validate } from "../validation";

/** Orders, cancel, order history. */
export const ordersRoutes = new Hono<AppEnv>();

const PlaceOrderBody = z.object({
  hold_id: z.string().min(1).max(100),
  promo_code: z.string().trim().min(1).max(64).optional(),
});

/** Visible ASCII, as Stripe and the IETF draft use it; UUIDs are typical. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

ordersRoutes.post(
  "/api/v1/orders",
  serverTiming(),
  requireAuth("buyer", "organizer"),
  rateLimit("order"),
  validate("json", PlaceOrderBody),
  async (c) => {
    const key = c.req.header("Idempotency-Key");
    if (!key || !IDEMPOTENCY_KEY.test(key)) {
      throw badRequest("The Idempotency-Key header is required (1 to 255 visible ASCII characters).", {
        issues: [{ path: "headers.Idempotency-Key", message: key ? "Invalid value" : "Required", code: "invalid_header" }],
      });
    }
    const body = c.req.valid("json");
    const userId = c.get("principal").userId;
    const hash = await requestHash("POST", "/api/v1/orders", body);
    const res = await idempotent(c.env, userId, key, hash, {
      run: (claim) => placeOrderAnswer(c.env, userId, { holdId: body.hold_id, promoCode: body.promo_code }, claim, callContext(c)),
      resume: async (orderId) => {
        const placed = await resumeOrder(c.env, orderId, callContext(c));
        return placed && { status: 201, body: placed };
      },
    });
    if (res.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(res.body as object, res.status as 201);
  },
);

ordersRoutes.get("/api/v1/orders/:orderId", requireAuth(), async (c) => {
  const order = await getOwnOrder(c.env, c.get("principal").userId, c.req.param("orderId"));
  return c.json(await orderWithTickets(c.env, order));
});

ordersRoutes.get("/api/v1/me/orders", requireAuth(), validate("query", MyOrdersQuery), async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const page = await orderPage(c.env, eq(orders.userId, c.get("principal").userId), limit, cursor);
  return c.json({ orders: page.rows.map((o) => orderJson(c.env, o, page.tickets)), next_cursor: page.next });
});

ordersRoutes.post("/api/v1/orders/:orderId/cancel", requireAuth(), async (c) => {
  const order = await getOwnOrder(c.env, c.get("principal").userId, c.req.param("orderId"));
  const r = await c.env.CHECKOUT.getByName(order.id).end(order.id, "cancelled_by_buyer", callContext(c));
  if (!r.ok) {
    throw conflict("order_not_cancellable", "Only an order that is still waiting for payment can be cancelled.", {
      status: r.status,
      reason: r.reason,
    });
  }
  return c.json(await orderWithTickets(c.env, r.order));
});
