/**
 * Buyer ledgers sharded inside the event, through the app: the per-user limit under racing holds
 * when a shard keeps many buyers, owners only (another buyer's hold in the same shard is a 404
 * everywhere), and the whole checkout on both layouts: sharded (new events) and one ledger per
 * buyer (events made before sharding, `ledger_shards = 0`, 40-character hold ids).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { ledgerObjectName, ledgerShardName, ledgerShardOf, parseHoldId } from "../src/shared/inventory/hold-id";
import { createEvent, createVenue, eventBody, publishEvent, publishedEvent, signupBuyer, signupOrganizer, type User } from "./support/fixtures";
import { call } from "./support/http";
import { gateway, getOrder, invariantViolations, localPayment, order, sectionSnapshot } from "./support/checkout";

const holdsPath = (eventId: string) => `/api/v1/events/${eventId}/holds`;

/** Buyers signed up until `n` of them land in one shard of `shards`. */
async function buyersSharingAShard(n: number, shards: number): Promise<{ shard: number; buyers: User[] }> {
  const byShard = new Map<number, User[]>();
  for (;;) {
    const b = await signupBuyer();
    const shard = ledgerShardOf(b.userId, shards);
    const group = [...(byShard.get(shard) ?? []), b];
    if (group.length === n) return { shard, buyers: group };
    byShard.set(shard, group);
  }
}

/** The ledger rows of an object, by name. */
const ledgerRows = (name: string) =>
  runInDurableObject(env.BUYER_LEDGER.getByName(name), (_i, state) =>
    state.storage.sql.exec<{ hold_id: string; user_id: string; status: string }>("SELECT hold_id, user_id, status FROM holds").toArray(),
  );

describe("sharded ledgers: the per-user limit", () => {
  it("racing holds of one buyer never exceed max_tickets_per_user", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 200, overrides: { max_tickets_per_user: 5 } });
    expect(await env.DB.prepare("SELECT ledger_shards AS n FROM events WHERE id = ?").bind(ev.eventId).first("n")).toBe(64);
    const buyer = await signupBuyer();
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        call("POST", holdsPath(ev.eventId), { token: buyer.token, body: { section: "GA", quantity: i % 3 === 0 ? 2 : 1 } }),
      ),
    );
    const won = results.filter((r) => r.status === 201);
    for (const r of results) if (r.status !== 201) expect(r.body.error.code).toBe("limit_exceeded");
    const held = won.reduce((n, r) => n + (r.body.quantity as number), 0);
    expect(held).toBeLessThanOrEqual(5);
    expect(held).toBeGreaterThanOrEqual(4); // a 2-ticket request may leave one unused
    expect((await sectionSnapshot(ev.eventId, "GA")).held).toBe(held);
    // Every hold names the buyer's shard, and its row is there.
    const shard = ledgerShardOf(buyer.userId, 64);
    for (const r of won) expect(parseHoldId(r.body.hold_id)).toEqual({ eventId: ev.eventId, shard });
    const rows = await ledgerRows(ledgerShardName(ev.eventId, shard));
    expect(rows.filter((r) => r.status === "held").map((r) => r.hold_id).sort()).toEqual(won.map((r) => r.body.hold_id).sort());
  });

  it("buyers who share a shard, holding at once, each get their own quota", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 500, overrides: { max_tickets_per_user: 3 }, ledgerShards: 8 });
    const { shard, buyers } = await buyersSharingAShard(4, 8);
    const attempts = buyers.flatMap((b) =>
      Array.from({ length: 8 }, () => call("POST", holdsPath(ev.eventId), { token: b.token, body: { section: "GA", quantity: 1 } }).then((r) => ({ b, r }))),
    );
    const results = await Promise.all(attempts);
    for (const b of buyers) {
      const mine = results.filter((x) => x.b === b);
      expect(mine.filter((x) => x.r.status === 201)).toHaveLength(3);
      for (const x of mine) if (x.r.status !== 201) expect(x.r.body.error).toMatchObject({ code: "limit_exceeded" });
    }
    expect((await sectionSnapshot(ev.eventId, "GA")).held).toBe(12);
    const rows = await ledgerRows(ledgerShardName(ev.eventId, shard));
    for (const b of buyers) expect(rows.filter((r) => r.user_id === b.userId && r.status === "held")).toHaveLength(3);
  });
});

describe("sharded ledgers: owners only", () => {
  it("another buyer in the same shard gets 404 for GET and DELETE of the hold and for an order of it", async ({ expect }) => {
    const ev = await publishedEvent({ ledgerShards: 4 });
    const { buyers } = await buyersSharingAShard(2, 4);
    const [owner, other] = buyers as [User, User];
    const h = await call("POST", holdsPath(ev.eventId), { token: owner.token, body: { seats: ["R-A-1"] } });
    expect(h.status).toBe(201);
    const holdId = h.body.hold_id as string;

    const get = await call("GET", `/api/v1/holds/${holdId}`, { token: other.token });
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe("not_found");
    const del = await call("DELETE", `/api/v1/holds/${holdId}`, { token: other.token });
    expect(del.status).toBe(404);
    expect(del.body).toEqual(get.body);
    const ord = await order(other, holdId);
    expect(ord.status).toBe(404);
    expect(ord.body.error.code).toBe("not_found");

    // Nothing moved: the owner still has it, can order it, and the seat is held.
    expect((await call("GET", `/api/v1/holds/${holdId}`, { token: owner.token })).body).toMatchObject({ hold_id: holdId, status: "held" });
    expect((await sectionSnapshot(ev.eventId, "R")).held).toBe(1);
    expect((await order(owner, holdId)).status).toBe(201);
  });
});

