/**
 * Every move of a resale listing, as D1 statements. The listing row is the listing's one
 * place of exclusive state: each move is a conditional UPDATE guarded by `status` and the
 * hold it belongs to, and the ticket changes that go with a move run in the same batch,
 * guarded by the move having happened. D1 is one SQLite database with one writer, so of two
 * racing moves exactly one matches its guard: two buyers, or a buyer's payment against the
 * seller's withdraw, transfer or relist, or a gate check-in (which makes the ticket not
 * `valid`, and every move below requires a valid ticket), can never both win.
 *
 *   listed --hold--> held --confirm (payment authorized)--> confirming --swap (captured)--> sold
 *   held --release / lapse at hold_expires_at (no write)--> listed
 *   listed --withdraw--> withdrawn;  sold --refund of the resale order--> listed (reissued ticket)
 *   confirming --ticket used at the gate before the swap--> withdrawn (the buyer is refunded)
 */
import { newTicketId, reissueStatement, revokeStatement } from "../../platform/tickets/reissue";
import { newId } from "../../shared/ids";

export type ListingRow = {
  id: string;
  ticket_id: string;
  event_id: string;
  seller_id: string;
  seller_order_id: string;
  section_key: string;
  seat_label: string | null;
  price_cents: number;
  status: "listed" | "held" | "confirming" | "sold" | "withdrawn";
  hold_id: string | null;
  hold_expires_at: number | null;
  buyer_id: string | null;
  buyer_order_id: string | null;
  created_at: string;
  updated_at: string;
};

/** SQL: listing `l` is for sale now (`listed`, or `held` by a hold that lapsed); `?` = now (ms). */
export const FOR_SALE_SQL = "(l.status = 'listed' OR (l.status = 'held' AND l.hold_expires_at <= ?))";
/** SQL: the listing's ticket can still be sold (not revoked, not checked in). */
export const TICKET_VALID_SQL = "EXISTS (SELECT 1 FROM tickets t WHERE t.id = l.ticket_id AND t.status = 'valid')";

const isoNow = () => new Date().toISOString();

export function getListing(env: Pick<Env, "DB">, listingId: string) {
  return env.DB.prepare("SELECT * FROM resale_listings WHERE id = ?").bind(listingId).first<ListingRow>();
}

/** The listing a hold is on (a hold id is on at most one listing). */
export function listingOfHold(env: Pick<Env, "DB">, holdId: string) {
  return env.DB.prepare("SELECT * FROM resale_listings WHERE hold_id = ?").bind(holdId).first<ListingRow>();
}

/** listed -> held for `holdId`; the listing row as held, or null when someone else won. */
export function holdListing(env: Pick<Env, "DB">, listingId: string, buyerId: string, holdId: string, expiresAt: number) {
  return env.DB.prepare(
    `UPDATE resale_listings AS l SET status = 'held', hold_id = ?1, hold_expires_at = ?2, buyer_id = ?3, updated_at = ?4
     WHERE l.id = ?5 AND l.seller_id != ?3 AND (l.status = 'listed' OR (l.status = 'held' AND l.hold_expires_at <= ?6)) AND ${TICKET_VALID_SQL}
     RETURNING *`,
  )
    .bind(holdId, expiresAt, buyerId, isoNow(), listingId, Date.now())
    .first<ListingRow>();
}

/** held -> listed, when the buyer lets the hold go; true when it was still this hold's. */
export async function releaseListing(env: Pick<Env, "DB">, listingId: string, holdId: string) {
  const r = await env.DB.prepare(
    `UPDATE resale_listings SET status = 'listed', hold_id = NULL, hold_expires_at = NULL, buyer_id = NULL, updated_at = ?
     WHERE id = ? AND hold_id = ? AND status = 'held'`,
  )
    .bind(isoNow(), listingId, holdId)
    .run();
  return r.meta.changes === 1;
}

/** held (not lapsed) -> confirming, once the buyer's payment is authorized; idempotent. */
export async function confirmListing(env: Pick<Env, "DB">, listingId: string, holdId: string) {
  const r = await env.DB.prepare(
    `UPDATE resale_listings AS l SET status = 'confirming', updated_at = ?1
     WHERE l.id = ?2 AND l.hold_id = ?3 AND (l.status = 'confirming' OR (l.status = 'held' AND l.hold_expires_at > ?4)) AND ${TICKET_VALID_SQL}`,
  )
    .bind(isoNow(), listingId, holdId, Date.now())
    .run();
  return r.meta.changes === 1;
}

/** The seller's order's `resold_cents`, recomputed from its payout rows (so it is idempotent). */
const resoldCentsStatement = (env: Pick<Env, "DB">, sellerOrderId: string) =>
  env.DB.prepare(
    "UPDATE orders SET resold_cents = (SELECT COALESCE(SUM(amount_cents), 0) FROM resale_payouts WHERE seller_order_id = ?1) WHERE id = ?1",
  ).bind(sellerOrderId);

