import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { PUBLIC_READ_FRESH_MS } from "../cache/bounds";
import { background } from "../cache/background";
import { freshnessHeaders } from "../cache/read-through";
import { eventJson } from "../catalog/event-json";
import { cachedSeatMap, getPublicEvent } from "../catalog/public-events";
import { decodeCursor, SearchQuery, searchEvents } from "../catalog/search";
import { sectionsOf } from "../catalog/venues";
import { badRequest } from "../errors";
import { validate } from "../validation";

/**
 * Public catalog: event search, details, seat maps. Details and seat maps come from the read
 * cache (`catalog/public-events.ts`) and say how old they are (`Age`); search reads D1.
 */
export const eventsRoutes = new Hono<AppEnv>();

eventsRoutes.get("/api/v1/events", validate("query", SearchQuery), async (c) => {
  const { cursor, ...query } = c.req.valid("query");
  const after = cursor === undefined ? null : decodeCursor(cursor);
  if (cursor !== undefined && !after)
    throw badRequest("Request query is invalid.", { issues: [{ path: "cursor", message: "Unknown cursor.", code: "custom" }] });
  const { rows, next } = await searchEvents(c.env, query, after);
  const sections = await sectionsOf(
    c.env,
    rows.map((r) => r.venueId),
  );
  const now = Date.now();
  return c.json({ events: rows.map((e) => eventJson(e, sections.get(e.venueId) ?? [], now)), next_cursor: next });
});

eventsRoutes.get("/api/v1/events/:eventId", async (c) => {
  const { event, sections, readAt } = await getPublicEvent(c.env, c.req.param("eventId"), background(c));
  // `status` follows the clock at each answer, not at the read: on-sale starts on time.
  return c.json(eventJson(event, sections), 200, freshnessHeaders(readAt, PUBLIC_READ_FRESH_MS));
});

const SeatsQuery = z.object({ section: z.string().min(1).max(64).optional() });

eventsRoutes.get("/api/v1/events/:eventId/seats", validate("query", SeatsQuery), async (c) => {
  const { bytes, readAt } = await cachedSeatMap(c.env, c.req.param("eventId"), c.req.valid("query").section, background(c));
  return c.body(bytes(), 200, { "Content-Type": "application/json", ...freshnessHeaders(readAt, PUBLIC_READ_FRESH_MS) });
});
