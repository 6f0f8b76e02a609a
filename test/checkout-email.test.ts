import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { handleEmailBatch, sendOrderConfirmation } from "../src/worker/email/confirmation";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { paidOrder } from "./support/checkout";

/** A queue batch whose messages record what the consumer did with them. */
function batchOf(bodies: unknown[]) {
  const outcomes: string[] = [];
  const messages = bodies.map((body, i) => ({
    id: `msg-${i}`,
    timestamp: new Date(),
    body,
    attempts: 1,
    ack: () => outcomes.push(`ack ${i}`),
    retry: (o?: { delaySeconds?: number }) => outcomes.push(`retry ${i} after ${o?.delaySeconds}s`),
  }));
  return { batch: { queue: "ticket-emails", messages, ackAll() {}, retryAll() {} } as unknown as MessageBatch<unknown>, outcomes };
}

describe("confirmation email (EMAIL_QUEUE consumer)", () => {
  it("sends one message with every ticket's link and QR code, then acks", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order, paid } = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    const sent: any[] = [];
    const fakeEnv = { ...env, EMAIL: { send: async (m: unknown) => { sent.push(m); return { messageId: "m1" }; } } } as unknown as Env;
    const { batch, outcomes } = batchOf([{ kind: "order_confirmation", order_id: order.order_id }]);
    await handleEmailBatch(batch, fakeEnv);
    expect(outcomes).toEqual(["ack 0"]);
    expect(sent).toHaveLength(1);
    expect(sent[0].to).toBe(buyer.email);
    for (const t of paid.tickets) expect(sent[0].text).toContain(t.qr_svg_url);
    expect(sent[0].attachments.map((a: any) => a.contentId).sort()).toEqual(paid.tickets.map((t: any) => t.ticket_id).sort());
    expect(sent[0].attachments[0].content).toMatch(/^<svg/);
  });

  it("a failed send is retried later and the order stays paid", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    const failing = { ...env, EMAIL: { send: async () => { throw new Error("smtp down"); } } } as unknown as Env;
    const { batch, outcomes } = batchOf([{ kind: "order_confirmation", order_id: order.order_id }, { nonsense: true }]);
    await handleEmailBatch(batch, failing);
    expect(outcomes).toEqual(["retry 0 after 60s", "ack 1"]);
    const row = await env.DB.prepare("SELECT status FROM orders WHERE id = ?").bind(order.order_id).first<{ status: string }>();
    expect(row?.status).toBe("paid");
  });

  it("the local EMAIL binding accepts the message", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    expect(await sendOrderConfirmation(env, order.order_id)).toBe("sent");
  });
});
