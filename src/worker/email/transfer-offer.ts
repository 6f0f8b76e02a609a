import { getEvent } from "../../platform/db/event-rows";
import { senderAddress } from "./sender";

/**
 * Tells the recipient of a transfer how to accept it. Sent to the address as typed, whether
 * or not it has an account (the sender's answer never says which). Throws when the send
 * fails, so the queue retries it.
 */
export async function sendTransferOffer(env: Env, transferId: string): Promise<"sent" | "skipped"> {
  const t = await env.DB.prepare(
    `SELECT x.id, x.to_email, x.status, x.expires_at, x.event_id, t.section_key, t.seat_label, u.name AS from_name
     FROM ticket_transfers x JOIN tickets t ON t.id = x.ticket_id JOIN users u ON u.id = x.from_user_id WHERE x.id = ?`,
  )
    .bind(transferId)
    .first<{ id: string; to_email: string; status: string; expires_at: number; event_id: string; section_key: string; seat_label: string | null; from_name: string }>();
  if (!t || t.status !== "pending") return "skipped";
  const event = await getEvent(env, t.event_id);
  if (!event) return "skipped";
  const place = t.seat_label ? `seat ${t.seat_label}` : `section ${t.section_key}`;
  const me = new URL("/me", env.PUBLIC_ORIGIN).toString();
  const until = new Date(t.expires_at).toISOString();
  const text = [
    `Hello,`,
    ``,
    `${t.from_name} is sending you a ticket for ${event.name} (${event.startsAt}), ${place}.`,
    `Sign in (or sign up) with this address and accept it before ${until}: ${me}`,
    `Transfer: ${t.id}`,
  ].join("\n");
  await env.EMAIL.send({
    from: { email: senderAddress(env), name: "Edge Ticketing" },
    to: t.to_email,
    subject: `A ticket for ${event.name} is waiting for you`,
    text,
  });
  return "sent";
}
