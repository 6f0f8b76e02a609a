import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { expireHold, gateway, getOrder, hold, invariantViolations, order } from "./support/checkout";

const countOrders = async (holdId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM orders WHERE hold_id = ?").bind(holdId).first<{ n: number }>())!.n;

describe("POST /api/v1/orders", () => {
  it("requires an Idempotency-Key (400, nothing created)", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: ["R-A-1"] });
    const res = await call("POST", "/api/v1/orders", { token: buyer.token, body: { hold_id: h.hold_id } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(await countOrders(h.hold_id)).toBe(0);
  });

  it.for([
    ["no body", undefined],
    ["hold_id of wrong type", { hold_id: 42 }],
    ["empty promo code", { hold_id: "hld_x", promo_code: "" }],
  ] as const)("rejects bad input (%s) with 400 invalid_request", async ([, body], { expect }) => {
    const buyer = await signupBuyer();
    const res = await call("POST", "/api/v1/orders", { token: buyer.token, body, headers: { "Idempotency-Key": crypto.randomUUID() } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
  });

  it("refuses another buyer's hold (404), an unknown hold (404) and an expired hold (409)", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await signupBuyer();
    const thief = await signupBuyer();
    const h = await hold(ev, owner, { seats: ["R-A-2"] });
    expect((await order(thief, h.hold_id)).status).toBe(404);
    expect((await order(owner, "hld_nope")).status).toBe(404);
    await expireHold(ev.eventId, owner.userId, h.hold_id, ["R"]);
    const expired = await order(owner, h.hold_id);
    expect(expired.status).toBe(409);
    expect(expired.body.error.code).toBe("hold_expired");
    expect(await countOrders(h.hold_id)).toBe(0);
  });

  it("replays the first answer for the same key and body, with Idempotent-Replayed: true", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: ["R-A-3"] });
    const key = crypto.randomUUID();
    const first = await order(buyer, h.hold_id, { key });
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const again = await order(buyer, h.hold_id, { key });
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await countOrders(h.hold_id)).toBe(1);

    // Still the first answer after the order moved on (the stored response, not a re-read).
    await gateway(first.body.payment.payment_id, "succeed");
    const later = await order(buyer, h.hold_id, { key });
    expect(later.body).toEqual(first.body);
  });

  it("answers another body under the same key with 409 idempotency_conflict", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h1 = await hold(ev, buyer, { seats: ["R-A-4"] });
    const h2 = await hold(ev, buyer, { seats: ["R-A-5"] });
    const key = crypto.randomUUID();
    expect((await order(buyer, h1.hold_id, { key })).status).toBe(201);
    const conflict = await order(buyer, h2.hold_id, { key });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("idempotency_conflict");
    expect(await countOrders(h2.hold_id)).toBe(0);
    // Keys are per user: another buyer may use the same key string.
    const other = await signupBuyer();
    const h3 = await hold(ev, other, { seats: ["R-B-1"] });
    expect((await order(other, h3.hold_id, { key })).status).toBe(201);
  });

  it("replays an error answer too (same key after a refusal)", async ({ expect }) => {
    const buyer = await signupBuyer();
    const key = crypto.randomUUID();
    const first = await order(buyer, "hld_unknown", { key });
    expect(first.status).toBe(404);
    const again = await order(buyer, "hld_unknown", { key });
    expect(again.status).toBe(404);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
  });

  it("a key whose first request died long ago (never answered) is taken over", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: ["R-B-4"] });
    const key = crypto.randomUUID();
    const { requestHash } = await import("../src/worker/checkout/idempotency");
    const hash = await requestHash("POST", "/api/v1/orders", { hold_id: h.hold_id });
    await env.DB.prepare("INSERT INTO idempotency_keys (user_id, key, request_hash, state, created_at) VALUES (?, ?, ?, 'in_progress', ?)")
      .bind(buyer.userId, key, hash, new Date(Date.now() - 5 * 60_000).toISOString())
      .run();
    const res = await order(buyer, h.hold_id, { key });
    expect(res.status).toBe(201);
    expect(res.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await order(buyer, h.hold_id, { key })).body).toEqual(res.body);
  });

  /**
   * Places an order with a key, then leaves what a crash between the order's write and its
   * answer leaves: the key `in_progress` with no answer stored. `payment` says how far the
   * request got; `claimedAgo` backdates the claim.
   */
  async function orderThenCrash(seat: string, opts: { payment: "recorded" | "not_recorded"; claimedAgo?: number }) {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: [seat] });
    const key = crypto.randomUUID();
    const first = await order(buyer, h.hold_id, { key });
    if (first.status !== 201) throw new Error(`order: ${first.status}`);
    await env.DB.prepare(
      "UPDATE idempotency_keys SET state = 'in_progress', response_status = NULL, response_body = NULL, created_at = ? WHERE user_id = ? AND key = ?",
    )
      .bind(new Date(Date.now() - (opts.claimedAgo ?? 0)).toISOString(), buyer.userId, key)
      .run();
    if (opts.payment === "not_recorded") {
      await env.DB.prepare("UPDATE orders SET payment_provider = NULL, payment_id = NULL, client_secret = NULL WHERE id = ?")
        .bind(first.body.order_id)
        .run();
    }
    return { ev, buyer, h, key, first };
  }

  it("an answer lost after the order was written is recovered with the same key, at once", async ({ expect }) => {
    const { buyer, h, key, first } = await orderThenCrash("R-A-1", { payment: "recorded" });
    const started = Date.now();
    const retry = await order(buyer, h.hold_id, { key });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    // Not after waiting for a first request that will never answer.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await countOrders(h.hold_id)).toBe(1);
    // Stored now: later retries replay it.
    expect((await order(buyer, h.hold_id, { key })).body).toEqual(first.body);
  });

  it("a crash before the payment was recorded: the retry finishes the order with the same payment", async ({ expect }) => {
    // Long enough ago that the claim counts as abandoned: the retry must not place the order again.
    const { ev, buyer, h, key, first } = await orderThenCrash("R-A-2", { payment: "not_recorded", claimedAgo: 5 * 60_000 });
    const retry = await order(buyer, h.hold_id, { key });
    expect(retry.status).toBe(201);
    // The provider's idempotency key gives back the same authorization.
    expect(retry.body).toEqual(first.body);
    expect(await countOrders(h.hold_id)).toBe(1);
    expect((await gateway(retry.body.payment.payment_id, "succeed")).status).toBe(200);
    const paid = await getOrder(buyer, retry.body.order_id);
    expect(paid.body.status).toBe("paid");
    expect(paid.body.tickets).toHaveLength(1);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("a provider that refuses the authorization undoes the order, its promo use and its key's outcome", async ({ expect }) => {
    const ev = await publishedEvent();
    const promo = await call("POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, {
      token: ev.organizerToken,
      body: { code: "TENOFF", percent_off: 10, max_uses: 1 },
    });
    expect(promo.status).toBe(201);
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: ["R-A-3"] });
    const key = crypto.randomUUID();
    const { idempotent, requestHash } = await import("../src/worker/checkout/idempotency");
    const { placeOrder, resumeOrder } = await import("../src/worker/checkout/place-order");
    const body = { hold_id: h.hold_id, promo_code: "TENOFF" };
    const hash = await requestHash("POST", "/api/v1/orders", body);
    const realFetch = globalThis.fetch;
    // Stripe answers every call with an error (no retry: a 400 is final).
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (!new Request(input, init).url.startsWith("https://api.stripe.com/")) return realFetch(input, init);
      const error = { error: { type: "invalid_request_error", message: "refused" } };
      return new Response(JSON.stringify(error), { status: 400, headers: { "Content-Type": "application/json" } });
    }) as typeof fetch;
    const stripeEnv = { ...env, STRIPE_SECRET_KEY: "sk_test_51Fake" } as Env;
    let failure: unknown;
    try {
      await idempotent(stripeEnv, buyer.userId, key, hash, {
        run: async (claim) => ({ status: 201, body: await placeOrder(stripeEnv, buyer.userId, { holdId: h.hold_id, promoCode: "TENOFF" }, claim) }),
        resume: async (orderId) => {
          const placed = await resumeOrder(stripeEnv, orderId);
          return placed && { status: 201, body: placed };
        },
      });
    } catch (err) {
      failure = err;
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(failure).toMatchObject({ status: 503, code: "unavailable" });
    expect(await countOrders(h.hold_id)).toBe(0);
    expect(await env.DB.prepare("SELECT uses FROM promo_codes WHERE id = ?").bind(promo.body.promo_code_id).first("uses")).toBe(0);
    // The key was freed: the same request, with the provider back, places the order.
    const retry = await order(buyer, h.hold_id, { key, promo: "TENOFF" });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
    expect(retry.body.discount_cents).toBeGreaterThan(0);
    expect(await countOrders(h.hold_id)).toBe(1);
  });

  it("20 concurrent identical requests make one order; all get the same answer", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { section: "GA", quantity: 2 });
    const key = crypto.randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => order(buyer, h.hold_id, { key })));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    const ids = new Set(results.map((r) => r.body.order_id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(19);
    expect(await countOrders(h.hold_id)).toBe(1);
  });

  it("concurrent orders for one hold under different keys: exactly one wins", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: ["R-B-2", "R-B-3"] });
    const results = await Promise.all(Array.from({ length: 10 }, () => order(buyer, h.hold_id)));
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("hold_already_ordered");
    }
    expect(await countOrders(h.hold_id)).toBe(1);
    await gateway(created[0]!.body.payment.payment_id, "succeed");
    expect(await invariantViolations(ev)).toEqual([]);
  });
});

