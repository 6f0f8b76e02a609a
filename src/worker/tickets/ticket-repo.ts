import { and, desc, eq } from "drizzle-orm";
import { db } from "../../platform/db/client";
import { tickets } from "../../platform/db/schema";
import { notFound } from "../errors";
import type { TicketRow } from "./view";

/** A ticket of the caller's; anyone else's is indistinguishable from a missing one. */
export async function getOwnTicket(env: Pick<Env, "DB">, userId: string, ticketId: string): Promise<TicketRow> {
  const row = await db(env)
    .select()
    .from(tickets)
    .where(and(eq(tickets.id, ticketId), eq(tickets.userId, userId)))
    .get();
  if (!row) throw notFound("Ticket");
  return row;
}

/** The caller's tickets, newest first. */
export function listOwnTickets(env: Pick<Env, "DB">, userId: string): Promise<TicketRow[]> {
  return db(env).select().from(tickets).where(eq(tickets.userId, userId)).orderBy(desc(tickets.issuedAt)).all();
}
