/**
 * Ticket transfers (contract "Ticket transfer"). The transfer row is the transfer's state;
 * each move is one conditional statement, and accepting is one D1 batch: the transfer becomes
 * `accepted`, the old ticket `revoked` and the new ticket (new id and jti) is written, or none
 * of it. Transfers do not count against the recipient's per-user limit (the limit governs what
 * a buyer may take from the sale; the seat stays counted for the buyer who bought it).
 */
import { getEvent } from "../../platform/db/event-rows";
import { newTicketId, reissueStatement, revokeStatement } from "../../platform/tickets/reissue";
import { newId as newRowId } from "../../shared/ids";
import { conflict, notFound, unprocessable } from "../errors";
import { getOwnTicket } from "../tickets/ticket-repo";
import { ticketJson } from "../tickets/view";
import { lockReason, ticketUnlockedSql } from "./ticket-locks";
import { ticketLocked, ticketNotValid } from "./errors";

/** A transfer not accepted within this time lapses (or at the event's start, if sooner). */
export const TRANSFER_TTL_MS = 7 * 24 * 3600 * 1000;

type TransferRow = {
  id: string;
  ticket_id: string;
  event_id: string;
  from_user_id: string;
  to_email: string;
  status: "pending" | "accepted" | "cancelled" | "expired";
  expires_at: number;
  to_user_id: string | null;
  new_ticket_id: string | null;
  created_at: string;
  decided_at: string | null;
};

/** A pending transfer past its time reads as `expired` (no write needed). */
const statusOf = (r: TransferRow, now = Date.now()) => (r.status === "pending" && r.expires_at <= now ? "expired" : r.status);

export function transferJson(r: TransferRow) {
  return {
    transfer_id: r.id,
    ticket_id: r.ticket_id,
    event_id: r.event_id,
    to_email: r.to_email,
    status: statusOf(r),
    expires_at: new Date(r.expires_at).toISOString(),
    created_at: r.created_at,
    decided_at: r.decided_at,
  };
}

const getTransfer = (env: Pick<Env, "DB">, id: string) =>
  env.DB.prepare("SELECT * FROM ticket_transfers WHERE id = ?").bind(id).first<TransferRow>();

/** The sender starts a transfer; the recipient is emailed whether or not the address has an account. */
export async function startTransfer(env: Env, userId: string, ticketId: string, toEmail: string) {
  const ticket = await getOwnTicket(env, userId, ticketId);
  if (ticket.status !== "valid") throw ticketNotValid(ticket.status);
  const event = await getEvent(env, ticket.eventId);
  const now = Date.now();
  const startsAt = event ? Date.parse(event.startsAt) : 0;
  if (!event || event.state === "cancelled" || startsAt <= now) {
    throw unprocessable("event_started", "Tickets can only be transferred before the event starts.");
  }
  const id = newRowId("trf");
  const expiresAt = Math.min(startsAt, now + TRANSFER_TTL_MS);
  const [, inserted] = await env.DB.batch([
    // A lapsed pending transfer gives way (the unique index allows one pending per ticket).
    env.DB.prepare("UPDATE ticket_transfers SET status = 'expired' WHERE ticket_id = ? AND status = 'pending' AND expires_at <= ?").bind(ticketId, now),
    env.DB.prepare(
      `INSERT INTO ticket_transfers (id, ticket_id, event_id, from_user_id, to_email, status, expires_at)
       SELECT ?1, t.id, t.event_id, t.user_id, ?2, 'pending', ?3 FROM tickets t
       WHERE t.id = ?4 AND t.user_id = ?5 AND t.status = 'valid' AND ${ticketUnlockedSql("?6")}`,
    ).bind(id, toEmail, expiresAt, ticketId, userId, now),
  ]);
  if (inserted?.meta.changes !== 1) {
    const why = await lockReason(env, ticketId, now);
    throw why === "locked" ? ticketLocked() : ticketNotValid((await getOwnTicket(env, userId, ticketId)).status);
  }
  await env.EMAIL_QUEUE.send({ kind: "transfer_offer", transfer_id: id });
  return transferJson((await getTransfer(env, id))!);
}

