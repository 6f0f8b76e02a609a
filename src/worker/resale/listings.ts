/**
 * Face-value resale (contract "Resale (capped at face value)"). The listing's exclusive state
 * is its D1 row (see `durable-objects/resale/listing-statements.ts` for why and for the moves);
 * holds go through the buyer's BuyerLedger, so they count toward `max_tickets_per_user` and
 * work with the ordinary hold and order routes.
 */
import { ledgerForNewHold } from "../../durable-objects/buyer-ledger-handle";
import { FOR_SALE_SQL, getListing, TICKET_VALID_SQL, type ListingRow } from "../../durable-objects/resale/listing-statements";
import { getEvent, type EventRow } from "../../platform/db/event-rows";
import { newId } from "../../shared/ids";
import { conflict, notFound, unprocessable } from "../errors";
import { holdJson, inventoryBusy, limitExceeded } from "../inventory/hold-request";
import { getOwnTicket } from "../tickets/ticket-repo";
import { ticketLocked, ticketNotValid } from "./errors";
import { lockReason, ticketUnlockedSql } from "./ticket-locks";

/** A listing as the API shows it; a held listing whose hold lapsed is `listed` again. */
export function listingJson(l: ListingRow, currency?: string, now = Date.now()) {
  const status = l.status === "held" && (l.hold_expires_at ?? 0) <= now ? "listed" : l.status;
  return {
    listing_id: l.id,
    ticket_id: l.ticket_id,
    event_id: l.event_id,
    section: l.section_key,
    seat_label: l.seat_label,
    price_cents: l.price_cents,
    ...(currency ? { currency } : {}),
    status,
  };
}

/**
 * What was paid for this ticket after discounts: its order item's price less the item's share
 * of the order's discount. A reissued ticket (transfer, refunded resale) follows
 * `replaces_ticket_id` back to the ticket that was bought.
 */
export async function faceValueCents(env: Pick<Env, "DB">, ticketId: string): Promise<number> {
  const row = await env.DB.prepare(
    `WITH RECURSIVE chain(id, replaces, item, depth) AS (
       SELECT id, replaces_ticket_id, order_item_id, 0 FROM tickets WHERE id = ?1
       UNION ALL SELECT t.id, t.replaces_ticket_id, t.order_item_id, c.depth + 1 FROM tickets t JOIN chain c ON t.id = c.replaces WHERE c.depth < 100
     )
     SELECT i.price_cents AS price, o.subtotal_cents AS subtotal, o.amount_cents AS amount
     FROM chain JOIN order_items i ON i.id = chain.item JOIN orders o ON o.id = i.order_id ORDER BY chain.depth LIMIT 1`,
  )
    .bind(ticketId)
    .first<{ price: number; subtotal: number; amount: number }>();
  if (!row || row.subtotal <= 0) return 0;
  return Math.floor((row.price * row.amount) / row.subtotal);
}

/** Resale stops when the event starts (and never runs for a cancelled one). */
function assertBeforeStart(event: EventRow | undefined): asserts event is EventRow {
  if (!event || event.state === "cancelled" || Date.parse(event.startsAt) <= Date.now()) {
    throw unprocessable("event_started", "Resale is only open before the event starts.");
  }
}

export async function createListing(env: Env, sellerId: string, ticketId: string, priceCents: number) {
  const ticket = await getOwnTicket(env, sellerId, ticketId);
  if (ticket.status !== "valid") throw ticketNotValid(ticket.status);
  const event = await getEvent(env, ticket.eventId);
  assertBeforeStart(event);
  const max = await faceValueCents(env, ticketId);
  if (priceCents > max) {
    throw unprocessable("price_above_face_value", `The price may be at most the ticket's face value (${max}).`, { max_price_cents: max });
  }
  const id = newId("lst");
  const now = Date.now();
  const inserted = await env.DB.prepare(
    `INSERT INTO resale_listings (id, ticket_id, event_id, seller_id, seller_order_id, section_key, seat_label, price_cents, status)
     SELECT ?1, t.id, t.event_id, t.user_id, t.order_id, t.section_key, t.seat_label, ?2, 'listed' FROM tickets t
     WHERE t.id = ?3 AND t.user_id = ?4 AND t.status = 'valid' AND ${ticketUnlockedSql("?5")}`,
  )
    .bind(id, priceCents, ticketId, sellerId, now)
    .run()
    .catch((err) => {
      // Two listings of one ticket at once: the unique index on open listings decides.
      if (String(err).includes("UNIQUE constraint failed")) return { meta: { changes: 0 } };
      throw err;
    });
  if (inserted.meta.changes !== 1) {
    throw (await lockReason(env, ticketId, now)) === "locked" ? ticketLocked() : ticketNotValid("not_valid");
  }
  return listingJson((await getListing(env, id))!, event.currency);
}

