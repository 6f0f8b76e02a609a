import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer, signupOrganizer, type PublishedEvent } from "./support/fixtures";
import { call } from "./support/http";
import { gateway, hold, invariantViolations, order, pendingOrder } from "./support/checkout";

const HOUR = 3600_000;

async function createPromo(ev: PublishedEvent, body: Record<string, unknown>) {
  const res = await call("POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, { token: ev.organizerToken, body });
  if (res.status !== 201) throw new Error(`promo: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const uses = async (promoId: string) =>
  (await env.DB.prepare("SELECT uses FROM promo_codes WHERE id = ?").bind(promoId).first<{ uses: number }>())!.uses;

describe("organizer promo codes", () => {
  it("creates codes on its own events only; bad input is 400", async ({ expect }) => {
    const ev = await publishedEvent();
    const created = await createPromo(ev, { code: "early-bird", percent_off: 20, max_uses: 10, per_user_limit: 1 });
    expect(created).toMatchObject({ event_id: ev.eventId, code: "EARLY-BIRD", percent_off: 20, amount_off_cents: null, max_uses: 10, per_user_limit: 1, uses: 0 });

    const path = `/api/v1/admin/events/${ev.eventId}/promo-codes`;
    const again = await call("POST", path, { token: ev.organizerToken, body: { code: "EARLY-BIRD", amount_off_cents: 100 } });
    expect(again.status).toBe(409);
    const otherOrganizer = await signupOrganizer();
    expect((await call("POST", path, { token: otherOrganizer.token, body: { code: "MINE", percent_off: 5 } })).status).toBe(404);
    const buyer = await signupBuyer();
    expect((await call("POST", path, { token: buyer.token, body: { code: "MINE", percent_off: 5 } })).status).toBe(403);
    for (const body of [
      { code: "BOTH", percent_off: 10, amount_off_cents: 100 },
      { code: "NONE" },
      { code: "PCT", percent_off: 101 },
      { code: "X", percent_off: 10 },
      { code: "WINDOW", percent_off: 10, valid_from: "2030-01-02T00:00:00Z", valid_to: "2030-01-01T00:00:00Z" },
      { code: "USES", percent_off: 10, max_uses: 0 },
    ]) {
      const res = await call("POST", path, { token: ev.organizerToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    // None of the refused requests stored anything: still the one code, unchanged.
    const stored = await env.DB.prepare("SELECT code, percent_off, amount_off_cents FROM promo_codes WHERE event_id = ?").bind(ev.eventId).all();
    expect(stored.results).toEqual([{ code: "EARLY-BIRD", percent_off: 20, amount_off_cents: null }]);
  });

  it("applies percent and fixed discounts, case-insensitively", async ({ expect }) => {
    const ev = await publishedEvent();
    await createPromo(ev, { code: "QUARTER", percent_off: 25 });
    await createPromo(ev, { code: "TENNER", amount_off_cents: 1000 });
    const buyer = await signupBuyer();
    const pct = await pendingOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] }, "quarter");
    expect(pct.order).toMatchObject({ amount_cents: 7500, discount_cents: 2500 });
    const fixed = await pendingOrder(ev, buyer, { section: "GA", quantity: 1 }, "TENNER");
    expect(fixed.order).toMatchObject({ amount_cents: 1500, discount_cents: 1000 });
    await gateway(pct.order.payment.payment_id, "succeed");
    await gateway(fixed.order.payment.payment_id, "succeed");
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("refuses unknown, not yet valid and expired codes with 422 promo_invalid and the reason", async ({ expect }) => {
    const ev = await publishedEvent();
    await createPromo(ev, { code: "LATER", percent_off: 10, valid_from: new Date(Date.now() + HOUR).toISOString() });
    await createPromo(ev, { code: "PAST", percent_off: 10, valid_to: new Date(Date.now() - HOUR).toISOString() });
    const buyer = await signupBuyer();
    const h = await hold(ev, buyer, { seats: ["R-B-1"] });
    for (const [code, reason] of [
      ["NOPE", "unknown_code"],
      ["LATER", "not_started"],
      ["PAST", "expired"],
    ]) {
      const res = await order(buyer, h.hold_id, { promo: code });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: "promo_invalid", details: { reason } });
    }
    // Nothing was created; the hold can still be ordered without a code.
    expect((await order(buyer, h.hold_id)).status).toBe(201);
  });

  it("max_uses holds under 12 racing checkouts", async ({ expect }) => {
    const ev = await publishedEvent();
    const promo = await createPromo(ev, { code: "ONLY3", percent_off: 50, max_uses: 3 });
    const buyers = await Promise.all(Array.from({ length: 12 }, () => signupBuyer()));
    const holds = await Promise.all(buyers.map((b) => hold(ev, b, { section: "GA", quantity: 1 })));
    const results = await Promise.all(buyers.map((b, i) => order(b, holds[i]!.hold_id, { promo: "ONLY3" })));
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(3);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(422);
      expect(r.body.error.details.reason).toBe("exhausted");
    }
    expect(await uses(promo.promo_code_id)).toBe(3);

    // A failed payment gives its use back; a paid one keeps it.
    await gateway(won[0]!.body.payment.payment_id, "fail");
    await gateway(won[1]!.body.payment.payment_id, "succeed");
    expect(await uses(promo.promo_code_id)).toBe(2);
    const loserIndex = results.findIndex((r) => r.status === 422);
    const retry = await order(buyers[loserIndex]!, holds[loserIndex]!.hold_id, { promo: "ONLY3" });
    expect(retry.status).toBe(201);
    expect(await uses(promo.promo_code_id)).toBe(3);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("per_user_limit holds when one buyer races several checkouts", async ({ expect }) => {
    const ev = await publishedEvent();
    const promo = await createPromo(ev, { code: "TWICE", amount_off_cents: 500, per_user_limit: 2 });
    const buyer = await signupBuyer();
    const holds = await Promise.all(Array.from({ length: 6 }, () => hold(ev, buyer, { section: "GA", quantity: 1 })));
    const results = await Promise.all(holds.map((h) => order(buyer, h.hold_id, { promo: "TWICE" })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(422);
      expect(r.body.error.details.reason).toBe("per_user_limit");
    }
    expect(await uses(promo.promo_code_id)).toBe(2);
    // Another buyer is not affected.
    const other = await signupBuyer();
    expect((await pendingOrder(ev, other, { section: "GA", quantity: 1 }, "TWICE")).order.discount_cents).toBe(500);
  });

  it("a 100% code makes a free order: paid with tickets at once, no payment", async ({ expect }) => {
    const ev = await publishedEvent();
    await createPromo(ev, { code: "COMP", percent_off: 100, max_uses: 1 });
    const buyer = await signupBuyer();
    const { order: free } = await pendingOrder(ev, buyer, { seats: ["R-B-5"] }, "COMP");
    expect(free).toMatchObject({ status: "paid", amount_cents: 0, discount_cents: 5000, payment: { provider: "none", payment_id: null } });
    const shown = await call("GET", `/api/v1/orders/${free.order_id}`, { token: buyer.token });
    expect(shown.body.tickets).toHaveLength(1);
    expect(await invariantViolations(ev)).toEqual([]);
  });
});