/**
 * The sale, once the buyer's money is captured: confirming -> sold, the seller's ticket revoked
 * and the payout recorded, in one batch (the buyer's ticket comes with the order's `paid`).
 * Idempotent. False when the seller's ticket was used at the gate before this ran.
 */
export async function completeSale(env: Pick<Env, "DB">, listingId: string, holdId: string, buyerOrderId: string): Promise<boolean> {
  const l = await getListing(env, listingId);
  if (!l) return false;
  const now = isoNow();
  const sold = { sql: "EXISTS (SELECT 1 FROM resale_listings WHERE id = ? AND status = 'sold' AND buyer_order_id = ?)", binds: [listingId, buyerOrderId] };
  await env.DB.batch([
    env.DB.prepare(
      `UPDATE resale_listings AS l SET status = 'sold', buyer_order_id = ?1, updated_at = ?2
       WHERE l.id = ?3 AND l.hold_id = ?4 AND l.status = 'confirming' AND ${TICKET_VALID_SQL}`,
    ).bind(buyerOrderId, now, listingId, holdId),
    revokeStatement(env, l.ticket_id, now, sold),
    env.DB.prepare(
      `INSERT OR IGNORE INTO resale_payouts (id, listing_id, seller_order_id, buyer_order_id, kind, amount_cents)
       SELECT ?1, id, seller_order_id, buyer_order_id, 'sale', price_cents FROM resale_listings WHERE id = ?2 AND status = 'sold' AND buyer_order_id = ?3`,
    ).bind(newId("pay"), listingId, buyerOrderId),
    resoldCentsStatement(env, l.seller_order_id),
  ]);
  const after = await getListing(env, listingId);
  return after?.status === "sold" && after.buyer_order_id === buyerOrderId;
}

/**
 * The resale order was refunded (its ticket is revoked by the refund): the listing is back on
 * sale with a ticket reissued to the seller for the same seat, and the payout is reversed.
 * A sale that never happened (the ticket was used at the gate first) ends `withdrawn`.
 */
export async function relistAfterRefund(
  env: Pick<Env, "DB" | "TICKET_SIGNING_KEYS" | "TICKET_ISSUER">,
  listingId: string,
  holdId: string,
): Promise<void> {
  const l = await getListing(env, listingId);
  if (!l || l.hold_id !== holdId) return;
  if (l.status === "confirming") {
    await env.DB.prepare("UPDATE resale_listings SET status = 'withdrawn', updated_at = ? WHERE id = ? AND hold_id = ? AND status = 'confirming'")
      .bind(isoNow(), listingId, holdId)
      .run();
    return;
  }
  if (l.status !== "sold" || !l.buyer_order_id) return;
  const old = await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(l.ticket_id).first<Record<string, string | null>>();
  if (!old) throw new Error(`listing ${listingId}: ticket ${l.ticket_id} missing`);
  // Back on sale only while the seller's own order stands and the event is on: after an event
  // cancel or a refund of the seller's order no ticket is reissued, and the listing ends withdrawn
  // (the batch's last statement reads whether the reissued ticket was written).
  const sellerStands = `EXISTS (SELECT 1 FROM orders WHERE id = ? AND status = 'paid')
    AND EXISTS (SELECT 1 FROM events WHERE id = ? AND state != 'cancelled')`;
  const stillSold = {
    sql: `EXISTS (SELECT 1 FROM resale_listings WHERE id = ? AND status = 'sold' AND hold_id = ?) AND ${sellerStands}`,
    binds: [listingId, holdId, l.seller_order_id, l.event_id],
  };
  const ticketId = newTicketId();
  const insert = await reissueStatement(
    env,
    { id: old.id!, orderId: old.order_id!, eventId: old.event_id!, sectionKey: old.section_key!, seatLabel: old.seat_label ?? null, expiresAt: old.expires_at! },
    l.seller_id,
    `${listingId}:${l.buyer_order_id}`,
    ticketId,
    stillSold,
  );
  await env.DB.batch([
    insert,
    env.DB.prepare(
      `INSERT OR IGNORE INTO resale_payouts (id, listing_id, seller_order_id, buyer_order_id, kind, amount_cents)
       SELECT ?1, id, seller_order_id, buyer_order_id, 'reversal', -price_cents FROM resale_listings WHERE id = ?2 AND status = 'sold' AND hold_id = ?3`,
    ).bind(newId("pay"), listingId, holdId),
    resoldCentsStatement(env, l.seller_order_id),
    env.DB.prepare(
      `UPDATE resale_listings SET status = CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE id = ?1) THEN 'listed' ELSE 'withdrawn' END,
              ticket_id = CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE id = ?1) THEN ?1 ELSE ticket_id END,
              hold_id = NULL, hold_expires_at = NULL, buyer_id = NULL, buyer_order_id = NULL, updated_at = ?2
       WHERE id = ?3 AND status = 'sold' AND hold_id = ?4`,
    ).bind(ticketId, isoNow(), listingId, holdId),
  ]);
}
