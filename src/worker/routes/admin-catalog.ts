import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { organizerEventJson } from "../catalog/event-json";
import { EventInput, VenueInput } from "../catalog/input";
import { createEvent, updateDraftEvent, getOwnEventWithSections, listOwnEvents, publishEvent } from "../catalog/organizer-events";
import { createVenue, getOwnVenue, listOwnVenues, sectionsOf, venueJson } from "../catalog/venues";
import { notFound } from "../errors";
import { requireAuth } from "../middleware/auth";
import { liveUrl } from "../console/live-ticket";
import { eventStats, StatsQuery } from "../stats/event-stats";
import { validate } from "../validation";

/** Organizer venues, events, publish, stats. Another organizer's venue or event is a 404. */
export const adminCatalogRoutes = new Hono<AppEnv>();

// Each route names its own auth: other files own other /admin/... paths.
const organizer = requireAuth("organizer");

adminCatalogRoutes.post("/api/v1/admin/venues", organizer, validate("json", VenueInput), async (c) => {
  const venue = await createVenue(c.env, c.get("principal").userId, c.req.valid("json"));
  return c.json(
    {
      venue_id: venue.id,
      name: venue.name,
      city: venue.city,
      sections: venue.sections.map((s) => ({ key: s.key, name: s.name, kind: s.kind, capacity: s.capacity })),
    },
    201,
  );
});

adminCatalogRoutes.get("/api/v1/admin/venues", organizer, async (c) => {
  const venues = await listOwnVenues(c.env, c.get("principal").userId);
  const sections = await sectionsOf(
    c.env,
    venues.map((v) => v.id),
  );
  return c.json({ venues: venues.map((v) => venueJson(v, sections.get(v.id) ?? [])) });
});

adminCatalogRoutes.get("/api/v1/admin/venues/:venueId", organizer, async (c) => {
  const venue = await getOwnVenue(c.env, c.get("principal").userId, c.req.param("venueId"));
  if (!venue) throw notFound("Venue");
  const sections = await sectionsOf(c.env, [venue.id]);
  return c.json(venueJson(venue, sections.get(venue.id) ?? []));
});

adminCatalogRoutes.post("/api/v1/admin/events", organizer, validate("json", EventInput), async (c) => {
  const { event, sections } = await createEvent(c.env, c.get("principal").userId, c.req.valid("json"));
  return c.json(organizerEventJson(event, sections), 201);
});

adminCatalogRoutes.get("/api/v1/admin/events", organizer, async (c) => {
  const list = await listOwnEvents(c.env, c.get("principal").userId);
  const now = Date.now();
  return c.json({ events: list.map(({ event, sections }) => organizerEventJson(event, sections, now)) });
});

adminCatalogRoutes.get("/api/v1/admin/events/:eventId", organizer, async (c) => {
  const { event, sections } = await getOwnEventWithSections(c.env, c.get("principal").userId, c.req.param("eventId"));
  return c.json(organizerEventJson(event, sections));
});

/** Extension: edits a draft (any fields of the create body); 409 `event_not_draft` once published. */
adminCatalogRoutes.patch("/api/v1/admin/events/:eventId", organizer, validate("json", z.record(z.string(), z.unknown())), async (c) => {
  const { event, sections } = await updateDraftEvent(c.env, c.get("principal").userId, c.req.param("eventId"), c.req.valid("json"));
  return c.json(organizerEventJson(event, sections));
});

adminCatalogRoutes.post("/api/v1/admin/events/:eventId/publish", organizer, async (c) => {
  const { event, sections } = await publishEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  return c.json(organizerEventJson(event, sections));
});

adminCatalogRoutes.get("/api/v1/admin/events/:eventId/stats", organizer, validate("query", StatsQuery), async (c) => {
  const { event, sections } = await getOwnEventWithSections(c.env, c.get("principal").userId, c.req.param("eventId"));
  const stats = await eventStats(c.env, event, sections, c.req.valid("query"));
  return c.json({ ...stats, live_url: await liveUrl(c.env, c.get("principal").userId, event.id) });
});