/** Hold -> order -> pay -> refund through the routes; the quota comes back after the refund. */
async function fullCheckout(ev: Awaited<ReturnType<typeof publishedEvent>>, buyer: User) {
  const h = await call("POST", holdsPath(ev.eventId), { token: buyer.token, body: { items: [{ section: "R", seats: ["R-B-2"] }, { section: "GA", quantity: 1 }] } });
  if (h.status !== 201) throw new Error(`hold: ${h.status} ${JSON.stringify(h.body)}`);
  const holdId = h.body.hold_id as string;
  const placed = await order(buyer, holdId);
  if (placed.status !== 201) throw new Error(`order: ${placed.status} ${JSON.stringify(placed.body)}`);
  const paymentId = placed.body.payment.payment_id as string;
  expect200((await gateway(paymentId, "succeed")).status);
  const paid = (await getOrder(buyer, placed.body.order_id)).body;
  const refund = await call("POST", `/api/v1/admin/orders/${placed.body.order_id}/refund`, { token: ev.organizerToken });
  return { holdId, paid, refund, refunded: (await getOrder(buyer, placed.body.order_id)).body, payment: await localPayment(paymentId) };
}

function expect200(status: number) {
  if (status !== 200) throw new Error(`pay: ${status}`);
}

describe("hold, order, pay and refund on both layouts", () => {
  it("a sharded event: the hold lives in the buyer's shard, and the quota comes back after the refund", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { max_tickets_per_user: 2 } });
    const buyer = await signupBuyer();
    const out = await fullCheckout(ev, buyer);
    expect(out.holdId).toMatch(/^hld_[0-9a-z]{42}$/);
    expect(out.paid).toMatchObject({ status: "paid" });
    expect(out.paid.tickets).toHaveLength(2);
    expect(out.refund.status).toBe(200);
    expect(out.refunded).toMatchObject({ status: "refunded" });
    expect(out.payment?.amount_refunded_cents).toBe(out.payment?.amount_cents);
    const rows = await ledgerRows(ledgerShardName(ev.eventId, ledgerShardOf(buyer.userId, 64)));
    expect(rows).toEqual([{ hold_id: out.holdId, user_id: buyer.userId, status: "returned" }]);
    expect(await ledgerRows(ledgerObjectName(ev.eventId, buyer.userId))).toEqual([]);
    expect(await sectionSnapshot(ev.eventId, "R")).toMatchObject({ sold: 0, held: 0 });
    expect((await call("POST", holdsPath(ev.eventId), { token: buyer.token, body: { section: "GA", quantity: 2 } })).status).toBe(201);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("an event made before sharding (ledger_shards = 0): 40-character hold ids and one ledger per buyer, as before", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { max_tickets_per_user: 2 }, ledgerShards: 0 });
    const buyer = await signupBuyer();
    const out = await fullCheckout(ev, buyer);
    expect(out.holdId).toMatch(/^hld_[0-9a-z]{40}$/);
    expect(parseHoldId(out.holdId)).toEqual({ eventId: ev.eventId, shard: null });
    expect(out.paid).toMatchObject({ status: "paid" });
    expect(out.paid.tickets).toHaveLength(2);
    expect(out.refund.status).toBe(200);
    expect(out.refunded).toMatchObject({ status: "refunded" });
    expect(out.payment?.amount_refunded_cents).toBe(out.payment?.amount_cents);
    expect(await ledgerRows(ledgerObjectName(ev.eventId, buyer.userId))).toEqual([{ hold_id: out.holdId, user_id: buyer.userId, status: "returned" }]);
    expect(await ledgerRows(ledgerShardName(ev.eventId, ledgerShardOf(buyer.userId, 64)))).toEqual([]);
    // Another buyer still cannot see or order it.
    const other = await signupBuyer();
    expect((await call("GET", `/api/v1/holds/${out.holdId}`, { token: other.token })).status).toBe(404);
    expect((await order(other, out.holdId)).status).toBe(404);
    expect((await call("POST", holdsPath(ev.eventId), { token: buyer.token, body: { section: "GA", quantity: 2 } })).status).toBe(201);
    expect(await invariantViolations(ev)).toEqual([]);
  });
});