/** Both sides' transfers: outgoing by sender, incoming by the address the caller signs in with. */
export async function myTransfers(env: Pick<Env, "DB">, userId: string, email: string) {
  const [out, inc] = await env.DB.batch<TransferRow>([
    env.DB.prepare("SELECT * FROM ticket_transfers WHERE from_user_id = ? ORDER BY created_at DESC LIMIT 200").bind(userId),
    env.DB.prepare("SELECT * FROM ticket_transfers WHERE to_email = ? ORDER BY created_at DESC LIMIT 200").bind(email),
  ]);
  return { incoming: (inc?.results ?? []).map(transferJson), outgoing: (out?.results ?? []).map(transferJson) };
}

const notPending = (r: TransferRow) =>
  conflict("transfer_not_pending", `This transfer is ${statusOf(r)}.`, { status: statusOf(r) });

/** The recipient (signed in with `to_email`) accepts: new ticket in their name, old one revoked. */
export async function acceptTransfer(env: Env, userId: string, email: string, transferId: string) {
  const r = await getTransfer(env, transferId);
  // Anyone but the recipient learns nothing about the transfer.
  if (!r || r.to_email !== email) throw notFound("Transfer");
  if (r.status === "accepted" && r.to_user_id === userId && r.new_ticket_id) {
    // Accepting again (say after a timeout) answers with the ticket already issued.
    return { ticket: ticketJson(env, await getOwnTicket(env, userId, r.new_ticket_id)) };
  }
  if (statusOf(r) !== "pending") throw notPending(r);
  const old = await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(r.ticket_id).first<Record<string, string | null>>();
  if (!old || old.status !== "valid") throw ticketNotValid(old?.status ?? "revoked");
  const now = Date.now();
  const nowIso = new Date(now).toISOString();
  const source = {
    id: old.id!,
    orderId: old.order_id!,
    eventId: old.event_id!,
    sectionKey: old.section_key!,
    seatLabel: old.seat_label ?? null,
    expiresAt: old.expires_at!,
  };
  // Only the batch whose transfer move won writes the ticket changes.
  const newId = newTicketId();
  const won = { sql: "(SELECT new_ticket_id FROM ticket_transfers WHERE id = ?) = ?", binds: [transferId, newId] };
  const insert = await reissueStatement(env, source, userId, transferId, newId, won);
  const [moved] = await env.DB.batch([
    env.DB.prepare(
      `UPDATE ticket_transfers SET status = 'accepted', to_user_id = ?1, new_ticket_id = ?2, decided_at = ?3
       WHERE id = ?4 AND status = 'pending' AND expires_at > ?5
         AND EXISTS (SELECT 1 FROM tickets WHERE id = ticket_transfers.ticket_id AND status = 'valid')`,
    ).bind(userId, newId, nowIso, transferId, now),
    revokeStatement(env, source.id, nowIso, won),
    insert,
  ]);
  if (moved?.meta.changes !== 1) {
    const again = (await getTransfer(env, transferId))!;
    if (again.status === "accepted" && again.to_user_id === userId && again.new_ticket_id) {
      return { ticket: ticketJson(env, await getOwnTicket(env, userId, again.new_ticket_id)) };
    }
    if (statusOf(again) !== "pending") throw notPending(again);
    throw ticketNotValid("checked_in_or_revoked");
  }
  return { ticket: ticketJson(env, await getOwnTicket(env, userId, newId)) };
}

/** The sender withdraws a pending transfer. */
export async function cancelTransfer(env: Pick<Env, "DB">, userId: string, transferId: string) {
  const r = await getTransfer(env, transferId);
  if (!r || r.from_user_id !== userId) throw notFound("Transfer");
  const now = Date.now();
  const moved = await env.DB.prepare(
    "UPDATE ticket_transfers SET status = 'cancelled', decided_at = ? WHERE id = ? AND from_user_id = ? AND status = 'pending' AND expires_at > ?",
  )
    .bind(new Date(now).toISOString(), transferId, userId, now)
    .run();
  const after = (await getTransfer(env, transferId))!;
  if (moved.meta.changes !== 1) throw notPending(after);
  return transferJson(after);
}
