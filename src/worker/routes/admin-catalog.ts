import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Organizer venues, events, publish, stats. */
export const adminCatalogRoutes = new Hono<AppEnv>();
