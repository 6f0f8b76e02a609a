import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Seat holds. */
export const holdsRoutes = new Hono<AppEnv>();
