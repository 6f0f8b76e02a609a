/** Helpers for the transfer and resale tests. */
import { env } from "cloudflare:workers";
import { call } from "./http";
import type { PublishedEvent } from "./fixtures";

export async function enrolGate(ev: PublishedEvent, name = "Gate A"): Promise<{ device_id: string; token: string }> {
  const res = await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name } });
  if (res.status !== 201) throw new Error(`enrol: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A scan uploaded by a gate device, as the scanner does it. */
export const scan = (ev: PublishedEvent, dev: { device_id: string; token: string }, ticketId: string) =>
  call("POST", `/api/v1/gate/events/${ev.eventId}/scans`, {
    token: dev.token,
    body: { device_id: dev.device_id, scans: [{ ticket_id: ticketId, scanned_at: new Date().toISOString(), verdict: "valid" }] },
  });

/** Every table row the new routes write, to prove a refused request changed nothing. */
export async function resaleState(eventId: string) {
  const q = (sql: string) => env.DB.prepare(sql).bind(eventId).all().then((r) => r.results);
  return {
    tickets: await q("SELECT id, status, user_id FROM tickets WHERE event_id = ? ORDER BY id"),
    transfers: await q("SELECT id, status, new_ticket_id FROM ticket_transfers WHERE event_id = ? ORDER BY id"),
    listings: await q("SELECT id, status, hold_id, buyer_order_id, ticket_id FROM resale_listings WHERE event_id = ? ORDER BY id"),
    payouts: await q("SELECT p.id, p.amount_cents FROM resale_payouts p JOIN resale_listings l ON l.id = p.listing_id WHERE l.event_id = ? ORDER BY p.id"),
  };
}

/**
 * The seat invariant after transfers and resales: no seat (reserved label) is in two valid or
 * checked-in tickets, and every such ticket's order is paid.
 */
export async function seatViolations(eventId: string): Promise<string[]> {
  const dup = await env.DB.prepare(
    `SELECT seat_label, count(*) AS n FROM tickets WHERE event_id = ? AND seat_label IS NOT NULL AND status IN ('valid', 'checked_in')
     GROUP BY seat_label HAVING n > 1`,
  )
    .bind(eventId)
    .all<{ seat_label: string; n: number }>();
  const unpaid = await env.DB.prepare(
    `SELECT t.id, o.status FROM tickets t JOIN orders o ON o.id = t.order_id
     WHERE t.event_id = ? AND t.status IN ('valid', 'checked_in') AND o.status != 'paid'`,
  )
    .bind(eventId)
    .all<{ id: string; status: string }>();
  return [
    ...dup.results.map((d) => `seat ${d.seat_label} in ${d.n} valid tickets`),
    ...unpaid.results.map((u) => `ticket ${u.id} valid but its order is ${u.status}`),
  ];
}
