/**
 * Reissuing a ticket: a new ticket (new id, so a new `jti`) for the same seat, in another
 * buyer's name, that replaces one being revoked in the same D1 batch. Used by transfers (to
 * the recipient) and by a refunded resale (back to the seller). The gate learns of the old
 * ticket's revocation through the `gate_changes` trigger, like any revocation.
 */
import { newId } from "../../shared/ids";
import { ticketSigner } from "./sign";

export const newTicketId = () => newId("tkt");

export interface ReissueSource {
  id: string;
  orderId: string;
  eventId: string;
  sectionKey: string;
  seatLabel: string | null;
  expiresAt: string;
}

/**
 * The INSERT of the new ticket `ticketId` (make it with `newTicketId`). `issuedBy` is the transfer or relisting that issued it:
 * it is stored as `order_item_id` (unique), so one transfer can never issue two tickets.
 * `guard` is an SQL condition (with its bindings) that must hold for the row to be written.
 */
export async function reissueStatement(
  env: Pick<Env, "DB" | "TICKET_SIGNING_KEYS" | "TICKET_ISSUER">,
  old: ReissueSource,
  toUserId: string,
  issuedBy: string,
  ticketId: string,
  guard: { sql: string; binds: unknown[] },
) {
  const signer = await ticketSigner(env);
  // Its own write: the callers batch the one statement returned (transfers and resale are rare).
  await signer.remember.run();
  const jwt = await signer.sign({
    ticketId,
    eventId: old.eventId,
    sectionKey: old.sectionKey,
    seatLabel: old.seatLabel,
    orderId: old.orderId,
    exp: Math.floor(Date.parse(old.expiresAt) / 1000),
  });
  const stmt = env.DB.prepare(
    `INSERT OR IGNORE INTO tickets (id, order_id, order_item_id, user_id, event_id, section_key, seat_label, status, kid, jwt,
                                    expires_at, replaces_ticket_id)
     SELECT ?, ?, ?, ?, ?, ?, ?, 'valid', ?, ?, ?, ? WHERE ${guard.sql}`,
  ).bind(
    ticketId,
    old.orderId,
    issuedBy,
    toUserId,
    old.eventId,
    old.sectionKey,
    old.seatLabel,
    signer.kid,
    jwt,
    old.expiresAt,
    old.id,
    ...guard.binds,
  );
  return stmt;
}

/** Revokes `ticketId` if it is still valid and `guard` holds (same binding convention). */
export function revokeStatement(env: Pick<Env, "DB">, ticketId: string, now: string, guard: { sql: string; binds: unknown[] }) {
  return env.DB.prepare(
    `UPDATE tickets SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'valid' AND ${guard.sql}`,
  ).bind(now, ticketId, ...guard.binds);
}
