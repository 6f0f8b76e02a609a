import { ledgerOfHold } from "../src/durable-objects/buyer-ledger-handle";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { call } from "./support/http";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { authorizeAtProvider, deliverWebhook, expireHold, getOrder, paymentIntentEvent, stripeSigned, invariantViolations, localPayment, pendingOrder, sectionSnapshot } from "./support/checkout";

const saga = (orderId: string) => env.CHECKOUT.getByName(orderId);

/** What a crash leaves behind: a work row the saga had recorded, and its safety-net alarm. */
async function leaveWork(orderId: string, goal: "fulfil" | "settle" | "expire") {
  await runInDurableObject(saga(orderId), async (_instance, state) => {
    state.storage.sql.exec(
      "INSERT INTO work (goal, order_id, due_at) VALUES (?, ?, ?) ON CONFLICT (goal) DO UPDATE SET due_at = excluded.due_at",
      goal,
      orderId,
      Date.now() - 1,
    );
    await state.storage.setAlarm(Date.now() + 10_000);
  });
}

async function setOrder(orderId: string, set: string) {
  await env.DB.prepare(`UPDATE orders SET ${set} WHERE id = ?`).bind(orderId).run();
}

const ticketCount = async (orderId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE order_id = ?").bind(orderId).first<{ n: number }>())!.n;

describe("CheckoutSaga finishes or compensates half-done steps", () => {
  it("seats confirmed but no capture and no tickets: the alarm captures and issues them, once", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold, order } = await pendingOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    // The crash: authorization seen, seats sold in the inventory, then nothing more.
    await authorizeAtProvider(order.payment.payment_id);
    const confirmed = await ledgerOfHold(env, hold.hold_id, buyer.userId)!.confirmHold(hold.hold_id, buyer.userId);
    expect(confirmed.ok).toBe(true);
    const now = new Date().toISOString();
    await setOrder(order.order_id, `authorized_at = '${now}', seats_confirmed_at = '${now}'`);
    await leaveWork(order.order_id, "fulfil");
    expect(await invariantViolations(ev)).not.toEqual([]);

    expect(await runDurableObjectAlarm(saga(order.order_id))).toBe(true);
    const o = (await getOrder(buyer, order.order_id)).body;
    expect(o.status).toBe("paid");
    expect(o.tickets).toHaveLength(2);
    expect((await localPayment(order.payment.payment_id))?.status).toBe("succeeded");
    expect((await saga(order.order_id).work()).map((w) => w.goal)).not.toContain("fulfil");

    // Running it again (alarms are at-least-once) changes nothing.
    await leaveWork(order.order_id, "fulfil");
    await runDurableObjectAlarm(saga(order.order_id));
    expect(await ticketCount(order.order_id)).toBe(2);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("captured but tickets not written: tickets are issued without a second capture", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold, order } = await pendingOrder(ev, buyer, { section: "GA", quantity: 3 });
    await authorizeAtProvider(order.payment.payment_id);
    await ledgerOfHold(env, hold.hold_id, buyer.userId)!.confirmHold(hold.hold_id, buyer.userId);
    await env.DB.prepare("UPDATE local_payments SET status = 'succeeded' WHERE id = ?").bind(order.payment.payment_id).run();
    const now = new Date().toISOString();
    await setOrder(order.order_id, `authorized_at = '${now}', seats_confirmed_at = '${now}', captured_at = '${now}'`);
    await leaveWork(order.order_id, "fulfil");

    expect(await runDurableObjectAlarm(saga(order.order_id))).toBe(true);
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "paid" });
    expect(await ticketCount(order.order_id)).toBe(3);
    expect((await sectionSnapshot(ev.eventId, "GA")).sold).toBe(3);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  // `seats_confirmed_at` and `captured_at` are recorded by the status move that ends the pass,
  // so a crash before it leaves only `authorized_at`: seats sold and money taken, neither recorded.
  it("seats sold and captured, neither recorded: the retry confirms and captures again (both ok) and issues the tickets once", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold, order } = await pendingOrder(ev, buyer, { section: "GA", quantity: 2 });
    await authorizeAtProvider(order.payment.payment_id);
    expect((await ledgerOfHold(env, hold.hold_id, buyer.userId)!.confirmHold(hold.hold_id, buyer.userId)).ok).toBe(true);
    await env.DB.prepare("UPDATE local_payments SET status = 'succeeded' WHERE id = ?").bind(order.payment.payment_id).run();
    await setOrder(order.order_id, `authorized_at = '${new Date().toISOString()}'`);
    await leaveWork(order.order_id, "fulfil");

    expect(await runDurableObjectAlarm(saga(order.order_id))).toBe(true);
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "paid" });
    expect(await ticketCount(order.order_id)).toBe(2);
    const row = await env.DB.prepare("SELECT seats_confirmed_at, captured_at, paid_at FROM orders WHERE id = ?")
      .bind(order.order_id)
      .first<{ seats_confirmed_at: string | null; captured_at: string | null; paid_at: string | null }>();
    expect(row?.seats_confirmed_at).toBe(row?.paid_at);
    expect(row?.captured_at).toBe(row?.paid_at);
    expect((await sectionSnapshot(ev.eventId, "GA")).sold).toBe(2);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("seats sold and captured, neither recorded, then the event cancelled: the seats go back and the money is refunded", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold, order } = await pendingOrder(ev, buyer, { seats: ["R-B-3"] });
    await authorizeAtProvider(order.payment.payment_id);
    expect((await ledgerOfHold(env, hold.hold_id, buyer.userId)!.confirmHold(hold.hold_id, buyer.userId)).ok).toBe(true);
    await env.DB.prepare("UPDATE local_payments SET status = 'succeeded' WHERE id = ?").bind(order.payment.payment_id).run();
    await setOrder(order.order_id, `authorized_at = '${new Date().toISOString()}'`);
    const cancel = await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken });
    expect(cancel.body).toMatchObject({ orders_refunded: 0, orders_cancelled: 0, orders_retrying: 1 });
    await leaveWork(order.order_id, "fulfil");

    expect(await runDurableObjectAlarm(saga(order.order_id))).toBe(true);
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "failed", failure_reason: "event_cancelled", tickets: [] });
    const payment = await localPayment(order.payment.payment_id);
    expect(payment?.amount_refunded_cents).toBe(payment?.amount_cents);
    expect((await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-B-3")?.status).toBe("available");
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("failed after the seats were confirmed: the alarm returns the seats and voids the payment", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold, order } = await pendingOrder(ev, buyer, { seats: ["R-B-5"] });
    await authorizeAtProvider(order.payment.payment_id);
    await ledgerOfHold(env, hold.hold_id, buyer.userId)!.confirmHold(hold.hold_id, buyer.userId);
    const now = new Date().toISOString();
    await setOrder(order.order_id, `status = 'failed', failure_reason = 'payment_not_capturable', authorized_at = '${now}', seats_confirmed_at = '${now}'`);
    await leaveWork(order.order_id, "settle");
    expect((await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-B-5")?.status).toBe("sold");

    expect(await runDurableObjectAlarm(saga(order.order_id))).toBe(true);
    expect((await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-B-5")?.status).toBe("available");
    expect((await localPayment(order.payment.payment_id))?.status).toBe("canceled");
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("an order nobody paid fails at its hold's expiry by the alarm, and a late success is voided", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold, order } = await pendingOrder(ev, buyer, { seats: ["R-A-4"] });
    expect((await saga(order.order_id).work()).map((w) => w.goal)).toEqual(["expire"]);
    await expireHold(ev.eventId, buyer.userId, hold.hold_id, ["R"]);
    await setOrder(order.order_id, `hold_expires_at = '${new Date(Date.now() - 60_000).toISOString()}'`);
    await leaveWork(order.order_id, "expire");

    expect(await runDurableObjectAlarm(saga(order.order_id))).toBe(true);
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "failed", failure_reason: "hold_expired" });
    expect((await localPayment(order.payment.payment_id))?.status).toBe("canceled");
    expect(await saga(order.order_id).work()).toEqual([]);
    expect(await runDurableObjectAlarm(saga(order.order_id))).toBe(false);

    const late = paymentIntentEvent("payment_intent.amount_capturable_updated", order.payment.payment_id);
    expect((await deliverWebhook(late, await stripeSigned(late))).status).toBe(200);
    expect((await getOrder(buyer, order.order_id)).body).toMatchObject({ status: "failed", tickets: [] });
    expect((await localPayment(order.payment.payment_id))?.status).toBe("canceled");
    expect(await invariantViolations(ev)).toEqual([]);
  });
});

