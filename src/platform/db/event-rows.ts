import { eq } from "drizzle-orm";
import { db } from "./client";
import { events } from "./schema";

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
