import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Gate devices, bundles and scan reconciliation. */
export const gateRoutes = new Hono<AppEnv>();
