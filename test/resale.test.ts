import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { ledgerOfHold } from "../src/durable-objects/buyer-ledger-handle";
import { backdateHold } from "./support/inventory-fixtures";
import { gateway, getOrder, order as placeOrder, paidOrder, pendingOrder, sectionSnapshot } from "./support/checkout";
import { publishedEvent, signupBuyer, uniqueEmail, type PublishedEvent, type User } from "./support/fixtures";
import { call } from "./support/http";
import { enrolGate, resaleState, scan, seatViolations } from "./support/resale";

const list = (u: User, ticketId: string, price: number) => call("POST", `/api/v1/tickets/${ticketId}/resale`, { token: u.token, body: { price_cents: price } });
const holdListing = (u: User, listingId: string) => call("POST", `/api/v1/resale/${listingId}/holds`, { token: u.token });
const withdraw = (u: User, listingId: string) => call("DELETE", `/api/v1/resale/${listingId}`, { token: u.token });
const forSale = async (ev: PublishedEvent) => (await call("GET", `/api/v1/events/${ev.eventId}/resale`)).body.listings as any[];
const transfer = (u: User, ticketId: string) => call("POST", `/api/v1/tickets/${ticketId}/transfer`, { token: u.token, body: { to_email: uniqueEmail() } });

/** A seller with a paid ticket for `seat` (5000 cents, tier standard) and that ticket listed at `price`. */
async function listed(ev: PublishedEvent, seat: string, price = 4500) {
  const seller = await signupBuyer();
  const bought = await paidOrder(ev, seller, { seats: [seat] });
  const res = await list(seller, bought.paid.tickets[0].ticket_id, price);
  if (res.status !== 201) throw new Error(`list: ${res.status} ${JSON.stringify(res.body)}`);
  return { seller, sellerOrder: bought.order.order_id, ticket: bought.paid.tickets[0], listing: res.body };
}

/** Holds a listing, orders it and pays; returns the order id (and the payment call's status). */
async function buy(buyer: User, listingId: string) {
  const h = await holdListing(buyer, listingId);
  if (h.status !== 201) throw new Error(`hold: ${h.status} ${JSON.stringify(h.body)}`);
  const o = await placeOrder(buyer, h.body.hold_id);
  if (o.status !== 201) throw new Error(`order: ${o.status} ${JSON.stringify(o.body)}`);
  return { hold: h.body, order: o.body };
}

const ticketStatus = async (id: string) =>
  (await env.DB.prepare("SELECT status FROM tickets WHERE id = ?").bind(id).first<{ status: string }>())?.status;

