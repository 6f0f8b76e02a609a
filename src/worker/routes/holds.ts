import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { background } from "../cache/background";
import { eventFacts } from "../catalog/event-facts";
import { publicStatus } from "../../platform/db/event-rows";
import { conflict, notFound } from "../errors";
import { idPattern } from "../../shared/ids";
import { parseHoldId } from "../../shared/inventory/hold-id";
import { ledgerForNewHold, ledgerOfHold } from "../../durable-objects/buyer-ledger-handle";
import { assertWithinLimit, HoldBody, holdItems, holdJson, holdRefusal, inventoryBusy, notFoundHold, notOnSale } from "../inventory/hold-request";
import { requireAuth } from "../middleware/auth";
import { rateLimit } from "../middleware/rate-limit";
import { serverTiming } from "../observability/request-log";
import { recordMetric } from "../../platform/metrics";
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
  serverTiming(),
  requireAuth("buyer", "organizer"),
  rateLimit("hold"),
  validate("json", HoldBody),
  async (c) => {
    const eventId = c.req.param("eventId");
    if (!EVENT_ID.test(eventId)) throw notFound("Event");
    // Everything the Worker needs comes from the event facts cache (bounded staleness, no remote
    // call when warm). Facts that say "not on sale" answer at once; whether it IS on sale is the
    // section objects' answer, decided with the seat write (a cancel tells them before it answers).
    const facts = await eventFacts(c.env, eventId, background(c));
    if (!facts) throw notFound("Event");
    const event = facts.value.event;
    const status = publicStatus(event);
    if (status !== "on_sale") throw notOnSale(status);
    const principal = c.get("principal");
    await assertAdmitted(c.env, event, principal, c.req.header("X-Admission-Token"));

    const body = c.req.valid("json");
    assertWithinLimit(body, event.maxTicketsPerUser);
    const items = holdItems(body, facts.value.sections);
    const ledger = ledgerForNewHold(c.env, event.id, principal.userId, event.ledgerShards);
    const result = await ledger.stub.createHold({
      requestId: c.get("requestId"),
      eventId: event.id,
      userId: principal.userId,
      items,
      holdTtlSeconds: event.holdTtlSeconds,
      maxTicketsPerUser: event.maxTicketsPerUser,
      shard: ledger.shard,
    });
    if (!result.ok) throw holdRefusal(result);
    // total_cents is in the event's currency's minor units.
    const hold = { ...holdJson(result), currency: event.currency };
    recordMetric(c.env.METRICS, { kind: "hold", eventId: event.id, count: hold.quantity, amountMinor: hold.total_cents, detail: event.currency });
    return c.json(hold, 201);
  },
);

/** The hold's ledger (from its id); it answers not_found for another user's hold (404). */
function callerLedger(env: Env, holdId: string, userId: string) {
  const ledger = ledgerOfHold(env, holdId, userId);
  if (!ledger) throw notFoundHold();
  return ledger;
}

holdsRoutes.get("/api/v1/holds/:holdId", requireAuth("buyer", "organizer"), async (c) => {
  const holdId = c.req.param("holdId");
  const userId = c.get("principal").userId;
  const result = await callerLedger(c.env, holdId, userId).getHold(holdId, userId);
  if (!result.ok) throw notFoundHold();
  // The hold is the ledger's answer, never cached; only the event's fixed currency is.
  const facts = await eventFacts(c.env, parseHoldId(holdId)!.eventId, background(c));
  return c.json({ ...holdJson(result), ...(facts ? { currency: facts.value.event.currency } : {}) });
});

holdsRoutes.delete("/api/v1/holds/:holdId", requireAuth("buyer", "organizer"), async (c) => {
  const holdId = c.req.param("holdId");
  const userId = c.get("principal").userId;
  const result = await callerLedger(c.env, holdId, userId).releaseHold(holdId, userId);
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
