import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { getEvent, publicStatus } from "../catalog/event-repo";
import { conflict, notFound, unprocessable } from "../errors";
import { idPattern } from "../../shared/ids";
import { parseHoldId } from "../../shared/inventory/hold-id";
import { buyerLedger } from "../inventory/ledger";
import { assertWithinLimit, HoldBody, holdItems, holdJson, holdRefusal, inventoryBusy, notFoundHold } from "../inventory/hold-request";
import { venueSections } from "../inventory/venue-sections";
import { requireAuth } from "../middleware/auth";
import { rateLimit } from "../middleware/rate-limit";
import { validate } from "../validation";
import { assertAdmitted } from "../waiting-room/admission";

/**
 * Seat holds. Rules live in BuyerLedger (per-user limit, all-or-nothing across sections)
 * and SectionInventory (seat states); these handlers parse, authorize and map results.
 * Buyers and organizers may hold; staff (gate devices) may not.
 */
export const holdsRoutes = new Hono<AppEnv>();

const EVENT_ID = idPattern("evt");

holdsRoutes.post(
  "/api/v1/events/:eventId/holds",
  requireAuth("buyer", "organizer"),
  rateLimit("hold"),
  validate("json", HoldBody),
  async (c) => {
    const eventId = c.req.param("eventId");
    const event = EVENT_ID.test(eventId) ? await getEvent(c.env, eventId) : undefined;
    if (!event) throw notFound("Event");
    const status = publicStatus(event);
    if (status !== "on_sale") throw unprocessable("not_on_sale", `This event is not on sale (${status}).`, { status });
    const principal = c.get("principal");
    await assertAdmitted(c.env, event, principal, c.req.header("X-Admission-Token"));

    const body = c.req.valid("json");
    assertWithinLimit(body, event.maxTicketsPerUser);
    const items = holdItems(body, await venueSections(c.env, event.venueId));
    const result = await buyerLedger(c.env, event.id, principal.userId).createHold({
      eventId: event.id,
      userId: principal.userId,
      items,
      holdTtlSeconds: event.holdTtlSeconds,
      maxTicketsPerUser: event.maxTicketsPerUser,
    });
    if (!result.ok) throw holdRefusal(result);
    // total_cents is in the event's currency's minor units.
    return c.json({ ...holdJson(result), currency: event.currency }, 201);
  },
);

/** The ledger of the caller for the hold's event: another user's hold is simply not there (404). */
function callerLedger(env: Env, holdId: string, userId: string) {
  const parsed = parseHoldId(holdId);
  if (!parsed) throw notFoundHold();
  return buyerLedger(env, parsed.eventId, userId);
}

holdsRoutes.get("/api/v1/holds/:holdId", requireAuth("buyer", "organizer"), async (c) => {
  const holdId = c.req.param("holdId");
  const result = await callerLedger(c.env, holdId, c.get("principal").userId).getHold(holdId);
  if (!result.ok) throw notFoundHold();
  const event = await getEvent(c.env, parseHoldId(holdId)!.eventId);
  return c.json({ ...holdJson(result), ...(event ? { currency: event.currency } : {}) });
});

holdsRoutes.delete("/api/v1/holds/:holdId", requireAuth("buyer", "organizer"), async (c) => {
  const holdId = c.req.param("holdId");
  const result = await callerLedger(c.env, holdId, c.get("principal").userId).releaseHold(holdId);
  if (result.ok) return c.json({ hold_id: holdId, status: "released" });
  switch (result.reason) {
    case "sold":
    case "confirming":
      throw conflict("hold_not_releasable", "This hold is paid or being paid; cancel or refund the order instead.", {
        status: result.reason === "sold" ? "sold" : "held",
      });
    case "unavailable":
      throw inventoryBusy();
    default:
      throw notFoundHold();
  }
});
