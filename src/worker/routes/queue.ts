import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Waiting room. */
export const queueRoutes = new Hono<AppEnv>();
