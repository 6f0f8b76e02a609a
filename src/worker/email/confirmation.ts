import { eq, sql } from "drizzle-orm";
import { db } from "../../platform/db/client";
import { events, orders, tickets as ticketRows, users } from "../../platform/db/schema";
import { formatMoney } from "../money";
import { qrSvg } from "../tickets/qr";
import { ticketJson } from "../tickets/view";
import { senderAddress } from "./sender";
import { sendTransferOffer } from "./transfer-offer";
import { isWaitlistEmailJob, sendWaitlistEmail } from "./waitlist-offer";

/** Messages on EMAIL_QUEUE (the Waitlist object also sends `WaitlistEmailJob`s, src/shared/waitlist.ts). */
export type EmailJob = { kind: "order_confirmation"; order_id: string } | { kind: "transfer_offer"; transfer_id: string };

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

export { senderAddress };

/** The order, its buyer, its event and its tickets: one D1 call per email. */
async function confirmationRows(env: Pick<Env, "DB">, orderId: string) {
  const d = db(env);
  const [order, user, event, orderTickets] = await d.batch([
    d.select().from(orders).where(eq(orders.id, orderId)),
    d.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, sql`(SELECT user_id FROM orders WHERE id = ${orderId})`)),
    d.select().from(events).where(eq(events.id, sql`(SELECT event_id FROM orders WHERE id = ${orderId})`)),
    d.select().from(ticketRows).where(eq(ticketRows.orderId, orderId)),
  ]);
  return { order: order[0], user: user[0], event: event[0], orderTickets };
}

/**
 * The order confirmation: one line and one QR code (attached as SVG, shown inline) per
 * ticket, with links to the tickets. Throws when the send fails, so the queue retries it.
 */
export async function sendOrderConfirmation(env: Env, orderId: string): Promise<"sent" | "skipped"> {
  const { order, user, event, orderTickets } = await confirmationRows(env, orderId);
  if (!order || order.status !== "paid") return "skipped";
  if (!user || !event) return "skipped";
  // Tickets passed on to someone else keep the order id but are not the buyer's to show.
  const tickets = orderTickets.filter((t) => t.status === "valid" && t.userId === order.userId).map((t) => ticketJson(env, t));
  const orderUrl = new URL(`/api/v1/orders/${orderId}`, env.PUBLIC_ORIGIN).toString();
  const place = (t: (typeof tickets)[number]) => (t.seat_label ? `seat ${t.seat_label}` : `section ${t.section}`);
  // The order's own currency (the event's when it was placed), in its minor units.
  const paid = `Total paid: ${formatMoney(order.amountCents, order.currency)}` +
    (order.discountCents > 0 ? ` (discount ${formatMoney(order.discountCents, order.currency)})` : "") + ".";
  const text = [
    `Hello ${user.name},`,
    ``,
    `your order ${orderId} for ${event.name} (${event.startsAt}) is paid. Your tickets:`,
    ...tickets.map((t) => `- ${t.ticket_id}, ${place(t)}: ${t.qr_svg_url}`),
    ``,
    paid,
    ``,
    `Show the QR code of each ticket at the gate. Order: ${orderUrl}`,
  ].join("\n");
  const html =
    `<p>Hello ${escapeHtml(user.name)},</p><p>your order ${escapeHtml(orderId)} for <b>${escapeHtml(event.name)}</b> ` +
    `(${escapeHtml(event.startsAt)}) is paid.</p><p>${escapeHtml(paid)}</p>` +
    tickets
      .map(
        (t) =>
          `<p>${escapeHtml(t.ticket_id)}, ${escapeHtml(place(t))}<br><img src="cid:${t.ticket_id}" alt="QR code" width="300" height="300"><br>` +
          `<a href="${escapeHtml(t.qr_svg_url)}">QR code</a></p>`,
      )
      .join("");
  await env.EMAIL.send({
    from: { email: senderAddress(env), name: "Edge Ticketing" },
    to: user.email,
    subject: `Your tickets for ${event.name}`,
    text,
    html,
    attachments: tickets.map((t) => ({
      disposition: "inline" as const,
      contentId: t.ticket_id,
      filename: `${t.ticket_id}.svg`,
      type: "image/svg+xml",
      content: qrSvg(t.jwt),
    })),
  });
  return "sent";
}

/**
 * The EMAIL_QUEUE consumer. A failed send is retried with growing delays (up to the queue's
 * max_retries); the order is already paid and never waits for email.
 */
export async function handleEmailBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const msg of batch.messages) {
    if (isWaitlistEmailJob(msg.body)) {
      const waitlistJob = msg.body;
      try {
        await sendWaitlistEmail(env, waitlistJob);
        msg.ack();
      } catch (err) {
        console.error("waitlist email failed; will retry", waitlistJob.entry_id, err);
        msg.retry({ delaySeconds: Math.min(30 * 2 ** msg.attempts, 3600) });
      }
      continue;
    }
    const job = msg.body as { kind?: unknown; order_id?: unknown; transfer_id?: unknown } | null;
    const send =
      job?.kind === "order_confirmation" && typeof job.order_id === "string"
        ? () => sendOrderConfirmation(env, job.order_id as string)
        : job?.kind === "transfer_offer" && typeof job.transfer_id === "string"
          ? () => sendTransferOffer(env, job.transfer_id as string)
          : null;
    if (!send) {
      console.error("dropping malformed email job", msg.id);
      msg.ack();
      continue;
    }
    try {
      await send();
      msg.ack();
    } catch (err) {
      console.error("email failed; will retry", job?.kind, err);
      msg.retry({ delaySeconds: Math.min(30 * 2 ** msg.attempts, 3600) });
    }
  }
}
