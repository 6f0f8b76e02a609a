import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { requireAuth } from "../middleware/auth";
import { publicJwks } from "../../platform/tickets/keys";
import { qrSvg } from "../tickets/qr";
import { getOwnTicket, listOwnTickets } from "../tickets/ticket-repo";
import { ticketJson } from "../tickets/view";

/** Tickets, QR codes, JWKS. */
export const ticketsRoutes = new Hono<AppEnv>();

ticketsRoutes.get("/.well-known/jwks.json", async (c) => {
  c.header("Cache-Control", "public, max-age=60");
  return c.json(await publicJwks(c.env));
});

ticketsRoutes.get("/api/v1/me/tickets", requireAuth(), async (c) => {
  const rows = await listOwnTickets(c.env, c.get("principal").userId);
  return c.json({ tickets: rows.map((t) => ticketJson(c.env, t)) });
});

ticketsRoutes.get("/api/v1/tickets/:ticketId", requireAuth(), async (c) => {
  const row = await getOwnTicket(c.env, c.get("principal").userId, c.req.param("ticketId"));
  return c.json(ticketJson(c.env, row));
});

ticketsRoutes.get("/api/v1/tickets/:ticketId/qr.svg", requireAuth(), async (c) => {
  const row = await getOwnTicket(c.env, c.get("principal").userId, c.req.param("ticketId"));
  c.header("Content-Type", "image/svg+xml");
  c.header("Cache-Control", "private, max-age=300");
  return c.body(qrSvg(row.jwt));
});
