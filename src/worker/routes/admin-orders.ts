import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Organizer promo codes, refunds, event cancellation. */
export const adminOrdersRoutes = new Hono<AppEnv>();
