import { eq } from "drizzle-orm";
import { getEvent } from "../../platform/db/event-rows";
import { db } from "../../platform/db/client";
import { users } from "../../platform/db/schema";
import type { WaitlistEmailJob } from "../../shared/waitlist";
import { senderAddress } from "./sender";

export const isWaitlistEmailJob = (job: unknown): job is WaitlistEmailJob => {
  const j = job as Partial<WaitlistEmailJob> | null;
  return (j?.kind === "waitlist_offer" || j?.kind === "waitlist_reminder") && typeof j.user_id === "string" && typeof j.hold_id === "string" && typeof j.event_id === "string";
};

/**
 * A waitlist offer (or its reminder shortly before it expires): how many seats, until when,
 * and the checkout link of the offer's hold. Throws when the send fails, so the queue retries.
 */
export async function sendWaitlistEmail(env: Env, job: WaitlistEmailJob): Promise<"sent" | "skipped"> {
  const user = await db(env).select({ email: users.email, name: users.name }).from(users).where(eq(users.id, job.user_id)).get();
  const event = await getEvent(env, job.event_id);
  if (!user || !event) return "skipped";
  const checkout = new URL(`/checkout/${job.hold_id}`, env.PUBLIC_ORIGIN).toString();
  const what = `${job.quantity} ticket${job.quantity === 1 ? "" : "s"}${job.section ? ` in section ${job.section}` : ""}`;
  const reminder = job.kind === "waitlist_reminder";
  const text = [
    `Hello ${user.name},`,
    ``,
    reminder
      ? `your waitlist offer for ${event.name} expires at ${job.offer_expires_at}. Pay now to keep ${what}.`
      : `seats came back for ${event.name}: ${what} are held for you until ${job.offer_expires_at}.`,
    ``,
    `Pay here: ${checkout}`,
    `If you do not pay in time, the seats go to the next person on the waitlist.`,
  ].join("\n");
  await env.EMAIL.send({
    from: { email: senderAddress(env), name: "Edge Ticketing" },
    to: user.email,
    subject: reminder ? `Your waitlist offer for ${event.name} expires soon` : `Seats for you: ${event.name}`,
    text,
  });
  return "sent";
}