/** Public: the listings for sale now, cheapest first. */
export async function listForSale(env: Pick<Env, "DB">, eventId: string) {
  const event = await getEvent(env, eventId);
  if (!event || event.state === "draft") throw notFound("Event");
  const now = Date.now();
  const rows = await env.DB.prepare(
    `SELECT l.* FROM resale_listings l WHERE l.event_id = ?1 AND ${FOR_SALE_SQL.replace("?", "?2")} AND ${TICKET_VALID_SQL}
     ORDER BY l.price_cents, l.created_at LIMIT 500`,
  )
    .bind(eventId, now)
    .all<ListingRow>();
  // Which ticket is on sale is the seller's business: buyers see the seat and the price.
  return {
    listings: rows.results.map((l) => {
      const { ticket_id: _hidden, ...rest } = listingJson(l, event.currency, now);
      return rest;
    }),
  };
}

const unavailableListing = (status: string) =>
  conflict("listing_unavailable", "This listing is not for sale right now.", { status });

/** The seller takes a listing down, while nobody holds it. */
export async function withdrawListing(env: Pick<Env, "DB">, sellerId: string, listingId: string) {
  const l = await getListing(env, listingId);
  if (!l || l.seller_id !== sellerId) throw notFound("Listing");
  const now = Date.now();
  const r = await env.DB.prepare(
    `UPDATE resale_listings AS l SET status = 'withdrawn', updated_at = ?1 WHERE l.id = ?2 AND l.seller_id = ?3 AND ${FOR_SALE_SQL.replace("?", "?4")}`,
  )
    .bind(new Date(now).toISOString(), listingId, sellerId, now)
    .run();
  if (r.meta.changes !== 1) throw unavailableListing(listingJson((await getListing(env, listingId))!).status);
  return { listing_id: listingId, status: "withdrawn" as const };
}

/** The seller's own listings (all states), newest first. */
export async function myListings(env: Pick<Env, "DB">, sellerId: string) {
  const rows = await env.DB.prepare("SELECT * FROM resale_listings WHERE seller_id = ? ORDER BY created_at DESC LIMIT 200")
    .bind(sellerId)
    .all<ListingRow>();
  return { listings: rows.results.map((l) => listingJson(l)) };
}

/** A buyer holds a listing: a hold in the shape of a seat hold, paid with `POST /orders`. */
export async function holdListingFor(env: Env, buyerId: string, listingId: string, requestId?: string) {
  const l = await getListing(env, listingId);
  if (!l) throw notFound("Listing");
  const event = await getEvent(env, l.event_id);
  assertBeforeStart(event);
  if (l.seller_id === buyerId) throw unprocessable("own_listing", "This is your own listing.");
  const ledger = ledgerForNewHold(env, l.event_id, buyerId, event.ledgerShards);
  const r = await ledger.stub.createResaleHold({
    ...(requestId ? { requestId } : {}),
    eventId: l.event_id,
    userId: buyerId,
    listingId,
    holdTtlSeconds: event.holdTtlSeconds,
    maxTicketsPerUser: event.maxTicketsPerUser,
    shard: ledger.shard,
  });
  if (r.ok) return { ...holdJson(r), currency: event.currency, listing_id: listingId };
  switch (r.reason) {
    case "limit_exceeded":
      throw limitExceeded(r.limit, { used: r.used, requested: r.requested });
    case "listing_unavailable":
      throw unavailableListing(listingJson((await getListing(env, listingId))!).status);
    case "unavailable":
      throw inventoryBusy();
  }
}
