import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Public catalog: event search, details, seat maps. */
export const eventsRoutes = new Hono<AppEnv>();
