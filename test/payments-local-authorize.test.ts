/**
 * The local provider's create is idempotent by key like Stripe's: creates that race with one
 * Idempotency-Key (a saga retry overlapping the first attempt) make one payment, and every
 * caller gets that payment's id and client secret.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../src/platform/payments/local";
import { idPattern } from "../src/shared/ids";

const request = (key: string, orderId = "ord_race") => ({ orderId, amountCents: 4200, currency: "eur", idempotencyKey: key });

describe("local provider authorization", () => {
  it("makes one payment for 20 racing creates with one key", async () => {
    const key = `order-race-${crypto.randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => new LocalProvider(env).createAuthorization(request(key))));
    expect(new Set(answers.map((a) => a.paymentId)).size).toBe(1);
    expect(new Set(answers.map((a) => a.clientSecret)).size).toBe(1);
    expect(answers[0]!.paymentId).toMatch(idPattern("pi_local"));
    const rows = await env.DB.prepare("SELECT id, client_secret FROM local_payments WHERE json_extract(metadata, '$.idempotency_key') = ?")
      .bind(key)
      .all<{ id: string; client_secret: string }>();
    expect(rows.results).toEqual([{ id: answers[0]!.paymentId, client_secret: answers[0]!.clientSecret }]);
  });

  it("makes separate payments for separate keys", async () => {
    const provider = new LocalProvider(env);
    const [a, b] = await Promise.all([provider.createAuthorization(request(`k-${crypto.randomUUID()}`)), provider.createAuthorization(request(`k-${crypto.randomUUID()}`))]);
    expect(a.paymentId).not.toBe(b.paymentId);
  });
});
