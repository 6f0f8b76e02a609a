import { eq } from "drizzle-orm";
import { db } from "../db/client";
import { events } from "../db/schema";
import { notFound } from "../errors";

export type EventRow = typeof events.$inferSelect;

/** The public lifecycle status, derived from the stored state and the clock. */
export type PublicStatus = "draft" | "scheduled" | "on_sale" | "ended" | "cancelled";

export function publicStatus(event: Pick<EventRow, "state" | "onSaleAt" | "endsAt">, now = Date.now()): PublicStatus {
  if (event.state !== "published") return event.state;
  if (now >= Date.parse(event.endsAt)) return "ended";
  return now >= Date.parse(event.onSaleAt) ? "on_sale" : "scheduled";
}

export async function getEvent(env: Pick<Env, "DB">, eventId: string): Promise<EventRow | undefined> {
  return db(env).select().from(events).where(eq(events.id, eventId)).get();
}

/** The organizer's own event; another organizer's is indistinguishable from a missing one (404). */
export async function getOwnEvent(env: Pick<Env, "DB">, organizerId: string, eventId: string): Promise<EventRow> {
  const event = await getEvent(env, eventId);
  if (!event || event.organizerId !== organizerId) throw notFound("Event");
  return event;
}