describe("order cancel and history", () => {
  it("cancel before payment releases the hold; after payment it is refused", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: ["R-A-1"] });
    const placed = (await order(buyer, h.hold_id)).body;
    const cancelled = await call("POST", `/api/v1/orders/${placed.order_id}/cancel`, { token: buyer.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    // The seat is free for someone else at once, and the authorization is void.
    const other = await signupBuyer();
    await hold(ev, other, { seats: ["R-A-1"] });
    const pay = await gateway(placed.payment.payment_id, "succeed");
    expect(pay.status).toBe(409);

    const h2 = await hold(ev, buyer, { seats: ["R-A-2"] });
    const paidOrder = (await order(buyer, h2.hold_id)).body;
    await gateway(paidOrder.payment.payment_id, "succeed");
    const refused = await call("POST", `/api/v1/orders/${paidOrder.order_id}/cancel`, { token: buyer.token });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("order_not_cancellable");
    expect((await call("POST", `/api/v1/orders/${paidOrder.order_id}/cancel`, { token: other.token })).status).toBe(404);

    const mine = await call("GET", "/api/v1/me/orders", { token: buyer.token });
    expect(Object.fromEntries(mine.body.orders.map((o: any) => [o.order_id, o.status]))).toEqual({
      [placed.order_id]: "cancelled",
      [paidOrder.order_id]: "paid",
    });
    expect(await invariantViolations(ev)).toEqual([]);
  });
});
