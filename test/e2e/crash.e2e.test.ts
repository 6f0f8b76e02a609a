/**
 * Crashes and lost alarms. A sale runs against `wrangler dev` while the runtime is killed with
 * SIGKILL (wrangler and workerd, the whole process group) at random moments, 10 times, and
 * started again on the same state. Local workerd is the worst case for alarms: whatever it
 * had armed may not fire after a restart, so holds have to end by expiry on access too.
 *
 * Every hold, order and payment the system acknowledged is recorded. After the last restart
 * and one hold TTL:
 * - every acknowledged paid order is there with its tickets;
 * - no seat is sold twice, and no seat was held twice (acknowledged holds never overlap on a
 *   seat unless the first one had been ended by a request sent before the second was answered);
 * - no hold outlives its TTL;
 * - sold + held + available = capacity in every section, and sold matches the valid tickets;
 * - checkout's saga recovers: every payment the provider captured ends with its tickets, in
 *   particular the orders a crash left between capture and tickets.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "./support/api";
import { restartableSystem, type RestartableSystem } from "./support/restartable-server";

const TTL_SECONDS = 60; // the contract's minimum
const CRASHES = 10;
const MAX_CRASHES = 16;
const BURST = 10;
const WORKERS = 8;
const BUYERS = 40;
const RESERVED = { A: { rows: ["A", "B", "C", "D"], seats: 10 }, B: { rows: ["A", "B", "C", "D"], seats: 10 } } as const;
const GA_CAPACITY = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

interface HoldRecord {
  holdId: string;
  buyer: number;
  section: string;
  seats: string[]; // empty for GA
  quantity: number;
  ackedAt: number;
  expiresAt: number;
  /** The earliest moment a request that may end the hold early (decline) was sent. */
  endRequestedAt?: number;
  idempotencyKey?: string;
  orderLost?: boolean;
  orderId?: string;
  paymentId?: string;
  pay?: "succeed" | "fail";
  payAcked?: boolean;
  payLost?: boolean;
  /** What the webhook handler said when the payment's answer arrived. */
  payAnswer?: unknown;
}

/**
 * Orders whose money the provider has taken (the local provider's own row, not our
 * `captured_at`: the saga records that with the tickets) while their tickets are not all written.
 */
const CAPTURED_WITHOUT_TICKETS = `JOIN local_payments p ON p.id = o.payment_id AND p.status = 'succeeded'
  WHERE (SELECT count(*) FROM tickets t WHERE t.order_id = o.id) < (SELECT count(*) FROM order_items i WHERE i.order_id = o.id)`;

