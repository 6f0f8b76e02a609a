import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Orders, cancel, order history. */
export const ordersRoutes = new Hono<AppEnv>();
