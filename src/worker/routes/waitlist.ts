import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { background } from "../cache/background";
import { eventFacts } from "../catalog/event-facts";
import { waitlistOfferSeconds } from "../catalog/event-json";
import { publicStatus } from "../../platform/db/event-rows";
import { getOwnEvent, getSaleState } from "../catalog/event-repo";
import { badRequest, conflict, notFound, unavailable, unprocessable } from "../errors";
import { requireAuth } from "../middleware/auth";
import { validate } from "../validation";
import { idPattern } from "../../shared/ids";
import { makeEntryId, parseEntryId } from "../../shared/waitlist";
import { availableIn, entriesOf, entryJson, indexEntry, JoinBody, unindexEntry, waitlistFor } from "../waitlist/waitlist";

/** The waitlist of sold-out events (contract "Waitlist"); who gets returned seats is the Waitlist object's rule. */
export const waitlistRoutes = new Hono<AppEnv>();

const EVENT_ID = idPattern("evt");

waitlistRoutes.post("/api/v1/events/:eventId/waitlist", requireAuth("buyer", "organizer"), validate("json", JoinBody), async (c) => {
  const eventId = c.req.param("eventId");
  if (!EVENT_ID.test(eventId)) throw notFound("Event");
  const [facts, sale] = await Promise.all([eventFacts(c.env, eventId, background(c)), getSaleState(c.env, eventId)]);
  if (!facts || !sale) throw notFound("Event");
  const event = { ...facts.value.event, ...sale };
  const status = publicStatus(event);
  if (status === "draft") throw notFound("Event");
  if (status !== "on_sale") throw unprocessable("not_on_sale", `This event is not on sale (${status}).`, { status });
  const body = c.req.valid("json");
  if (body.quantity > event.maxTicketsPerUser)
    throw badRequest("Request body is invalid.", {
      issues: [{ path: "quantity", message: `At most ${event.maxTicketsPerUser} tickets per buyer for this event.`, code: "too_big" }],
    });
  const sections = facts.value.sections.map((s) => s.key);
  if (body.section !== undefined && !sections.includes(body.section)) throw notFound(`Section ${body.section}`);
  const available = await availableIn(c.env, eventId, body.section === undefined ? sections : [body.section]);
  if (available > 0)
    throw unprocessable("not_sold_out", body.section === undefined ? "Seats are available for this event: hold them instead." : `Seats are available in section ${body.section}: hold them instead.`, { available });

  const userId = c.get("principal").userId;
  const entryId = makeEntryId(eventId);
  await indexEntry(c.env, entryId, eventId, userId);
  const joined = await waitlistFor(c.env, eventId)
    .join({
      requestId: c.get("requestId"),
      entryId,
      eventId,
      userId,
      quantity: body.quantity,
      section: body.section ?? null,
      offerSeconds: waitlistOfferSeconds(event),
      maxTicketsPerUser: event.maxTicketsPerUser,
      sections,
    })
    .catch(async (err: unknown) => {
      console.error("waitlist join failed", eventId, err);
      throw unavailable(2, "The waitlist is busy; try again shortly.");
    });
  if (!joined.ok) {
    await unindexEntry(c.env, entryId);
    throw conflict("already_on_waitlist", "You are already on the waitlist for this event.");
  }
  return c.json(entryJson(joined.entry), 201);
});

waitlistRoutes.get("/api/v1/me/waitlist", requireAuth("buyer", "organizer"), async (c) => {
  const entries = await entriesOf(c.env, c.get("principal").userId);
  return c.json({ entries: entries.map(entryJson) });
});

waitlistRoutes.delete("/api/v1/waitlist/:entryId", requireAuth("buyer", "organizer"), async (c) => {
  const entryId = c.req.param("entryId");
  const parsed = parseEntryId(entryId);
  if (!parsed) throw notFound("Waitlist entry");
  const result = await waitlistFor(c.env, parsed.eventId).leave(entryId, c.get("principal").userId);
  if (!result.ok) {
    if (result.reason === "not_found") throw notFound("Waitlist entry");
    if (result.reason === "unavailable") throw unavailable(2, "The offer could not be released yet; try again shortly.");
    throw conflict("waitlist_entry_closed", "The offer is paid or being paid; the entry can no longer be left.", { status: "purchased" });
  }
  const status = result.entry.status;
  if (status !== "left") throw conflict("waitlist_entry_closed", `This entry is ${status}; there is nothing to leave.`, { status });
  return c.json({ entry_id: entryId, status });
});

waitlistRoutes.get("/api/v1/admin/events/:eventId/waitlist", requireAuth("organizer"), async (c) => {
  const event = await getOwnEvent(c.env, c.get("principal").userId, c.req.param("eventId"));
  return c.json(await waitlistFor(c.env, event.id).counts());
});
