import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Tickets, QR codes, JWKS. */
export const ticketsRoutes = new Hono<AppEnv>();