describe("face-value resale", () => {
  it("lists at most at face value, sells through hold, order and capture, and reissues the ticket", async ({ expect }) => {
    const ev = await publishedEvent();
    const seller = await signupBuyer();
    const bought = await paidOrder(ev, seller, { seats: ["R-A-1"] });
    const ticket = bought.paid.tickets[0];
    const tooMuch = await list(seller, ticket.ticket_id, 5001);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error).toMatchObject({ code: "price_above_face_value", details: { max_price_cents: 5000 } });
    const res = await list(seller, ticket.ticket_id, 4500);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ticket_id: ticket.ticket_id, event_id: ev.eventId, section: "R", seat_label: "R-A-1", price_cents: 4500, status: "listed" });
    const listingId = res.body.listing_id;
    expect((await forSale(ev)).map((l) => [l.listing_id, l.price_cents, l.status])).toEqual([[listingId, 4500, "listed"]]);
    // Listed: still gets in, but cannot be listed again or transferred.
    expect((await list(seller, ticket.ticket_id, 100)).body.error.code).toBe("ticket_locked");
    expect((await transfer(seller, ticket.ticket_id)).body.error.code).toBe("ticket_locked");

    const buyer = await signupBuyer();
    const other = await signupBuyer();
    const h = await holdListing(buyer, listingId);
    expect(h.status).toBe(201);
    expect(h.body).toMatchObject({ event_id: ev.eventId, total_cents: 4500, seats: ["R-A-1"], quantity: 1, status: "held", listing_id: listingId });
    expect(Date.parse(h.body.expires_at)).toBeGreaterThan(Date.now());
    expect((await call("GET", `/api/v1/holds/${h.body.hold_id}`, { token: buyer.token })).body).toMatchObject({ hold_id: h.body.hold_id, total_cents: 4500 });
    // Held: nobody else, and the seller can neither withdraw, transfer nor relist.
    const taken = await holdListing(other, listingId);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("listing_unavailable");
    expect((await withdraw(seller, listingId)).body.error.code).toBe("listing_unavailable");
    expect((await transfer(seller, ticket.ticket_id)).body.error.code).toBe("ticket_locked");
    expect((await list(seller, ticket.ticket_id, 100)).body.error.code).toBe("ticket_locked");
    expect(await forSale(ev)).toEqual([]);
    // No promo codes on a resale.
    const promo = await placeOrder(buyer, h.body.hold_id, { promo: "ANY" });
    expect(promo.status).toBe(422);

    const o = await placeOrder(buyer, h.body.hold_id);
    expect(o.status).toBe(201);
    expect(o.body.amount_cents).toBe(4500);
    expect((await gateway(o.body.payment.payment_id, "succeed")).status).toBe(200);
    const paid = (await getOrder(buyer, o.body.order_id)).body;
    expect(paid.status).toBe("paid");
    expect(paid.tickets).toHaveLength(1);
    expect(paid.tickets[0]).toMatchObject({ seat_label: "R-A-1", status: "valid" });
    expect(paid.tickets[0].ticket_id).not.toBe(ticket.ticket_id);
    expect(await ticketStatus(ticket.ticket_id)).toBe("revoked");
    const sellerOrder = (await getOrder(seller, bought.order.order_id)).body;
    expect(sellerOrder.resold_cents).toBe(4500);
    expect((await call("GET", "/api/v1/me/resale", { token: seller.token })).body.listings[0]).toMatchObject({ listing_id: listingId, status: "sold" });
    // The buyer's new ticket may be resold at what the buyer paid.
    expect((await list(buyer, paid.tickets[0].ticket_id, 4501)).body.error.details.max_price_cents).toBe(4500);
    expect(await seatViolations(ev.eventId)).toEqual([]);
    // The seat itself never went back to general sale.
    expect((await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-A-1")?.status).toBe("sold");
  });

  it("face value is what was paid after discounts", async ({ expect }) => {
    const ev = await publishedEvent();
    const promo = await call("POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, { token: ev.organizerToken, body: { code: "TWENTY", percent_off: 20 } });
    expect(promo.status).toBe(201);
    const seller = await signupBuyer();
    const p = await pendingOrder(ev, seller, { seats: ["R-A-2", "R-A-3"] }, "TWENTY");
    await gateway(p.order.payment.payment_id, "succeed");
    const tickets = (await getOrder(seller, p.order.order_id)).body.tickets;
    const res = await list(seller, tickets[0].ticket_id, 4001);
    expect(res.body.error.details.max_price_cents).toBe(4000);
    expect((await list(seller, tickets[0].ticket_id, 4000)).status).toBe(201);
  });

  it("an unpaid hold lapses and the listing is listed again; a released hold frees it at once", async ({ expect }) => {
    const ev = await publishedEvent();
    const { listing } = await listed(ev, "R-B-1");
    const [b1, b2, b3] = await Promise.all([signupBuyer(), signupBuyer(), signupBuyer()]);
    const h1 = (await holdListing(b1, listing.listing_id)).body;
    // Time passes: the ledger's hold and the listing's hold both reach their expiry.
    await backdateHold(ledgerOfHold(env, h1.hold_id, b1.userId)!, h1.hold_id);
    await env.DB.prepare("UPDATE resale_listings SET hold_expires_at = ? WHERE id = ?").bind(Date.now() - 1, listing.listing_id).run();
    expect((await forSale(ev)).map((l) => [l.listing_id, l.status])).toEqual([[listing.listing_id, "listed"]]);
    expect((await call("GET", `/api/v1/holds/${h1.hold_id}`, { token: b1.token })).status).toBe(404);
    expect((await placeOrder(b1, h1.hold_id)).status).toBe(409);
    const h2 = await holdListing(b2, listing.listing_id);
    expect(h2.status).toBe(201);
    expect((await call("DELETE", `/api/v1/holds/${h2.body.hold_id}`, { token: b2.token })).status).toBe(200);
    expect((await holdListing(b3, listing.listing_id)).status).toBe(201);
  });

  it("counts toward max_tickets_per_user", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { max_tickets_per_user: 1 } });
    const { listing } = await listed(ev, "R-A-1");
    const buyer = await signupBuyer();
    await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    const res = await holdListing(buyer, listing.listing_id);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("limit_exceeded");
    expect((await forSale(ev)).map((l) => l.listing_id)).toEqual([listing.listing_id]);
  });

  it("a refund of the resale order puts the listing back (with a reissued seller ticket), not the seat on general sale", async ({ expect }) => {
    const ev = await publishedEvent();
    const { seller, sellerOrder, listing, ticket } = await listed(ev, "R-A-4", 3000);
    const buyer = await signupBuyer();
    const { order } = await buy(buyer, listing.listing_id);
    await gateway(order.payment.payment_id, "succeed");
    const res = await call("POST", `/api/v1/admin/orders/${order.order_id}/refund`, { token: ev.organizerToken });
    expect(res.status).toBe(200);
    expect(res.body.tickets.map((t: any) => t.status)).toEqual(["revoked"]);
    const again = await forSale(ev);
    expect(again.map((l) => [l.listing_id, l.status, l.price_cents])).toEqual([[listing.listing_id, "listed", 3000]]);
    const sellerView = (await getOrder(seller, sellerOrder)).body;
    expect(sellerView.resold_cents).toBe(0);
    const mine = (await call("GET", "/api/v1/me/tickets", { token: seller.token })).body.tickets;
    const fresh = mine.find((t: any) => t.status === "valid");
    expect(fresh).toMatchObject({ seat_label: "R-A-4" });
    expect(fresh.ticket_id).not.toBe(ticket.ticket_id);
    expect((await sectionSnapshot(ev.eventId, "R")).seats!.find((s) => s.label === "R-A-4")?.status).toBe("sold");
    expect(await seatViolations(ev.eventId)).toEqual([]);
    // Sold again to someone else.
    const second = await signupBuyer();
    const b = await buy(second, listing.listing_id);
    await gateway(b.order.payment.payment_id, "succeed");
    expect((await getOrder(second, b.order.order_id)).body.tickets[0]).toMatchObject({ seat_label: "R-A-4", status: "valid" });
    expect(await ticketStatus(fresh.ticket_id)).toBe("revoked");
    expect((await getOrder(seller, sellerOrder)).body.resold_cents).toBe(3000);
    expect(await seatViolations(ev.eventId)).toEqual([]);
  });

  it("an event cancelled after a resale refunds both orders and relists nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const { listing } = await listed(ev, "R-B-5", 2000);
    const buyer = await signupBuyer();
    const { order } = await buy(buyer, listing.listing_id);
    await gateway(order.payment.payment_id, "succeed");
    expect((await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken })).status).toBe(200);
    const valid = await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE event_id = ? AND status = 'valid'").bind(ev.eventId).first<{ n: number }>();
    expect(valid?.n).toBe(0);
    const row = await env.DB.prepare("SELECT status FROM resale_listings WHERE id = ?").bind(listing.listing_id).first<{ status: string }>();
    expect(row?.status).toBe("withdrawn");
  });

  it("a listed ticket used at the gate cannot be held; once checked in it cannot be listed", async ({ expect }) => {
    const ev = await publishedEvent();
    const { listing, ticket, seller } = await listed(ev, "R-A-5");
    const dev = await enrolGate(ev);
    await scan(ev, dev, ticket.ticket_id);
    expect((await holdListing(await signupBuyer(), listing.listing_id)).body.error.code).toBe("listing_unavailable");
    expect(await forSale(ev)).toEqual([]);
    expect((await withdraw(seller, listing.listing_id)).status).toBe(200);
    expect((await list(seller, ticket.ticket_id, 100)).body.error.code).toBe("ticket_not_valid");
  });

  it("bad input on every route: the contract's error shape and nothing changed", async ({ expect }) => {
    const ev = await publishedEvent();
    const { seller, listing, ticket } = await listed(ev, "R-B-2");
    const other = await signupBuyer();
    const before = await resaleState(ev.eventId);
    const cases: [string, string, { token?: string; body?: unknown; rawBody?: string }, number, string][] = [
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/resale`, { body: { price_cents: 10 } }, 401, "unauthenticated"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/resale`, { token: seller.token, body: { price_cents: 0 } }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/resale`, { token: seller.token, body: { price_cents: 10.5 } }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/resale`, { token: seller.token, body: { price_cents: "10" } }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/resale`, { token: seller.token, body: {} }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/resale`, { token: seller.token, rawBody: "[" }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/resale`, { token: other.token, body: { price_cents: 10 } }, 404, "not_found"],
      ["POST", `/api/v1/tickets/tkt_nope/resale`, { token: seller.token, body: { price_cents: 10 } }, 404, "not_found"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/resale`, { token: seller.token, body: { price_cents: 10 } }, 409, "ticket_locked"],
      ["GET", `/api/v1/events/evt_nope/resale`, {}, 404, "not_found"],
      ["GET", `/api/v1/events/evt_00000000000000000000/resale`, {}, 404, "not_found"],
      ["DELETE", `/api/v1/resale/${listing.listing_id}`, {}, 401, "unauthenticated"],
      ["DELETE", `/api/v1/resale/${listing.listing_id}`, { token: other.token }, 404, "not_found"],
      ["DELETE", `/api/v1/resale/lst_nope`, { token: seller.token }, 404, "not_found"],
      ["POST", `/api/v1/resale/${listing.listing_id}/holds`, {}, 401, "unauthenticated"],
      ["POST", `/api/v1/resale/lst_nope/holds`, { token: other.token }, 404, "not_found"],
      ["POST", `/api/v1/resale/lst_00000000000000000000/holds`, { token: other.token }, 404, "not_found"],
      ["POST", `/api/v1/resale/${listing.listing_id}/holds`, { token: seller.token }, 422, "own_listing"],
      ["GET", `/api/v1/me/resale`, {}, 401, "unauthenticated"],
    ];
    for (const [method, path, opts, status, code] of cases) {
      const res = await call(method, path, opts);
      expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, status, code]);
      expect(typeof res.body.error.message).toBe("string");
    }
    expect(await resaleState(ev.eventId)).toEqual(before);
  });
});

