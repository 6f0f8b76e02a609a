import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { openLiveSeats } from "../inventory/live";
import { validate } from "../validation";

/**
 * The live seat map (contract "Live seat map"): a public WebSocket. The first message is a
 * snapshot of the event's sections (or of `?section=KEY`), then one `changes` message per
 * change of a section; `{"type": "resync"}` gets a new snapshot.
 */
export const seatsLiveRoutes = new Hono<AppEnv>();

const LiveQuery = z.object({ section: z.string().min(1).max(64).optional() });

seatsLiveRoutes.get("/api/v1/events/:eventId/seats/live", validate("query", LiveQuery), async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") throw new ApiError(426, "upgrade_required", "This endpoint speaks WebSocket only.");
  return openLiveSeats(c.env, c.req.param("eventId"), c.req.valid("query").section);
});