describe("ledger_shards through the organizer API", () => {
  const storedShards = (eventId: string) => env.DB.prepare("SELECT ledger_shards AS n FROM events WHERE id = ?").bind(eventId).first("n");

  it("an event created with ledger_shards 3 puts every buyer's holds in one of 3 ledger objects", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 100, overrides: { ledger_shards: 3 } });
    expect(ev.event.ledger_shards).toBe(3);
    expect(await storedShards(ev.eventId)).toBe(3);
    const buyers = await Promise.all(Array.from({ length: 9 }, () => signupBuyer()));
    const holds = await Promise.all(
      buyers.map((b) => call("POST", holdsPath(ev.eventId), { token: b.token, body: { section: "GA", quantity: 1 } })),
    );
    const byShard = new Map<number, string[]>();
    holds.forEach((r, i) => {
      expect(r.status).toBe(201);
      const parsed = parseHoldId(r.body.hold_id)!;
      expect(parsed.eventId).toBe(ev.eventId);
      expect(parsed.shard).toBeGreaterThanOrEqual(0);
      expect(parsed.shard).toBeLessThan(3);
      expect(parsed.shard).toBe(ledgerShardOf(buyers[i]!.userId, 3));
      byShard.set(parsed.shard!, [...(byShard.get(parsed.shard!) ?? []), r.body.hold_id]);
    });
    // The ledger objects the holds went to are exactly the 3 shards' (together they keep every hold).
    const stored: string[] = [];
    for (let shard = 0; shard < 3; shard++) {
      const rows = await ledgerRows(ledgerShardName(ev.eventId, shard));
      expect(rows.map((r) => r.hold_id).sort()).toEqual((byShard.get(shard) ?? []).sort());
      stored.push(...rows.map((r) => r.hold_id));
    }
    expect(stored.sort()).toEqual(holds.map((r) => r.body.hold_id).sort());
    // Buyers do not see the setting.
    const pub = await call("GET", `/api/v1/events/${ev.eventId}`);
    expect(pub.status).toBe(200);
    expect(pub.body).not.toHaveProperty("ledger_shards");
  });

  it("an event created without it has 64, shown in the organizer's views", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const created = await createEvent(org.token, venueId);
    expect(created.ledger_shards).toBe(64);
    expect(await storedShards(created.event_id)).toBe(64);
    const one = await call("GET", `/api/v1/admin/events/${created.event_id}`, { token: org.token });
    expect(one.body.ledger_shards).toBe(64);
    const list = await call("GET", "/api/v1/admin/events", { token: org.token });
    expect(list.body.events.map((e: { ledger_shards: number }) => e.ledger_shards)).toEqual([64]);
  });

  it("bad values answer 400 invalid_request on create and on a draft edit, and change nothing", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const draft = await createEvent(org.token, venueId, { ledger_shards: 7 });
    for (const bad of [0, 1025, 2.5, "x", -1, null]) {
      const created = await call("POST", "/api/v1/admin/events", { token: org.token, body: eventBody(venueId, { ledger_shards: bad }) });
      expect(created.status, `create ${JSON.stringify(bad)}`).toBe(400);
      expect(created.body.error.code).toBe("invalid_request");
      expect(JSON.stringify(created.body.error.details)).toContain("ledger_shards");
      const edited = await call("PATCH", `/api/v1/admin/events/${draft.event_id}`, { token: org.token, body: { ledger_shards: bad } });
      expect(edited.status, `edit ${JSON.stringify(bad)}`).toBe(400);
      expect(edited.body.error.code).toBe("invalid_request");
    }
    const list = await call("GET", "/api/v1/admin/events", { token: org.token });
    expect(list.body.events.map((e: { event_id: string }) => e.event_id)).toEqual([draft.event_id]);
    expect(await storedShards(draft.event_id)).toBe(7);
  });

  it("a draft edit may change it; once published it is fixed (409 event_not_draft)", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const draft = await createEvent(org.token, venueId);
    const edited = await call("PATCH", `/api/v1/admin/events/${draft.event_id}`, { token: org.token, body: { ledger_shards: 5 } });
    expect(edited.status).toBe(200);
    expect(edited.body.ledger_shards).toBe(5);
    // An edit of another field keeps it.
    const renamed = await call("PATCH", `/api/v1/admin/events/${draft.event_id}`, { token: org.token, body: { name: "Renamed" } });
    expect(renamed.body.ledger_shards).toBe(5);
    await publishEvent(org.token, draft.event_id);
    const late = await call("PATCH", `/api/v1/admin/events/${draft.event_id}`, { token: org.token, body: { ledger_shards: 2 } });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("event_not_draft");
    expect(await storedShards(draft.event_id)).toBe(5);
  });

  it("a draft made before sharding (0) stays 0 through an edit of other fields", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const draft = await createEvent(org.token, venueId);
    await env.DB.prepare("UPDATE events SET ledger_shards = 0 WHERE id = ?").bind(draft.event_id).run();
    const edited = await call("PATCH", `/api/v1/admin/events/${draft.event_id}`, { token: org.token, body: { name: "Still legacy" } });
    expect(edited.status).toBe(200);
    expect(edited.body.ledger_shards).toBe(0);
    expect(await storedShards(draft.event_id)).toBe(0);
  });
});
