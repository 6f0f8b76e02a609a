import { and, desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { db } from "../db/client";
import { tickets } from "../db/schema";
import { notFound } from "../errors";
import { requireAuth } from "../middleware/auth";
import { publicJwks } from "../tickets/keys";
import { qrSvg } from "../tickets/qr";
import { ticketJson } from "../tickets/view";

/** Tickets, QR codes, JWKS. */
export const ticketsRoutes = new Hono<AppEnv>();

ticketsRoutes.get("/.well-known/jwks.json", async (c) => {
  c.header("Cache-Control", "public, max-age=60");
  return c.json(await publicJwks(c.env));
});

/** A ticket of the caller's; anyone else's is indistinguishable from a missing one. */
async function ownTicket(env: Env, userId: string, ticketId: string) {
  const row = await db(env)
    .select()
    .from(tickets)
    .where(and(eq(tickets.id, ticketId), eq(tickets.userId, userId)))
    .get();
  if (!row) throw notFound("Ticket");
  return row;
}

ticketsRoutes.get("/api/v1/me/tickets", requireAuth(), async (c) => {
  const rows = await db(c.env)
    .select()
    .from(tickets)
    .where(eq(tickets.userId, c.get("principal").userId))
    .orderBy(desc(tickets.issuedAt))
    .all();
  return c.json({ tickets: rows.map((t) => ticketJson(c.env, t)) });
});

ticketsRoutes.get("/api/v1/tickets/:ticketId", requireAuth(), async (c) => {
  const row = await ownTicket(c.env, c.get("principal").userId, c.req.param("ticketId"));
  return c.json(ticketJson(c.env, row));
});

ticketsRoutes.get("/api/v1/tickets/:ticketId/qr.svg", requireAuth(), async (c) => {
  const row = await ownTicket(c.env, c.get("principal").userId, c.req.param("ticketId"));
  c.header("Content-Type", "image/svg+xml");
  c.header("Cache-Control", "private, max-age=300");
  return c.body(qrSvg(row.jwt));
});
