import { describe, it } from "vitest";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { gateway, getOrder, invariantViolations, localPayment, pendingOrder, sectionSnapshot } from "./support/checkout";

describe("racing checkout steps", () => {
  it("buyer cancel racing the payment webhook: each order ends either paid or cancelled, never both", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 100 });
    const buyers = await Promise.all(Array.from({ length: 8 }, () => signupBuyer()));
    const orders = await Promise.all(buyers.map((b) => pendingOrder(ev, b, { section: "GA", quantity: 2 })));

    const outcomes = await Promise.all(
      orders.map(async ({ order }, i) => {
        const [, cancel] = await Promise.all([
          gateway(order.payment.payment_id, "succeed"),
          call("POST", `/api/v1/orders/${order.order_id}/cancel`, { token: buyers[i]!.token }),
        ]);
        return { cancel, order: (await getOrder(buyers[i]!, order.order_id)).body, payment: await localPayment(order.payment.payment_id) };
      }),
    );
    for (const { cancel, order, payment } of outcomes) {
      if (order.status === "paid") {
        expect(cancel.status).toBe(409);
        expect(payment?.status).toBe("succeeded");
        expect(order.tickets).toHaveLength(2);
      } else {
        expect(order.status).toBe("cancelled");
        expect(cancel.status).toBe(200);
        expect(payment?.status).toBe("canceled");
        expect(order.tickets).toEqual([]);
      }
    }
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("concurrent refunds of one order refund it once and return its seats once", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const { order } = await pendingOrder(ev, buyer, { section: "GA", quantity: 3 });
    await gateway(order.payment.payment_id, "succeed");
    const results = await Promise.all(
      Array.from({ length: 5 }, () => call("POST", `/api/v1/admin/orders/${order.order_id}/refund`, { token: ev.organizerToken })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const snap = await sectionSnapshot(ev.eventId, "GA");
    expect(snap).toMatchObject({ sold: 0, held: 0, available: 10 });
    expect((await localPayment(order.payment.payment_id))?.amount_refunded_cents).toBe(7500);
    expect(await invariantViolations(ev)).toEqual([]);
  });
});
