import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { eventJson } from "../catalog/event-json";
import { getPublicEvent, seatMap } from "../catalog/public-events";
import { decodeCursor, SearchQuery, searchEvents } from "../catalog/search";
import { sectionsOf } from "../catalog/venues";
import { badRequest } from "../errors";
import { validate } from "../validation";

/** Public catalog: event search, details, seat maps. */
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
  const { event, sections } = await getPublicEvent(c.env, c.req.param("eventId"));
  return c.json(eventJson(event, sections));
});

const SeatsQuery = z.object({ section: z.string().min(1).max(64).optional() });

eventsRoutes.get("/api/v1/events/:eventId/seats", validate("query", SeatsQuery), async (c) => {
  const map = await seatMap(c.env, c.req.param("eventId"), c.req.valid("query").section);
  return c.json(map);
});
