import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Sign-up and login. */
export const authRoutes = new Hono<AppEnv>();
