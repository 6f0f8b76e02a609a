/** Public event search: published events, filtered, in (starts_at, id) order with keyset paging. */
import { and, asc, eq, gt, gte, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { db } from "../../platform/db/client";
import { decodeKeyCursor, encodeKeyCursor, optionalParam as optional } from "../paging";
import { events } from "../../platform/db/schema";
import type { EventRow } from "../../platform/db/event-rows";
import { Timestamp } from "./input";

/** A bare date means the whole UTC day: `from` its start, `to` its end. */
const DateOrTime = (edge: "start" | "end") =>
  z.union([
    Timestamp,
    z.iso.date().transform((d) => (edge === "start" ? `${d}T00:00:00.000Z` : `${d}T23:59:59.999Z`)),
  ]);

export const SearchQuery = z
  .object({
    q: optional(z.string().trim().max(100)),
    city: optional(z.string().trim().max(100)),
    category: optional(z.string().trim().max(50)),
    from: optional(DateOrTime("start")),
    to: optional(DateOrTime("end")),
    limit: optional(z.coerce.number().int().min(1).max(100)).default(20),
    cursor: optional(z.string().max(200)),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ["to"], message: "to must not be before from." });
export type SearchQuery = z.infer<typeof SearchQuery>;

type Cursor = { startsAt: string; id: string };

/** Opaque to clients: the last event's `[starts_at, id]` (src/worker/paging.ts). */
export const encodeCursor = (c: Cursor): string => encodeKeyCursor([c.startsAt, c.id]);

/** The cursor, or null when it was not made by `encodeCursor`. */
export function decodeCursor(text: string): Cursor | null {
  const pair = decodeKeyCursor(text);
  return pair && { startsAt: pair[0], id: pair[1] };
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** One page of published events and the cursor of the next page (null on the last). */
export async function searchEvents(
  env: Pick<Env, "DB">,
  query: Omit<SearchQuery, "cursor">,
  after: Cursor | null,
): Promise<{ rows: EventRow[]; next: string | null }> {
  const where: (SQL | undefined)[] = [eq(events.state, "published")];
  // SQLite's LIKE is case-insensitive for ASCII letters.
  if (query.q) where.push(sql`${events.name} LIKE ${`%${likeEscape(query.q)}%`} ESCAPE '\\'`);
  if (query.city) where.push(sql`lower(${events.city}) = lower(${query.city})`);
  if (query.category) where.push(sql`lower(${events.category}) = lower(${query.category})`);
  if (query.from) where.push(gte(events.startsAt, query.from));
  if (query.to) where.push(lte(events.startsAt, query.to));
  if (after) where.push(or(gt(events.startsAt, after.startsAt), and(eq(events.startsAt, after.startsAt), gt(events.id, after.id))));
  const rows = await db(env)
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(asc(events.startsAt), asc(events.id))
    .limit(query.limit + 1)
    .all();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > query.limit && last ? encodeCursor({ startsAt: last.startsAt, id: last.id }) : null };
}
