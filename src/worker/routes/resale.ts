import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { notFound } from "../errors";
import { requireAuth } from "../middleware/auth";
import { rateLimit } from "../middleware/rate-limit";
import { createListing, holdListingFor, listForSale, myListings, withdrawListing } from "../resale/listings";
import { idPattern } from "../../shared/ids";
import { validate } from "../validation";

/** Face-value resale (contract "Resale (capped at face value)"). Rules live in `resale/listings.ts`. */
export const resaleRoutes = new Hono<AppEnv>();

const ListingBody = z.strictObject({ price_cents: z.int().min(1).max(100_000_000) });

const param = (value: string, prefix: string, what: string) => {
  if (!idPattern(prefix).test(value)) throw notFound(what);
  return value;
};

resaleRoutes.post("/api/v1/tickets/:ticketId/resale", requireAuth("buyer", "organizer"), validate("json", ListingBody), async (c) => {
  const ticketId = param(c.req.param("ticketId"), "tkt", "Ticket");
  return c.json(await createListing(c.env, c.get("principal").userId, ticketId, c.req.valid("json").price_cents), 201);
});

resaleRoutes.get("/api/v1/events/:eventId/resale", async (c) => {
  return c.json(await listForSale(c.env, param(c.req.param("eventId"), "evt", "Event")));
});

resaleRoutes.get("/api/v1/me/resale", requireAuth("buyer", "organizer"), async (c) => {
  return c.json(await myListings(c.env, c.get("principal").userId));
});

resaleRoutes.delete("/api/v1/resale/:listingId", requireAuth("buyer", "organizer"), async (c) => {
  return c.json(await withdrawListing(c.env, c.get("principal").userId, param(c.req.param("listingId"), "lst", "Listing")));
});

resaleRoutes.post("/api/v1/resale/:listingId/holds", requireAuth("buyer", "organizer"), rateLimit("hold"), async (c) => {
  const listingId = param(c.req.param("listingId"), "lst", "Listing");
  return c.json(await holdListingFor(c.env, c.get("principal").userId, listingId, c.get("requestId")), 201);
});
