import type { tickets } from "../../platform/db/schema";

export type TicketRow = typeof tickets.$inferSelect;

/** Contract `Ticket`, plus `order_id` and `expires_at`. */
export function ticketJson(env: Pick<Env, "PUBLIC_ORIGIN">, t: TicketRow) {
  return {
    ticket_id: t.id,
    event_id: t.eventId,
    order_id: t.orderId,
    section: t.sectionKey,
    seat_label: t.seatLabel,
    status: t.status,
    jwt: t.jwt,
    qr_svg_url: new URL(`/api/v1/tickets/${t.id}/qr.svg`, env.PUBLIC_ORIGIN).toString(),
    expires_at: t.expiresAt,
  };
}
