/** Public event search: published events, filtered, in (starts_at, id) order with keyset paging. */
import { and, asc, eq, gt, gte, lte, or, sql, type SQL } from "drizzle-orm";
import { base64url } from "jose";
import { z } from "zod";
import { db } from "../db/client";
import { events } from "../db/schema";
import type { EventRow } from "./event-repo";
import { Timestamp } from "./input";

/** A bare date means the whole UTC day: `from` its start, `to` its end. */
const DateOrTime = (edge: "start" | "end") =>
  z.union([
    Timestamp,
    z.iso.date().transform((d) => (edge === "start" ? `${d}T00:00:00.000Z` : `${d}T23:59:59.999Z`)),
  ]);

// Query strings carry empty values (`?q=`) for "no filter".
const optional = <S extends z.ZodType>(s: S) => z.preprocess((v) => (v === "" ? undefined : v), s.optional());

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

/** Opaque to clients: base64url of the last event's `[starts_at, id]`. */
export function encodeCursor(c: Cursor): string {
  return base64url.encode(JSON.stringify([c.startsAt, c.id]));
}

/** The cursor, or null when it was not made by `encodeCursor`. */
export function decodeCursor(text: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(text)));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string")
      return { startsAt: value[0], id: value[1] };
  } catch {
    // Falls through: not one of ours.
  }
  return null;
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
