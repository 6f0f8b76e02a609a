/**
 * Per-event currency through checkout: the seat map, holds, orders, the payment created with
 * the provider (local and Stripe), refunds, stats and the confirmation email all carry the
 * event's currency, with amounts in its minor units.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { placeOrder } from "../src/worker/checkout/place-order";
import { sendOrderConfirmation } from "../src/worker/email/confirmation";
import { formatMoney } from "../src/worker/money";
import { createdIntent } from "./payments-stripe-recordings";
import { call } from "./support/http";
import { hold, localPayment, paidOrder, pendingOrder } from "./support/checkout";
import { publishedEvent, signupBuyer } from "./support/fixtures";

/** Sends the confirmation of a paid order through a recording EMAIL binding; returns the one message. */
async function confirmationOf(orderId: string) {
  const sent: { text: string; html: string }[] = [];
  const recording = { ...env, EMAIL: { send: async (m: { text: string; html: string }) => { sent.push(m); return { messageId: "m1" }; } } } as unknown as Env;
  const outcome = await sendOrderConfirmation(recording, orderId);
  if (outcome !== "sent" || sent.length !== 1) throw new Error(`confirmation ${outcome}, ${sent.length} messages`);
  return sent[0]!;
}

describe("an event priced in eur", () => {
  it("seat map, hold, order, payment, stats, refund and email all carry eur and the event's amounts", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { currency: "EUR", price_tiers: { standard: 4250, ga: 1999 } } });
    expect(ev.event.currency).toBe("eur");
    const pub = await call("GET", `/api/v1/events/${ev.eventId}`);
    expect(pub.body).toMatchObject({ currency: "eur", price_tiers: { standard: 4250, ga: 1999 } });

    const map = await call("GET", `/api/v1/events/${ev.eventId}/seats`);
    expect(map.body.currency).toBe("eur");
    const seat = map.body.sections.find((s: any) => s.key === "R").seats[0];
    expect(seat.price_cents).toBe(4250);

    const buyer = await signupBuyer();
    const { hold: h, order, paid } = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    expect(h).toMatchObject({ total_cents: 8500, currency: "eur" });
    const again = await call("GET", `/api/v1/holds/${h.hold_id}`, { token: buyer.token });
    expect(again.body.currency).toBe("eur");
    expect(order).toMatchObject({ amount_cents: 8500, currency: "eur" });
    expect(paid).toMatchObject({ status: "paid", amount_cents: 8500, currency: "eur" });
    const payment = await env.DB.prepare("SELECT amount_cents, currency FROM local_payments WHERE id = ?")
      .bind(order.payment.payment_id)
      .first();
    expect(payment).toEqual({ amount_cents: 8500, currency: "eur" });

    const stats = await call("GET", `/api/v1/admin/events/${ev.eventId}/stats`, { token: ev.organizerToken });
    expect(stats.body).toMatchObject({ revenue_cents: 8500, currency: "eur" });

    const mail = await confirmationOf(order.order_id);
    expect(mail.text).toContain("Total paid: €85.00.");
    expect(mail.html).toContain("€85.00");
    expect(mail.text).not.toContain("$");

    const refunded = await call("POST", `/api/v1/admin/orders/${order.order_id}/refund`, { token: ev.organizerToken });
    expect(refunded.status).toBe(200);
    const after = await call("GET", `/api/v1/orders/${order.order_id}`, { token: buyer.token });
    expect(after.body).toMatchObject({ status: "refunded", refunded_cents: 8500, currency: "eur" });
    expect((await localPayment(order.payment.payment_id))?.amount_refunded_cents).toBe(8500);
  });

  it("a promo's amount_off_cents is taken in the event's currency", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { currency: "eur", price_tiers: { standard: 4250, ga: 1999 } } });
    const promo = await call("POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, {
      token: ev.organizerToken,
      body: { code: "FIVE", amount_off_cents: 500 },
    });
    expect(promo.status).toBe(201);
    const { order } = await pendingOrder(ev, await signupBuyer(), { section: "GA", quantity: 1 }, "FIVE");
    expect(order).toMatchObject({ amount_cents: 1499, discount_cents: 500, currency: "eur" });
    const payment = await env.DB.prepare("SELECT amount_cents, currency FROM local_payments WHERE id = ?")
      .bind(order.payment.payment_id)
      .first();
    expect(payment).toEqual({ amount_cents: 1499, currency: "eur" });
  });
});

describe("zero-decimal currency (jpy)", () => {
  it("one minor unit is one yen, in the order and the email", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { currency: "jpy", price_tiers: { standard: 8000, ga: 3500 } } });
    const buyer = await signupBuyer();
    const { order } = await paidOrder(ev, buyer, { section: "GA", quantity: 3 });
    expect(order).toMatchObject({ amount_cents: 10500, currency: "jpy" });
    const mail = await confirmationOf(order.order_id);
    expect(mail.text).toContain("Total paid: ¥10,500.");
    expect(mail.text).not.toContain("¥105");
  });

  it("formatMoney follows each currency's decimals", ({ expect }) => {
    expect(formatMoney(10500, "jpy")).toBe("¥10,500");
    expect(formatMoney(1, "jpy")).toBe("¥1");
    expect(formatMoney(1234, "eur")).toBe("€12.34");
    expect(formatMoney(1234, "usd")).toBe("$12.34");
    expect(formatMoney(5, "gbp")).toBe("£0.05");
  });
});

describe("existing clients", () => {
  it("an event created without currency is in usd end to end", async ({ expect }) => {
    const ev = await publishedEvent();
    expect(ev.event.currency).toBe("usd");
    const buyer = await signupBuyer();
    const { order, hold: h } = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    expect(h.total_cents).toBe(2500);
    expect(order).toMatchObject({ amount_cents: 2500, currency: "usd" });
    expect((await confirmationOf(order.order_id)).text).toContain("Total paid: $25.00.");
  });
});

describe("Stripe", () => {
  it("the PaymentIntent is created in the event's currency for its amount", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { currency: "gbp", price_tiers: { standard: 4250, ga: 1999 } } });
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { section: "GA", quantity: 2 });
    const forms: URLSearchParams[] = [];
    const realFetch = globalThis.fetch;
    // The Stripe SDK picks up the global fetch when the provider is built: answer from the recording.
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      if (!req.url.startsWith("https://api.stripe.com/")) return realFetch(input, init);
      forms.push(new URLSearchParams(await req.text()));
      const body = { ...createdIntent, amount: 3998, currency: "gbp" };
      return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json", "Request-Id": "req_test" } });
    }) as typeof fetch;
    let placed;
    try {
      placed = await placeOrder({ ...env, STRIPE_SECRET_KEY: "sk_test_51Fake" } as Env, buyer.userId, { holdId: h.hold_id });
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(forms).toHaveLength(1);
    expect(Object.fromEntries(forms[0]!)).toMatchObject({ amount: "3998", currency: "gbp", capture_method: "manual" });
    expect(placed).toMatchObject({ amount_cents: 3998, currency: "gbp", payment: { provider: "stripe", payment_id: createdIntent.id } });
  });
});