describe("resale races (real concurrency)", () => {
  it("many buyers on one listing: exactly one hold", async ({ expect }) => {
    const ev = await publishedEvent();
    const { listing } = await listed(ev, "R-A-1");
    const buyers = await Promise.all(Array.from({ length: 20 }, () => signupBuyer()));
    const res = await Promise.all(buyers.map((b) => holdListing(b, listing.listing_id)));
    expect(res.filter((r) => r.status === 201)).toHaveLength(1);
    expect(res.filter((r) => r.status === 409 && r.body.error.code === "listing_unavailable")).toHaveLength(19);
  });

  it("the seller withdraws, transfers or the ticket is scanned while a buyer pays: at most one wins, one valid ticket per seat", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 10 }, { label: "B", seats: 10 }], gaCapacity: 0 });
    const dev = await enrolGate(ev);
    const seats = Array.from({ length: 9 }, (_, i) => `R-A-${i + 1}`);
    const setups = await Promise.all(seats.map((s) => listed(ev, s)));
    const buyers = await Promise.all(seats.map(() => signupBuyer()));
    const orders = await Promise.all(setups.map((s, i) => buy(buyers[i]!, s.listing.listing_id)));
    const outcomes = await Promise.all(
      setups.map(async (s, i) => {
        const pay = gateway(orders[i]!.order.payment.payment_id, "succeed");
        const rival =
          i % 3 === 0 ? withdraw(s.seller, s.listing.listing_id) : i % 3 === 1 ? transfer(s.seller, s.ticket.ticket_id) : scan(ev, dev, s.ticket.ticket_id);
        const [p, r] = await Promise.all([pay, rival]);
        const o = (await getOrder(buyers[i]!, orders[i]!.order.order_id)).body;
        return { kind: i % 3, pay: p.status, rival: r.status, order: o.status, sellerTicket: await ticketStatus(s.ticket.ticket_id) };
      }),
    );
    for (const o of outcomes) {
      if (o.kind === 2) {
        // A scan is never refused (the gate is offline-first); the sale loses if the scan came first.
        expect(["paid", "failed"]).toContain(o.order);
        expect(o.sellerTicket).toBe(o.order === "paid" ? "revoked" : "checked_in");
      } else {
        // Withdraw and transfer are refused once the hold exists: the sale always wins.
        expect(o.rival).toBe(409);
        expect(o.order).toBe("paid");
        expect(o.sellerTicket).toBe("revoked");
      }
    }
    expect(await seatViolations(ev.eventId)).toEqual([]);
  }, 120_000);

  it("hundreds of concurrent actions: every seat in at most one valid ticket, every listing consistent", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 10 }, { label: "B", seats: 10 }], gaCapacity: 0, overrides: { max_tickets_per_user: 50 } });
    const dev = await enrolGate(ev);
    const sellers = await Promise.all(Array.from({ length: 4 }, () => signupBuyer()));
    const all = Array.from({ length: 20 }, (_, i) => `R-${i < 10 ? "A" : "B"}-${(i % 10) + 1}`);
    const bought = await Promise.all(sellers.map((s, k) => paidOrder(ev, s, { seats: all.slice(k * 5, k * 5 + 5) })));
    const tickets = bought.flatMap((b, k) => b.paid.tickets.map((t: any) => ({ seller: sellers[k]!, ticket: t })));
    const listings = (await Promise.all(tickets.map((t) => list(t.seller, t.ticket.ticket_id, 4000)))).map((r) => r.body);
    const buyers = await Promise.all(Array.from({ length: 10 }, () => signupBuyer()));

    // Round 1: every buyer tries every listing at once (200 holds), while sellers withdraw some and gates scan some.
    const actions: Promise<unknown>[] = [];
    for (const b of buyers) for (const l of listings) actions.push(holdListing(b, l.listing_id));
    listings.forEach((l, i) => {
      if (i % 5 === 0) actions.push(withdraw(tickets[i]!.seller, l.listing_id));
      if (i % 7 === 0) actions.push(scan(ev, dev, tickets[i]!.ticket.ticket_id));
    });
    const results = (await Promise.all(actions)) as { status: number; body: any }[];
    const holds = results.slice(0, buyers.length * listings.length).map((r, j) => ({ r, buyer: buyers[Math.floor(j / listings.length)]! }));
    const won = holds.filter((h) => h.r.status === 201);
    expect(won.length).toBeGreaterThanOrEqual(10);
    // At most one hold per listing.
    const perListing = new Map<string, number>();
    for (const h of won) perListing.set(h.r.body.listing_id, (perListing.get(h.r.body.listing_id) ?? 0) + 1);
    for (const n of perListing.values()) expect(n).toBe(1);
    for (const h of holds) if (h.r.status !== 201) expect(h.r.status).toBe(409);

    // Round 2: every winner orders and pays while the sellers try to withdraw and transfer, and gates scan.
    const round2 = await Promise.all(
      won.map(async (h, i) => {
        const o = await placeOrder(h.buyer, h.r.body.hold_id);
        if (o.status !== 201) return;
        const l = listings.find((x) => x.listing_id === h.r.body.listing_id)!;
        const t = tickets.find((x) => x.ticket.ticket_id === l.ticket_id)!;
        await Promise.all([
          gateway(o.body.payment.payment_id, "succeed"),
          withdraw(t.seller, l.listing_id),
          transfer(t.seller, t.ticket.ticket_id),
          ...(i % 4 === 0 ? [scan(ev, dev, t.ticket.ticket_id)] : []),
        ]);
      }),
    );
    expect(round2).toHaveLength(won.length);
    expect(await seatViolations(ev.eventId)).toEqual([]);
    // Every listing's end state agrees with its tickets.
    const rows = await env.DB.prepare(
      `SELECT l.status, l.ticket_id, t.status AS ticket_status, o.status AS order_status FROM resale_listings l
       JOIN tickets t ON t.id = l.ticket_id LEFT JOIN orders o ON o.id = l.buyer_order_id WHERE l.event_id = ?`,
    )
      .bind(ev.eventId)
      .all<{ status: string; ticket_status: string; order_status: string | null }>();
    for (const r of rows.results) {
      if (r.status === "sold") {
        expect(r.ticket_status).toBe("revoked");
        expect(r.order_status).toBe("paid");
      } else expect(r.ticket_status).not.toBe("revoked");
    }
    // Every seat still has exactly one valid or checked-in ticket (none lost, none doubled).
    const live = await env.DB.prepare("SELECT count(DISTINCT seat_label) AS seats, count(*) AS n FROM tickets WHERE event_id = ? AND status IN ('valid', 'checked_in')")
      .bind(ev.eventId)
      .first<{ seats: number; n: number }>();
    expect(live).toEqual({ seats: 20, n: 20 });
  }, 180_000);
});
