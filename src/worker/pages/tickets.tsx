import type { Child } from "hono/jsx";
import { qrSvg } from "../tickets/qr";
import { formatDateTime } from "./format";

export interface TicketJson {
  ticket_id: string;
  event_id: string;
  order_id?: string;
  section: string;
  seat_label: string | null;
  status: "valid" | "revoked" | "checked_in";
  jwt: string;
}

export interface EventSummary {
  name: string;
  starts_at: string;
  city: string;
  currency?: string;
}

const STATUS_TEXT = { valid: "Valid", revoked: "Revoked (not valid for entry)", checked_in: "Checked in" } as const;

/** One ticket as the buyer shows it at the door: the QR code inline (no request), event, date, seat, status. */
export function TicketCard({ t, event, actions }: { t: TicketJson; event?: EventSummary; actions?: Child }) {
  const place = t.seat_label ?? `${t.section}, standing`;
  const svg = qrSvg(t.jwt).replace("<svg ", `<svg role="img" aria-label="QR code of the ticket for ${place.replace(/[<>&"]/g, "")}" `);
  return (
    <li class={`ticket ticket-${t.status}`} data-ticket-id={t.ticket_id}>
      <div class="qr" data-jwt={t.jwt} dangerouslySetInnerHTML={{ __html: svg }} />
      <div>
        <h3>{event?.name ?? "Event"}</h3>
        {event ? (
          <p class="meta">
            <time datetime={event.starts_at}>{formatDateTime(event.starts_at)}</time> · {event.city}
          </p>
        ) : null}
        <p>
          <strong>Seat:</strong> {place}
        </p>
        <p>
          <strong>Status:</strong> <span class={`badge badge-ticket-${t.status}`}>{STATUS_TEXT[t.status] ?? t.status}</span>
        </p>
        {actions}
      </div>
    </li>
  );
}
