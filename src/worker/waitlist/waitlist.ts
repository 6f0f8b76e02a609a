/**
 * The Worker's side of the waitlist: the join body, the event's Waitlist object, the sold-out
 * rule for joining, the D1 index of a buyer's entries, and the contract's entry JSON. The
 * rules of who gets which seats live in the Waitlist object (src/durable-objects/waitlist.ts).
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { db } from "../../platform/db/client";
import { waitlistEntries } from "../../platform/db/schema";
import { sectionInventory } from "../catalog/inventory";
import { unavailable } from "../errors";
import { waitlistObjectName, type WaitlistEntryView } from "../../shared/waitlist";

export const JoinBody = z.strictObject({
  quantity: z.int().min(1),
  section: z.string().min(1).max(64).optional(),
});
export type JoinBody = z.infer<typeof JoinBody>;

export const waitlistFor = (env: Pick<Env, "WAITLIST">, eventId: string) => env.WAITLIST.getByName(waitlistObjectName(eventId));

/** Seats a browsing buyer could hold now in these sections (pooled seats are not among them). */
export async function availableIn(env: Pick<Env, "INVENTORY">, eventId: string, sections: string[]): Promise<number> {
  const states = await Promise.all(sections.map((key) => sectionInventory(env, eventId, key).poolState())).catch(() => {
    throw unavailable(2, "Seat inventory is busy; try again shortly.");
  });
  return states.reduce((n, s) => n + s.available, 0);
}

/** Written before the object takes the entry, so a listing never misses one (it skips ids the object does not know). */
export async function indexEntry(env: Pick<Env, "DB">, entryId: string, eventId: string, userId: string): Promise<void> {
  await db(env).insert(waitlistEntries).values({ id: entryId, eventId, userId, createdAt: new Date().toISOString() });
}

export async function unindexEntry(env: Pick<Env, "DB">, entryId: string): Promise<void> {
  await db(env).delete(waitlistEntries).where(eq(waitlistEntries.id, entryId));
}

/** The buyer's entries in every event, oldest event first as they joined. */
export async function entriesOf(env: Pick<Env, "DB" | "WAITLIST">, userId: string): Promise<WaitlistEntryView[]> {
  const rows = await db(env)
    .selectDistinct({ eventId: waitlistEntries.eventId })
    .from(waitlistEntries)
    .where(and(eq(waitlistEntries.userId, userId)))
    .all();
  const lists = await Promise.all(rows.map((r) => waitlistFor(env, r.eventId).entriesOf(userId)));
  return lists.flat();
}

/** An entry as the contract shows it. */
export function entryJson(e: WaitlistEntryView) {
  return {
    entry_id: e.entryId,
    event_id: e.eventId,
    quantity: e.quantity,
    section: e.section,
    position: e.position,
    status: e.status,
    ...(e.holdId ? { hold_id: e.holdId } : {}),
    ...(e.offerExpiresAt !== null ? { offer_expires_at: new Date(e.offerExpiresAt).toISOString() } : {}),
  };
}
