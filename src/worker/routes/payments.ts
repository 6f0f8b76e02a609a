import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Payment webhook and the local test gateway. */
export const paymentsRoutes = new Hono<AppEnv>();
