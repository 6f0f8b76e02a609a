/**
 * Helpers for the checkout tests (orders, payments, tickets, promo, refund, saga): buying
 * through the public API and the invariant every scenario must leave behind.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { ledgerOfHold } from "../../src/durable-objects/buyer-ledger-handle";
import { call } from "./http";
import type { PublishedEvent, User } from "./fixtures";
import { backdateHold, section } from "./inventory-fixtures";

export type HoldRequest = { seats: string[] } | { section: string; quantity: number };

export async function hold(ev: PublishedEvent, buyer: User, req: HoldRequest) {
  const res = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: req });
  if (res.status !== 201) throw new Error(`hold: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { hold_id: string; seats: string[]; quantity: number; total_cents: number; expires_at: string };
}

export function order(buyer: User, holdId: string, opts: { key?: string; promo?: string } = {}) {
  const body: Record<string, string> = { hold_id: holdId };
  if (opts.promo !== undefined) body.promo_code = opts.promo;
  return call("POST", "/api/v1/orders", {
    token: buyer.token,
    body,
    headers: { "Idempotency-Key": opts.key ?? crypto.randomUUID() },
  });
}

/** Hold + order; throws unless the order was created. */
export async function pendingOrder(ev: PublishedEvent, buyer: User, req: HoldRequest, promo?: string) {
  const h = await hold(ev, buyer, req);
  const res = await order(buyer, h.hold_id, promo === undefined ? {} : { promo });
  if (res.status !== 201) throw new Error(`order: ${res.status} ${JSON.stringify(res.body)}`);
  return { hold: h, order: res.body as { order_id: string; amount_cents: number; discount_cents: number; payment: { provider: string; payment_id: string; client_secret: string } } };
}

export const gateway = (paymentId: string, outcome: "succeed" | "fail") =>
  call("POST", `/api/v1/test-gateway/payments/${paymentId}/${outcome}`);

export const getOrder = (buyer: User, orderId: string) => call("GET", `/api/v1/orders/${orderId}`, { token: buyer.token });

/** Hold, order and successful payment; returns the paid order as GET /orders/:id shows it. */
export async function paidOrder(ev: PublishedEvent, buyer: User, req: HoldRequest) {
  const p = await pendingOrder(ev, buyer, req);
  const paid = await gateway(p.order.payment.payment_id, "succeed");
  if (paid.status !== 200) throw new Error(`pay: ${paid.status} ${JSON.stringify(paid.body)}`);
  const res = await getOrder(buyer, p.order.order_id);
  return { ...p, paid: res.body };
}

export async function sectionSnapshot(eventId: string, key: string) {
  const snap = await section(eventId, key).snapshot();
  if (!snap) throw new Error(`section ${key} of ${eventId} not initialized`);
  return snap;
}

export async function localPayment(paymentId: string) {
  return env.DB.prepare("SELECT * FROM local_payments WHERE id = ?").bind(paymentId).first<{ status: string; amount_refunded_cents: number; amount_cents: number }>();
}

/**
 * The checkout invariant for one event: every sold reserved seat has exactly one valid
 * (or checked-in) ticket, of a paid order; GA sold counts equal their valid tickets; no
 * ticket is valid unless its order is paid; every paid order has one ticket per item.
 * Returns a list of violations (empty when all holds).
 */
export async function invariantViolations(ev: PublishedEvent): Promise<string[]> {
  const problems: string[] = [];
  const live = await env.DB.prepare(
    `SELECT t.id, t.section_key, t.seat_label, o.status AS order_status FROM tickets t JOIN orders o ON o.id = t.order_id
     WHERE t.event_id = ? AND t.status IN ('valid', 'checked_in')`,
  )
    .bind(ev.eventId)
    .all<{ id: string; section_key: string; seat_label: string | null; order_status: string }>();
  for (const t of live.results) if (t.order_status !== "paid") problems.push(`ticket ${t.id} valid but order ${t.order_status}`);

  if (ev.reservedKey) {
    const snap = await sectionSnapshot(ev.eventId, ev.reservedKey);
    const sold = (snap.seats ?? []).filter((s) => s.status === "sold").map((s) => s.label).sort();
    const ticketed = live.results.filter((t) => t.section_key === ev.reservedKey).map((t) => t.seat_label ?? "?").sort();
    if (JSON.stringify(sold) !== JSON.stringify(ticketed)) {
      problems.push(`reserved sold seats ${JSON.stringify(sold)} != valid tickets ${JSON.stringify(ticketed)}`);
    }
  }
  if (ev.gaKey) {
    const snap = await sectionSnapshot(ev.eventId, ev.gaKey);
    const ga = live.results.filter((t) => t.section_key === ev.gaKey).length;
    if (snap.sold !== ga) problems.push(`GA sold ${snap.sold} != valid GA tickets ${ga}`);
  }
  const missing = await env.DB.prepare(
    `SELECT o.id, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS items,
            (SELECT count(*) FROM tickets t WHERE t.order_id = o.id AND t.status IN ('valid', 'checked_in')) AS tickets
     FROM orders o WHERE o.event_id = ? AND o.status = 'paid'`,
  )
    .bind(ev.eventId)
    .all<{ id: string; items: number; tickets: number }>();
  for (const o of missing.results) if (o.items !== o.tickets || o.items === 0) problems.push(`paid order ${o.id}: ${o.items} items, ${o.tickets} tickets`);
  return problems;
}

/** Lets a hold's expiry pass, as the inventory tests do: backdated in its sections and ledger, section alarms run. */
export async function expireHold(eventId: string, userId: string, holdId: string, sectionKeys: string[]): Promise<void> {
  const expiresAt = Date.now() - 1;
  for (const key of sectionKeys) {
    const stub = section(eventId, key);
    await backdateHold(stub, holdId, expiresAt);
    await runDurableObjectAlarm(stub);
  }
  await backdateHold(ledgerOfHold(env, holdId, userId)!, holdId, expiresAt);
}

/** Signs a body the way Stripe does, with the Stripe SDK's own test helper (not our signer). */
export async function stripeSigned(rawBody: string, opts: { timestamp?: number; secret?: string } = {}) {
  const { default: Stripe } = await import("stripe");
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload: rawBody,
    secret: opts.secret ?? env.PAYMENT_WEBHOOK_SECRET,
    timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000),
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
}

/** A Stripe-shaped PaymentIntent event for a payment. */
export function paymentIntentEvent(type: string, paymentId: string, id = `evt_test_${crypto.randomUUID()}`) {
  return JSON.stringify({
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object: { id: paymentId, object: "payment_intent", status: type.endsWith("failed") ? "requires_payment_method" : "requires_capture" } },
  });
}

export async function deliverWebhook(rawBody: string, signature?: string) {
  return call("POST", "/api/v1/payments/webhook", {
    rawBody,
    headers: signature === undefined ? {} : { "Stripe-Signature": signature },
  });
}

/** The card authorizes at the local provider without a webhook (the test then delivers its own). */
export async function authorizeAtProvider(paymentId: string): Promise<void> {
  await env.DB.prepare("UPDATE local_payments SET status = 'requires_capture' WHERE id = ? AND status = 'requires_payment_method'")
    .bind(paymentId)
    .run();
}
