/**
 * The organizer's CSV exports of one event: orders, and attendees (one row per ticket). Both
 * read D1 in keyset pages on an index of the event (`orders_event_created_idx`,
 * `tickets_event_id_idx`), one page per pull of the response stream.
 */
import { csvStream } from "./csv";

/** Rows per D1 read: small enough for a Worker's memory, large enough to keep round trips few. */
export const EXPORT_PAGE_ROWS = 1000;

export const ORDERS_CSV_HEADER = [
  "order_id",
  "created_at",
  "status",
  "buyer_name",
  "buyer_email",
  "tickets",
  "subtotal_cents",
  "discount_cents",
  "amount_cents",
  "refunded_cents",
  "currency",
  "payment_provider",
  "payment_id",
  "paid_at",
  "failure_reason",
];

type OrderCsvRow = {
  id: string;
  created_at: string;
  status: string;
  name: string | null;
  email: string | null;
  tickets: number;
  subtotal_cents: number;
  discount_cents: number;
  amount_cents: number;
  refunded_cents: number;
  currency: string;
  payment_provider: string | null;
  payment_id: string | null;
  paid_at: string | null;
  failure_reason: string | null;
};

/** Orders oldest first (the order a spreadsheet reads them in). */
export function ordersCsv(env: Pick<Env, "DB">, eventId: string) {
  return csvStream<[string, string]>(ORDERS_CSV_HEADER, ["", ""], async ([createdAt, id]) => {
    const { results } = await env.DB.prepare(
      `SELECT o.id, o.created_at, o.status, u.name, u.email,
              (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS tickets,
              o.subtotal_cents, o.discount_cents, o.amount_cents, o.refunded_cents, o.currency,
              o.payment_provider, o.payment_id, o.paid_at, o.failure_reason
       FROM orders o LEFT JOIN users u ON u.id = o.user_id
       WHERE o.event_id = ?1 AND (o.created_at, o.id) > (?2, ?3)
       ORDER BY o.created_at, o.id LIMIT ?4`,
    )
      .bind(eventId, createdAt, id, EXPORT_PAGE_ROWS)
      .all<OrderCsvRow>();
    const last = results.at(-1);
    return {
      rows: results.map((r) => [
        r.id,
        r.created_at,
        r.status,
        r.name,
        r.email,
        r.tickets,
        r.subtotal_cents,
        r.discount_cents,
        r.amount_cents,
        r.refunded_cents,
        r.currency,
        r.payment_provider,
        r.payment_id,
        r.paid_at,
        r.failure_reason,
      ]),
      cursor: results.length === EXPORT_PAGE_ROWS && last ? [last.created_at, last.id] : null,
    };
  });
}

export const ATTENDEES_CSV_HEADER = ["ticket_id", "order_id", "name", "email", "section", "seat", "ticket_status", "checked_in_at", "checked_in_gate"];

type AttendeeCsvRow = {
  id: string;
  order_id: string;
  name: string | null;
  email: string | null;
  section_key: string;
  seat_label: string | null;
  status: string;
  checked_in_at: string | null;
  gate: string | null;
};

/**
 * Every ticket of the event, revoked ones included (their status says so), with its first
 * entry: the earliest `valid` scan, found on `gate_scans_first_idx` per ticket.
 */
export function attendeesCsv(env: Pick<Env, "DB">, eventId: string) {
  return csvStream<string>(ATTENDEES_CSV_HEADER, "", async (after) => {
    const { results } = await env.DB.prepare(
      `SELECT t.id, t.order_id, u.name, u.email, t.section_key, t.seat_label, t.status,
              f.scanned_at AS checked_in_at, d.name AS gate
       FROM tickets t
       LEFT JOIN users u ON u.id = t.user_id
       LEFT JOIN gate_scans f ON f.rowid = (
         SELECT s.rowid FROM gate_scans s
         WHERE s.event_id = t.event_id AND s.ticket_id = t.id AND s.verdict = 'valid'
         ORDER BY s.scanned_at, s.device_id LIMIT 1)
       LEFT JOIN gate_devices d ON d.id = f.device_id
       WHERE t.event_id = ?1 AND t.id > ?2
       ORDER BY t.id LIMIT ?3`,
    )
      .bind(eventId, after, EXPORT_PAGE_ROWS)
      .all<AttendeeCsvRow>();
    const last = results.at(-1);
    return {
      rows: results.map((r) => [r.id, r.order_id, r.name, r.email, r.section_key, r.seat_label, r.status, r.checked_in_at, r.gate]),
      cursor: results.length === EXPORT_PAGE_ROWS && last ? last.id : null,
    };
  });
}