/** The local D1 database file of the persisted state (read only while the runtime is down). */
function d1File(persistDir: string): string {
  const dir = path.join(persistDir, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite"));
  if (!file) throw new Error(`no D1 database under ${dir}`);
  return path.join(dir, file);
}

function withD1<T>(persistDir: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(d1File(persistDir), { readOnly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe("crashes and lost alarms", () => {
  let sys: RestartableSystem;
  beforeAll(async () => {
    sys = await restartableSystem();
    await sys.start();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it("keeps every acknowledged hold, order and payment through 10 SIGKILLs, and ends every hold", { timeout: 900_000 }, async () => {
    const api = apiClient(sys.origin);
    const organizer = await api.signup("organizer");
    const venue = await api.ok(201, "POST", "/api/v1/admin/venues", {
      token: organizer.token,
      body: {
        name: "Crash Hall",
        city: "Testville",
        sections: [
          ...Object.entries(RESERVED).map(([key, s]) => ({
            key,
            name: `Block ${key}`,
            kind: "reserved",
            rows: s.rows.map((label) => ({ label, seats: s.seats, price_tier: "standard" })),
          })),
          { key: "G", name: "Floor", kind: "ga", capacity: GA_CAPACITY, price_tier: "floor" },
        ],
      },
    });
    const startsAt = Date.now() + 24 * 3600_000;
    const event = await api.ok(201, "POST", "/api/v1/admin/events", {
      token: organizer.token,
      body: {
        venue_id: venue.venue_id,
        name: `Crash night ${crypto.randomUUID().slice(0, 6)}`,
        category: "concert",
        city: "Testville",
        starts_at: new Date(startsAt).toISOString(),
        ends_at: new Date(startsAt + 3 * 3600_000).toISOString(),
        on_sale_at: new Date(Date.now() - 3600_000).toISOString(),
        price_tiers: { standard: 5000, floor: 3000 },
        hold_ttl_seconds: TTL_SECONDS,
        max_tickets_per_user: 8,
      },
    });
    const eventId = event.event_id as string;
    await api.ok(200, "POST", `/api/v1/admin/events/${eventId}/publish`, { token: organizer.token });
    const buyers = await Promise.all(Array.from({ length: BUYERS }, () => api.signup("buyer")));
    const seatIds = Object.fromEntries(
      Object.entries(RESERVED).map(([key, s]) => [key, s.rows.flatMap((r) => Array.from({ length: s.seats }, (_, i) => `${key}-${r}-${i + 1}`))]),
    );
    const capacity: Record<string, number> = { ...Object.fromEntries(Object.entries(seatIds).map(([k, v]) => [k, v.length])), G: GA_CAPACITY };

    const holds: HoldRecord[] = [];
    /** Orders a crash left captured but without tickets (seen in D1 while the runtime was down). */
    const caughtBetweenCaptureAndTickets = new Set<string>();
    const counts = { requests: 0, lost: 0, holdsRefused: 0 };
    const restartMs: number[] = [];

    /** One API call; null when the runtime died under it (no answer is no acknowledgement). */
    async function attempt(method: string, route: string, opts: Parameters<typeof api.call>[2] = {}) {
      counts.requests++;
      try {
        return await api.call(method, route, opts);
      } catch {
        counts.lost++;
        return null;
      }
    }

    let stopLoad = false;
    /** False from just before a crash until the restarted Worker answers. */
    let up = true;
    async function buyerLoop() {
      while (!stopLoad) {
        if (!up) {
          await sleep(100);
          continue;
        }
        const b = Math.floor(Math.random() * BUYERS);
        const token = buyers[b]!.token;
        const section = pick(["A", "B", "G"]);
        const k = 1 + Math.floor(Math.random() * 3);
        const body = section === "G" ? { section: "G", quantity: k } : { seats: [...seatIds[section]!].sort(() => Math.random() - 0.5).slice(0, k) };
        const h = await attempt("POST", `/api/v1/events/${eventId}/holds`, { token, body });
        if (!h || h.status !== 201) {
          if (h) counts.holdsRefused++;
          continue;
        }
        const rec: HoldRecord = {
          holdId: h.body.hold_id,
          buyer: b,
          section,
          seats: h.body.seats ?? [],
          quantity: h.body.quantity,
          ackedAt: Date.now(),
          expiresAt: Date.parse(h.body.expires_at),
        };
        holds.push(rec);
        if (Math.random() < 0.15) continue; // abandoned: the hold must end by itself
        rec.idempotencyKey = crypto.randomUUID();
        const o = await attempt("POST", "/api/v1/orders", {
          token,
          body: { hold_id: rec.holdId },
          headers: { "Idempotency-Key": rec.idempotencyKey },
        });
        if (!o) {
          rec.orderLost = true;
          continue;
        }
        if (o.status !== 201) continue;
        rec.orderId = o.body.order_id;
        rec.paymentId = o.body.payment.payment_id;
        if (Math.random() < 0.1) continue; // ordered, never paid
        rec.pay = Math.random() < 0.15 ? "fail" : "succeed";
        rec.endRequestedAt = Date.now();
        const p = await attempt("POST", `/api/v1/test-gateway/payments/${rec.paymentId}/${rec.pay}`);
        if (!p) rec.payLost = true;
        else if (p.status === 200) {
          rec.payAcked = true;
          rec.payAnswer = p.body.webhook;
        }
      }
    }

    /** Pays a burst of fresh orders at once, so that the crash after it lands mid-checkout. */
    async function payBurst() {
      const ready: HoldRecord[] = [];
      await Promise.all(
        Array.from({ length: BURST }, async () => {
          const b = Math.floor(Math.random() * BUYERS);
          const h = await attempt("POST", `/api/v1/events/${eventId}/holds`, { token: buyers[b]!.token, body: { section: "G", quantity: 2 } });
          if (h?.status !== 201) return;
          const rec: HoldRecord = { holdId: h.body.hold_id, buyer: b, section: "G", seats: [], quantity: 2, ackedAt: Date.now(), expiresAt: Date.parse(h.body.expires_at) };
          holds.push(rec);
          rec.idempotencyKey = crypto.randomUUID();
          const o = await attempt("POST", "/api/v1/orders", {
            token: buyers[b]!.token,
            body: { hold_id: rec.holdId },
            headers: { "Idempotency-Key": rec.idempotencyKey },
          });
          if (!o) rec.orderLost = true;
          if (o?.status !== 201) return;
          rec.orderId = o.body.order_id;
          rec.paymentId = o.body.payment.payment_id;
          ready.push(rec);
        }),
      );
      for (const rec of ready) {
        rec.pay = "succeed";
        rec.endRequestedAt = Date.now();
        void attempt("POST", `/api/v1/test-gateway/payments/${rec.paymentId}/succeed`).then((p) => {
          if (!p) rec.payLost = true;
          else if (p.status === 200) {
            rec.payAcked = true;
            rec.payAnswer = p.body.webhook;
          }
        });
      }
      // Into the fulfilments (seats confirmed, captured, tickets signed and written): watch D1
      // and crash the moment an order is captured without its tickets, or at a random moment.
      const db = new DatabaseSync(d1File(sys.persistDir), { readOnly: true });
      try {
        const between = db.prepare(
          `SELECT o.id FROM orders o ${CAPTURED_WITHOUT_TICKETS} LIMIT 1`,
        );
        const until = Date.now() + 200 + Math.random() * 2_000;
        while (Date.now() < until) {
          if (between.get()) return;
          await sleep(1);
        }
      } finally {
        db.close();
      }
    }

    const load = Array.from({ length: WORKERS }, buyerLoop);
    // Every other crash follows a burst of payments; past the 10th, more of those until one
    // has caught an order between capture and tickets (at most MAX_CRASHES in all).
    for (let crash = 1; crash <= CRASHES || (caughtBetweenCaptureAndTickets.size === 0 && crash <= MAX_CRASHES); crash++) {
      // A random moment: somewhere between just started and a few seconds into the load.
      await sleep(300 + Math.random() * 3_000);
      if (crash % 2 === 0 || crash > CRASHES) await payBurst();
      up = false;
      await sys.crash();
      // Between capture and tickets? The runtime is down, so D1 is exactly what it left.
      withD1(sys.persistDir, (db) => {
        const rows = db
          .prepare(
            `SELECT o.id FROM orders o ${CAPTURED_WITHOUT_TICKETS}`,
          )
          .all() as { id: string }[];
        for (const r of rows) caughtBetweenCaptureAndTickets.add(r.id);
      });
      const t0 = Date.now();
      await sys.start();
      restartMs.push(Date.now() - t0);
      up = true;
      console.log(`crash ${crash}: restarted in ${Date.now() - t0} ms; ${holds.length} holds so far, ${caughtBetweenCaptureAndTickets.size} caught between capture and tickets`);
    }
    // A little load after the last restart, then quiet.
    await sleep(2_000);
    stopLoad = true;
    await Promise.all(load);
    const lastRestartAt = Date.now();

    // Answers lost in a crash: ask again now that the runtime is up.
    const lostPayments = { redelivered: 0, webhookLost: 0, deliveredBeforeCrash: 0, other: [] as unknown[] };
    for (const rec of holds.filter((h) => h.payLost)) {
      const p = await api.call("POST", `/api/v1/test-gateway/payments/${rec.paymentId}/${rec.pay}`);
      if (p.status === 200) {
        rec.payAcked = true;
        rec.payAnswer = p.body.webhook;
        lostPayments.redelivered++;
      } else if (p.status === 409 && p.body?.error?.details?.status === (rec.pay === "succeed" ? "requires_capture" : "requires_payment_method")) {
        // The provider moved the payment, then died before delivering its webhook, and it will
        // not deliver it again (the local provider has no outbox yet).
        lostPayments.webhookLost++;
      } else if (p.status === 409 && ["succeeded", "canceled"].includes(p.body?.error?.details?.status)) {
        // Delivered and handled before the crash (captured, or voided because the hold lapsed).
        lostPayments.deliveredBeforeCrash++;
      } else lostPayments.other.push({ status: p.status, body: p.body });
    }

    // The local provider delivers its webhooks from an outbox until acknowledged: an answer
    // lost in a crash is never a payment stuck without its event.
    expect(lostPayments.webhookLost, "payments moved without their webhook").toBe(0);
    expect(lostPayments.other).toEqual([]);

    // One TTL after the last restart, and past every acknowledged hold's expiry.
    const lastExpiry = Math.max(...holds.map((h) => h.expiresAt));
    await sleep(Math.max(lastRestartAt + TTL_SECONDS * 1000, lastExpiry) + 3_000 - Date.now());

    const summary = {
      requests: counts.requests,
      answers_lost: counts.lost,
      holds_acknowledged: holds.length,
      holds_refused: counts.holdsRefused,
      orders_acknowledged: holds.filter((h) => h.orderId).length,
      order_answers_lost: holds.filter((h) => h.orderLost).length,
      payments_acknowledged: holds.filter((h) => h.payAcked).length,
      payment_answers_lost: lostPayments,
      caught_between_capture_and_tickets: caughtBetweenCaptureAndTickets.size,
      restart_ms: restartMs,
    };
    console.log("crash test:", JSON.stringify(summary));
    expect(holds.length).toBeGreaterThan(50);
    // The saga's recovery below is only proven if a crash really fell between capture and tickets.
    expect(caughtBetweenCaptureAndTickets.size).toBeGreaterThan(0);

    // sold + held + available = capacity, nothing held any more: every hold ended by its TTL
    // although the runtime may have dropped its alarms.
    const stats = await api.ok(200, "GET", `/api/v1/admin/events/${eventId}/stats`, { token: organizer.token });
    for (const s of stats.sections as { key: string; capacity: number; available: number; held: number; sold: number }[]) {
      expect(s.capacity, s.key).toBe(capacity[s.key]);
      expect(s.sold + s.held + s.available, s.key).toBe(s.capacity);
      expect(s.held, `${s.key}: holds outlived their TTL`).toBe(0);
    }
    const seatMap = await api.ok(200, "GET", `/api/v1/events/${eventId}/seats`);
    for (const s of seatMap.sections as { key: string; seats?: { seat_id: string; status: string }[] }[]) {
      for (const seat of s.seats ?? []) expect(seat.status, seat.seat_id).not.toBe("held");
    }
    for (const h of holds) {
      const now = await api.call("GET", `/api/v1/holds/${h.holdId}`, { token: buyers[h.buyer]!.token });
      if (now.status === 200) expect(now.body.status, h.holdId).not.toBe("held");
    }

    // Orders whose answer a crash lost: the same Idempotency-Key gives the first answer (the
    // key's outcome is written with the order), or, if the order was never written, a fresh
    // attempt that now finds the hold expired. Never a key stuck in progress or "already ordered".
    const orderRetries: { rec: HoldRecord; status: number; code?: string; orderId?: string }[] = [];
    for (const rec of holds.filter((h) => h.orderLost)) {
      const o = await api.call("POST", "/api/v1/orders", {
        token: buyers[rec.buyer]!.token,
        body: { hold_id: rec.holdId },
        headers: { "Idempotency-Key": rec.idempotencyKey! },
      });
      orderRetries.push({ rec, status: o.status, code: o.body?.error?.code, orderId: o.body?.order_id });
    }
    console.log("crash test: lost orders retried:", JSON.stringify(orderRetries.map((r) => r.code ?? r.status)));

    // Ground truth in D1 (read with the runtime stopped, so nothing moves under the checks).
    await sys.crash();
    const truth = withD1(sys.persistDir, (db) => ({
      validTickets: db
        .prepare("SELECT section_key, seat_label, order_id FROM tickets WHERE event_id = ? AND status = 'valid'")
        .all(eventId) as { section_key: string; seat_label: string | null; order_id: string }[],
      orders: db
        .prepare(
          `SELECT o.id, o.hold_id, o.status, o.payment_id, o.captured_at,
                  (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS items,
                  (SELECT count(*) FROM tickets t WHERE t.order_id = o.id AND t.status = 'valid') AS tickets
             FROM orders o WHERE o.event_id = ?`,
        )
        .all(eventId) as { id: string; hold_id: string; status: string; payment_id: string | null; captured_at: string | null; items: number; tickets: number }[],
      captured: db.prepare("SELECT id FROM local_payments WHERE status = 'succeeded'").all() as { id: string }[],
    }));
    await sys.start();

    // No seat sold twice; the inventory's sold counts are the valid tickets.
    const labels = truth.validTickets.filter((t) => t.seat_label).map((t) => t.seat_label!);
    expect(labels.length, "a reserved seat has two valid tickets").toBe(new Set(labels).size);
    for (const s of stats.sections as { key: string; sold: number }[]) {
      expect(truth.validTickets.filter((t) => t.section_key === s.key).length, `${s.key}: sold vs valid tickets`).toBe(s.sold);
    }
    const soldSeats = new Set(labels);
    for (const s of seatMap.sections as { seats?: { seat_id: string; status: string }[] }[]) {
      for (const seat of s.seats ?? []) expect(seat.status === "sold", seat.seat_id).toBe(soldSeats.has(seat.seat_id));
    }

    const orderOfHold = new Map(truth.orders.map((o) => [o.hold_id, o.id]));
    for (const r of orderRetries) {
      if (r.status === 201) expect(r.orderId, `retried order of ${r.rec.holdId}`).toBe(orderOfHold.get(r.rec.holdId));
      else {
        expect([r.status, r.code], `retried order of ${r.rec.holdId}`).toEqual([409, "hold_expired"]);
        expect(orderOfHold.has(r.rec.holdId), `${r.rec.holdId} has an order its key did not return`).toBe(false);
      }
    }

    // Every acknowledged paid order is there with its tickets, for the seats it held.
    const ordersById = new Map(truth.orders.map((o) => [o.id, o]));
    let paidAcked = 0;
    for (const h of holds.filter((x) => x.payAcked && x.pay === "succeed")) {
      const o = await api.ok(200, "GET", `/api/v1/orders/${h.orderId}`, { token: buyers[h.buyer]!.token });
      if (o.status !== "paid") {
        // Acknowledged, but the hold had lapsed first: then no money was taken.
        expect(o.status, `${h.orderId} acknowledged as paid: ${JSON.stringify(h.payAnswer)}`).toBe("failed");
        expect(ordersById.get(h.orderId!)?.captured_at ?? null).toBeNull();
        continue;
      }
      paidAcked++;
      expect(o.tickets.length, h.orderId).toBe(h.quantity);
      const seats = (o.tickets as { seat_label: string | null; status: string }[]).map((t) => t.seat_label).filter(Boolean).sort();
      expect(seats).toEqual([...h.seats].sort());
      for (const t of o.tickets) expect(t.status).toBe("valid");
    }
    expect(paidAcked).toBeGreaterThan(10);

    // The saga's recovery: no charged buyer without tickets, whatever moment the crash hit.
    const byPayment = new Map(truth.orders.filter((o) => o.payment_id).map((o) => [o.payment_id!, o]));
    for (const { id } of truth.captured) {
      const o = byPayment.get(id);
      if (!o) continue; // another test's event in the same database
      expect(o.status, `captured payment ${id}`).toBe("paid");
      expect(o.tickets, `captured payment ${id}: tickets`).toBe(o.items);
    }
    for (const id of caughtBetweenCaptureAndTickets) {
      const o = ordersById.get(id)!;
      expect([o.status, o.tickets], `order ${id} was caught between capture and tickets`).toEqual(["paid", o.items]);
    }

    // No seat held twice: two acknowledged holds on one seat may only overlap in time when the
    // first had been ended early by a request (a decline) sent before the second was answered.
    const bySeat = new Map<string, HoldRecord[]>();
    for (const h of holds) for (const s of h.seats) bySeat.set(s, [...(bySeat.get(s) ?? []), h]);
    for (const [seat, hs] of bySeat) {
      hs.sort((a, b) => a.ackedAt - b.ackedAt);
      for (let i = 1; i < hs.length; i++) {
        const prev = hs[i - 1]!;
        const cur = hs[i]!;
        const prevEnd = Math.min(prev.expiresAt, prev.endRequestedAt ?? Infinity);
        const soldToPrev = prev.orderId && ordersById.get(prev.orderId)?.status === "paid";
        expect(soldToPrev, `${seat} sold by ${prev.holdId}, then held by ${cur.holdId}`).toBeFalsy();
        expect(cur.ackedAt, `${seat} held by ${prev.holdId} and ${cur.holdId} at once`).toBeGreaterThanOrEqual(prevEnd);
      }
    }
  });
});