describe("event cancelled while an order was being captured", () => {
  it("the captured order is finished and then refunded, never left paid on a cancelled event", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { hold, order } = await pendingOrder(ev, buyer, { seats: ["R-A-5"] });
    await authorizeAtProvider(order.payment.payment_id);
    await ledgerOfHold(env, hold.hold_id, buyer.userId)!.confirmHold(hold.hold_id, buyer.userId);
    await env.DB.prepare("UPDATE local_payments SET status = 'succeeded' WHERE id = ?").bind(order.payment.payment_id).run();
    const now = new Date().toISOString();
    await setOrder(order.order_id, `authorized_at = '${now}', seats_confirmed_at = '${now}', captured_at = '${now}'`);
    // The organizer's cancel ran now: it found the order still pending and authorized, and left it to the saga.
    const cancel = await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken });
    expect(cancel.body).toMatchObject({ orders_refunded: 0, orders_cancelled: 0, orders_retrying: 1 });
    await leaveWork(order.order_id, "fulfil");

    expect(await runDurableObjectAlarm(saga(order.order_id))).toBe(true);
    const o = (await getOrder(buyer, order.order_id)).body;
    expect(o.status).toBe("refunded");
    expect(o.tickets.map((t: any) => t.status)).toEqual(["revoked"]);
    const payment = await localPayment(order.payment.payment_id);
    expect(payment?.amount_refunded_cents).toBe(payment?.amount_cents);
    expect((await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-A-5")?.status).toBe("available");
    expect(await invariantViolations(ev)).toEqual([]);
  });
});
