/**
 * The waitlist (contract "Waitlist", README "Waitlist"): the routes and their bad input, the
 * sold-out and one-entry rules, offers when seats come back (release, expiry, refund, a
 * cancelled order), an unpaid offer moving on, the larger-entry rule and its bound, and a real
 * race of browsing holds against a release while buyers wait.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it, vi } from "vitest";
import type { Waitlist } from "../src/durable-objects/waitlist";
import { ledgerOfHold } from "../src/durable-objects/buyer-ledger-handle";
import { waitlistObjectName, WAITLIST_SKIP_SECONDS } from "../src/shared/waitlist";
import { gateway, hold, order, paidOrder, pendingOrder } from "./support/checkout";
import { publishedEvent, signupBuyer, type PublishedEvent, type User } from "./support/fixtures";
import { call } from "./support/http";
import { handleEmailBatch } from "../src/worker/email/confirmation";
import { backdateHold, rawSeats, section } from "./support/inventory-fixtures";

const joinPath = (eventId: string) => `/api/v1/events/${eventId}/waitlist`;
const waitlistStub = (eventId: string) => env.WAITLIST.getByName(waitlistObjectName(eventId));

async function join(ev: PublishedEvent, buyer: User, body: Record<string, unknown>) {
  const res = await call("POST", joinPath(ev.eventId), { token: buyer.token, body });
  if (res.status !== 201) throw new Error(`join: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { entry_id: string; position: number; status: string };
}

async function myEntries(buyer: User) {
  const res = await call("GET", "/api/v1/me/waitlist", { token: buyer.token });
  if (res.status !== 200) throw new Error(`me/waitlist: ${res.status}`);
  return res.body.entries as { entry_id: string; event_id: string; status: string; position: number | null; hold_id?: string; offer_expires_at?: string; quantity: number; section: string | null }[];
}

/** Waits until the buyer's entry has the status (offers are made after the answer that freed the seats). */
async function entryBecomes(buyer: User, entryId: string, status: string) {
  return vi.waitFor(
    async () => {
      const e = (await myEntries(buyer)).find((x) => x.entry_id === entryId);
      if (e?.status !== status) throw new Error(`entry is ${e?.status}, waiting for ${status}`);
      return e;
    },
    { timeout: 10_000, interval: 50 },
  );
}

async function counts(ev: PublishedEvent) {
  const res = await call("GET", `/api/v1/admin/events/${ev.eventId}/waitlist`, { token: ev.organizerToken });
  if (res.status !== 200) throw new Error(`counts: ${res.status}`);
  return res.body;
}

/** A small reserved-only event whose seats are all held by one buyer. */
async function soldOut(seats = 4, overrides: Record<string, unknown> = {}) {
  const ev = await publishedEvent({ rows: [{ label: "A", seats }], gaCapacity: 0, overrides });
  const holder = await signupBuyer();
  const h = await hold(ev, holder, { seats: ev.seatIds });
  return { ev, holder, hold: h };
}

const release = (buyer: User, holdId: string) => call("DELETE", `/api/v1/holds/${holdId}`, { token: buyer.token });

describe("joining the waitlist", () => {
  it("201 with the contract's fields, positions in arrival order, counts for the organizer and in stats", async ({ expect }) => {
    const { ev } = await soldOut(2);
    const a = await signupBuyer();
    const b = await signupBuyer();
    const ea = await join(ev, a, { quantity: 2 });
    expect(ea).toEqual({ entry_id: expect.stringMatching(/^wle_[0-9a-z]{40}$/), event_id: ev.eventId, quantity: 2, section: null, position: 1, status: "waiting" });
    const eb = await join(ev, b, { quantity: 1, section: "R" });
    expect(eb).toMatchObject({ position: 2, section: "R", quantity: 1, status: "waiting" });
    expect(await myEntries(b)).toEqual([{ entry_id: eb.entry_id, event_id: ev.eventId, quantity: 1, section: "R", position: 2, status: "waiting" }]);
    expect(await counts(ev)).toEqual({ waiting: 2, offered: 0, purchased: 0, expired: 0, left: 0, waiting_quantity: 3 });
    const stats = await call("GET", `/api/v1/admin/events/${ev.eventId}/stats`, { token: ev.organizerToken });
    expect(stats.body.waitlist).toEqual({ waiting: 2, offered: 0, purchased: 0, expired: 0, left: 0, waiting_quantity: 3 });
    // ...and on the console's live dashboard page.
    const page = await call("GET", `/admin/events/${ev.eventId}/dashboard`, { headers: { Cookie: `session=${ev.organizerToken}` } });
    expect(page.status).toBe(200);
    expect(String(page.body)).toMatch(/Waitlist<\/dt>\s*<dd[^>]*>2 waiting \(3 tickets\)<\/dd>/);
  });

  it("409 already_on_waitlist for a second entry; 422 not_sold_out while seats are available (event or section)", async ({ expect }) => {
    const { ev } = await soldOut(2);
    const a = await signupBuyer();
    await join(ev, a, { quantity: 1 });
    const again = await call("POST", joinPath(ev.eventId), { token: a.token, body: { quantity: 2 } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: { code: "already_on_waitlist", message: expect.any(String) } });

    const open = await publishedEvent({ rows: [{ label: "A", seats: 2 }], gaCapacity: 5 });
    const holder = await signupBuyer();
    await hold(open, holder, { seats: open.seatIds });
    const whole = await call("POST", joinPath(open.eventId), { token: a.token, body: { quantity: 1 } });
    expect(whole.status).toBe(422);
    expect(whole.body.error).toMatchObject({ code: "not_sold_out", details: { available: 5 } });
    const ga = await call("POST", joinPath(open.eventId), { token: a.token, body: { quantity: 1, section: "GA" } });
    expect(ga.status).toBe(422);
    // The reserved section alone is sold out.
    expect((await call("POST", joinPath(open.eventId), { token: a.token, body: { quantity: 1, section: "R" } })).status).toBe(201);
    expect(await counts(open)).toMatchObject({ waiting: 1 });
  });

  it("every bad input answers the contract's error and changes nothing", async ({ expect }) => {
    const { ev } = await soldOut(2, { max_tickets_per_user: 3 });
    const a = await signupBuyer();
    const cases: [string, string, unknown, number, string, string?][] = [
      ["POST", joinPath(ev.eventId), { quantity: 0 }, 400, "invalid_request"],
      ["POST", joinPath(ev.eventId), { quantity: 4 }, 400, "invalid_request"],
      ["POST", joinPath(ev.eventId), { quantity: 1.5 }, 400, "invalid_request"],
      ["POST", joinPath(ev.eventId), { quantity: "2" }, 400, "invalid_request"],
      ["POST", joinPath(ev.eventId), {}, 400, "invalid_request"],
      ["POST", joinPath(ev.eventId), { quantity: 1, extra: true }, 400, "invalid_request"],
      ["POST", joinPath(ev.eventId), { quantity: 1, section: "" }, 400, "invalid_request"],
      ["POST", joinPath(ev.eventId), { quantity: 1, section: "NOPE" }, 404, "not_found"],
      ["POST", joinPath("evt_nope"), { quantity: 1 }, 404, "not_found"],
      ["POST", joinPath("evt_00000000000000000000"), { quantity: 1 }, 404, "not_found"],
      ["POST", joinPath(ev.eventId), { quantity: 1 }, 401, "unauthenticated", "no-token"],
      ["DELETE", "/api/v1/waitlist/wle_nope", undefined, 404, "not_found"],
      ["DELETE", `/api/v1/waitlist/wle_${"0".repeat(20)}${ev.eventId.slice(4)}`, undefined, 404, "not_found"],
      ["GET", "/api/v1/me/waitlist", undefined, 401, "unauthenticated", "no-token"],
      ["GET", `/api/v1/admin/events/${ev.eventId}/waitlist`, undefined, 403, "forbidden"],
    ];
    for (const [method, path, body, status, code, noToken] of cases) {
      const res = await call(method, path, { token: noToken ? undefined : a.token, body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(typeof res.body.error.message).toBe("string");
      if (status === 400) expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    }
    const raw = await call("POST", joinPath(ev.eventId), { token: a.token, rawBody: "{not json" });
    expect(raw.status).toBe(400);
    expect(raw.body.error.code).toBe("invalid_request");
    // Another organizer's event is a 404.
    const other = await publishedEvent();
    expect((await call("GET", `/api/v1/admin/events/${ev.eventId}/waitlist`, { token: other.organizerToken })).status).toBe(404);
    expect(await myEntries(a)).toEqual([]);
    expect(await counts(ev)).toEqual({ waiting: 0, offered: 0, purchased: 0, expired: 0, left: 0, waiting_quantity: 0 });
  });

  it("waitlist_offer_seconds: 60..172800 on create, default the hold TTL", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { hold_ttl_seconds: 120 } });
    expect(ev.event.waitlist_offer_seconds).toBe(120);
    const set = await publishedEvent({ overrides: { waitlist_offer_seconds: 172_800 } });
    expect(set.event.waitlist_offer_seconds).toBe(172_800);
    for (const bad of [59, 172_801, 1.5, "600"]) {
      const res = await call("POST", "/api/v1/admin/events", { token: ev.organizerToken, body: { venue_id: ev.venueId, name: "x", category: "c", city: "c", starts_at: "2030-01-01T00:00:00Z", ends_at: "2030-01-01T03:00:00Z", on_sale_at: "2029-01-01T00:00:00Z", price_tiers: { standard: 1, ga: 1 }, waitlist_offer_seconds: bad } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe("waitlist_offer_seconds");
    }
  });
});

describe("offers", () => {
  it("a release goes to the first waiting entry as a hold in its name; it pays it and is purchased", async ({ expect }) => {
    const { ev, holder, hold: h } = await soldOut(2, { waitlist_offer_seconds: 300 });
    const a = await signupBuyer();
    const b = await signupBuyer();
    const ea = await join(ev, a, { quantity: 2 });
    const eb = await join(ev, b, { quantity: 1 });
    expect((await release(holder, h.hold_id)).status).toBe(200);
    const offered = await entryBecomes(a, ea.entry_id, "offered");
    expect(offered.hold_id).toMatch(/^hld_/);
    const ttl = Date.parse(offered.offer_expires_at!) - Date.now();
    expect(ttl).toBeGreaterThan(280_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    const holdRes = await call("GET", `/api/v1/holds/${offered.hold_id}`, { token: a.token });
    expect(holdRes.body).toMatchObject({ seats: ev.seatIds, quantity: 2, expires_at: offered.offer_expires_at });
    expect((await myEntries(b))[0]).toMatchObject({ status: "waiting", position: 1 });
    // Nobody else can take the seats: they are held for a.
    const other = await signupBuyer();
    expect((await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: other.token, body: { seats: [ev.seatIds[0]] } })).status).toBe(409);
    const o = await order(a, offered.hold_id!);
    expect(o.status).toBe(201);
    expect((await gateway(o.body.payment.payment_id, "succeed")).status).toBe(200);
    await entryBecomes(a, ea.entry_id, "purchased");
    expect(await counts(ev)).toEqual({ waiting: 1, offered: 0, purchased: 1, expired: 0, left: 0, waiting_quantity: 1 });
  });

  it("an expiry goes to the waitlist; an unpaid offer expires and its seats go to the next entry", async ({ expect }) => {
    const { ev, holder, hold: h } = await soldOut(2);
    const a = await signupBuyer();
    const b = await signupBuyer();
    const ea = await join(ev, a, { quantity: 2 });
    const eb = await join(ev, b, { quantity: 2 });
    const r = section(ev.eventId, "R");
    await backdateHold(r, h.hold_id);
    await runDurableObjectAlarm(r);
    const offerA = await entryBecomes(a, ea.entry_id, "offered");
    await backdateHold(r, offerA.hold_id!);
    await backdateHold(ledgerOfHold(env, offerA.hold_id!, a.userId)!, offerA.hold_id!);
    await runDurableObjectAlarm(r);
    const offerB = await entryBecomes(b, eb.entry_id, "offered");
    expect((await myEntries(a))[0]).toMatchObject({ status: "expired", position: null });
    expect((await myEntries(a))[0]!.hold_id).toBeUndefined();
    const seats = await rawSeats(r);
    expect(seats.every((s) => s.status === "held" && s.hold_id === offerB.hold_id)).toBe(true);
    // a cannot pay the expired offer.
    expect((await order(a, offerA.hold_id!)).status).toBeGreaterThanOrEqual(400);
  });

  it("a refund and a cancelled order go to the waitlist too; with nobody waiting, seats are available again", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 2 }], gaCapacity: 0 });
    const payer = await signupBuyer();
    const paid = await paidOrder(ev, payer, { seats: [ev.seatIds[0]!] });
    const canceller = await signupBuyer();
    const pending = await pendingOrder(ev, canceller, { seats: [ev.seatIds[1]!] });
    const a = await signupBuyer();
    const b = await signupBuyer();
    const ea = await join(ev, a, { quantity: 1 });
    const eb = await join(ev, b, { quantity: 1 });
    const refund = await call("POST", `/api/v1/admin/orders/${paid.order.order_id}/refund`, { token: ev.organizerToken });
    expect(refund.status).toBe(200);
    const offerA = await entryBecomes(a, ea.entry_id, "offered");
    expect((await call("GET", `/api/v1/holds/${offerA.hold_id}`, { token: a.token })).body.seats).toEqual([ev.seatIds[0]]);
    const cancel = await call("POST", `/api/v1/orders/${pending.order.order_id}/cancel`, { token: canceller.token });
    expect(cancel.status).toBe(200);
    const offerB = await entryBecomes(b, eb.entry_id, "offered");
    expect((await call("GET", `/api/v1/holds/${offerB.hold_id}`, { token: b.token })).body.seats).toEqual([ev.seatIds[1]]);
    // Nobody waits now: a released offer makes its seat available to anyone.
    expect((await call("DELETE", `/api/v1/waitlist/${ea.entry_id}`, { token: a.token })).body).toEqual({ entry_id: ea.entry_id, status: "left" });
    const snap = await vi.waitFor(async () => {
      const s = await section(ev.eventId, "R").poolState();
      if (s.available !== 1) throw new Error(`available ${s.available}`);
      return s;
    });
    expect(snap).toEqual({ available: 1, pooled: 0 });
    expect(await counts(ev)).toEqual({ waiting: 0, offered: 1, purchased: 0, expired: 0, left: 1, waiting_quantity: 0 });
  });

  it("a section that refuses for the sale (cancelled there first) ends the waiting entries instead of failing the match", async ({ expect }) => {
    const { ev, holder, hold: h } = await soldOut(2);
    const a = await signupBuyer();
    const ea = await join(ev, a, { quantity: 2 });
    // The cancel has reached the section but not yet this match's D1 read of the event: the
    // section's answer is final, so the entry cannot be served.
    const r = section(ev.eventId, "R");
    expect(await r.setSale({ state: "cancelled", onSaleAt: "2000-01-01T00:00:00.000Z", endsAt: "2999-01-01T00:00:00.000Z" })).toMatchObject({ state: "cancelled" });
    expect((await release(holder, h.hold_id)).status).toBe(200);
    await entryBecomes(a, ea.entry_id, "expired");
    expect(await counts(ev)).toMatchObject({ waiting: 0, offered: 0, expired: 1 });
  });

  it("GA: places that come back are offered the same way", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 3 });
    const holder = await signupBuyer();
    const h = await hold(ev, holder, { section: "GA", quantity: 3 });
    const a = await signupBuyer();
    const ea = await join(ev, a, { quantity: 2, section: "GA" });
    await release(holder, h.hold_id);
    const offer = await entryBecomes(a, ea.entry_id, "offered");
    expect((await call("GET", `/api/v1/holds/${offer.hold_id}`, { token: a.token })).body).toMatchObject({ quantity: 2, items: [{ section: "GA", kind: "ga", quantity: 2 }] });
    // The third place: nobody waits any more, so it is available.
    expect(await vi.waitFor(async () => {
      const s = await section(ev.eventId, "GA").poolState();
      if (s.available !== 1) throw new Error(`available ${s.available}`);
      return s;
    })).toEqual({ available: 1, pooled: 0 });
  });

  it("leaving with an open offer releases its hold, and the seats go to the next entry", async ({ expect }) => {
    const { ev, holder, hold: h } = await soldOut(1);
    const a = await signupBuyer();
    const b = await signupBuyer();
    const ea = await join(ev, a, { quantity: 1 });
    const eb = await join(ev, b, { quantity: 1 });
    await release(holder, h.hold_id);
    const offerA = await entryBecomes(a, ea.entry_id, "offered");
    // Only the owner may leave.
    expect((await call("DELETE", `/api/v1/waitlist/${ea.entry_id}`, { token: b.token })).status).toBe(404);
    expect((await call("DELETE", `/api/v1/waitlist/${ea.entry_id}`, { token: a.token })).status).toBe(200);
    expect((await call("GET", `/api/v1/holds/${offerA.hold_id}`, { token: a.token })).status).toBe(404);
    await entryBecomes(b, eb.entry_id, "offered");
    // Leaving twice is the same answer.
    expect((await call("DELETE", `/api/v1/waitlist/${ea.entry_id}`, { token: a.token })).body.status).toBe("left");
    // After leaving, a may join again.
    const wasSoldOut = await call("POST", joinPath(ev.eventId), { token: a.token, body: { quantity: 1 } });
    expect(wasSoldOut.status).toBe(201);
  });
});

describe("gathering for the head", () => {
  it("blocks only the pools the head can use: an entry for another section is still served", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 3 }], gaCapacity: 2 });
    const holders = await Promise.all([...ev.seatIds.map((s) => ({ seats: [s] })), { section: "GA", quantity: 2 }].map(async (req) => {
      const u = await signupBuyer();
      return { u, h: await hold(ev, u, req) };
    }));
    const big = await signupBuyer();
    const smallR = await signupBuyer();
    const ga = await signupBuyer();
    const eBig = await join(ev, big, { quantity: 3, section: "R" });
    await join(ev, smallR, { quantity: 1, section: "R" });
    const eGa = await join(ev, ga, { quantity: 2, section: "GA" });
    await runInDurableObject(waitlistStub(ev.eventId), (_w, state) => {
      state.storage.sql.exec("UPDATE entries SET passed_since = ? WHERE entry_id = ?", Date.now() - WAITLIST_SKIP_SECONDS * 1000, eBig.entry_id);
    });
    await release(holders[0]!.u, holders[0]!.h.hold_id);
    await release(holders[3]!.u, holders[3]!.h.hold_id);
    await entryBecomes(ga, eGa.entry_id, "offered");
    await vi.waitFor(async () => {
      if ((await section(ev.eventId, "R").poolState()).pooled !== 1) throw new Error("not pooled yet");
    });
    await runDurableObjectAlarm(waitlistStub(ev.eventId));
    expect((await myEntries(smallR))[0]).toMatchObject({ status: "waiting", position: 2 });
    expect((await myEntries(big))[0]).toMatchObject({ status: "waiting", position: 1 });
  });
});

describe("emails", () => {
  it("an offer is emailed through the email queue, and again shortly before it expires", async ({ expect }) => {
    const { ev, holder, hold: h } = await soldOut(1, { waitlist_offer_seconds: 60 });
    const a = await signupBuyer();
    const ea = await join(ev, a, { quantity: 1 });
    const jobs: any[] = [];
    const stub = waitlistStub(ev.eventId);
    await runInDurableObject(stub, (w: Waitlist) => {
      const own = w as unknown as { env: Env };
      own.env = { ...own.env, EMAIL_QUEUE: { send: async (m: unknown) => void jobs.push(m) } as unknown as Queue };
    });
    await release(holder, h.hold_id);
    const offer = await entryBecomes(a, ea.entry_id, "offered");
    await vi.waitFor(() => expect(jobs).toHaveLength(1));
    expect(jobs[0]).toEqual({ kind: "waitlist_offer", entry_id: ea.entry_id, event_id: ev.eventId, user_id: a.userId, hold_id: offer.hold_id, quantity: 1, section: "R", offer_expires_at: offer.offer_expires_at });
    // Not yet due: the alarm sends nothing. Then the offer is 10 s from its end (the lead for 60 s is 15 s).
    await runDurableObjectAlarm(stub);
    expect(jobs).toHaveLength(1);
    await runInDurableObject(stub, (_w, state) => {
      state.storage.sql.exec("UPDATE entries SET offer_expires_at = ? WHERE entry_id = ?", Date.now() + 10_000, ea.entry_id);
    });
    await stub.poolChanged("R");
    await vi.waitFor(() => expect(jobs.map((j) => j.kind)).toEqual(["waitlist_offer", "waitlist_reminder"]));
    await runDurableObjectAlarm(stub);
    expect(jobs).toHaveLength(2);
    // The consumer sends both with the checkout link of the offer's hold.
    const sent: any[] = [];
    const fakeEnv = { ...env, EMAIL: { send: async (m: unknown) => void sent.push(m) } } as unknown as Env;
    const acks: string[] = [];
    const messages = jobs.map((body, i) => ({ id: `m${i}`, body, attempts: 1, ack: () => acks.push(`ack ${i}`), retry: () => acks.push(`retry ${i}`) }));
    await handleEmailBatch({ queue: "ticket-emails", messages } as unknown as MessageBatch<unknown>, fakeEnv);
    expect(acks).toEqual(["ack 0", "ack 1"]);
    expect(sent.map((m) => m.to)).toEqual([a.email, a.email]);
    for (const m of sent) expect(m.text).toContain(`/checkout/${offer.hold_id}`);
    expect(sent[1].subject).toMatch(/expires soon/);
  });
});

describe("larger entries and the head's bound", () => {
  it("a larger head keeps its place while a smaller entry that fits gets the seats; after the skip window seats gather for the head", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 6 }], gaCapacity: 0 });
    const holders = await Promise.all(ev.seatIds.map(async (seat) => {
      const u = await signupBuyer();
      return { u, h: await hold(ev, u, { seats: [seat] }) };
    }));
    const big = await signupBuyer();
    const small1 = await signupBuyer();
    const small2 = await signupBuyer();
    const eBig = await join(ev, big, { quantity: 3 });
    const eS1 = await join(ev, small1, { quantity: 1 });
    const eS2 = await join(ev, small2, { quantity: 1 });
    // One seat comes back: the head (3) does not fit, the next entry (1) gets it.
    await release(holders[0]!.u, holders[0]!.h.hold_id);
    await entryBecomes(small1, eS1.entry_id, "offered");
    expect((await myEntries(big))[0]).toMatchObject({ status: "waiting", position: 1 });
    // The skip window of the head runs out (as if WAITLIST_SKIP_SECONDS had passed).
    await runInDurableObject(waitlistStub(ev.eventId), (w: Waitlist) => {
      w.clock = () => Date.now() + WAITLIST_SKIP_SECONDS * 1000;
    });
    await release(holders[1]!.u, holders[1]!.h.hold_id);
    await release(holders[2]!.u, holders[2]!.h.hold_id);
    // Two seats gather in the pool for the head; the small entry behind it gets nothing.
    await vi.waitFor(async () => {
      const s = await section(ev.eventId, "R").poolState();
      if (s.pooled !== 2) throw new Error(`pooled ${s.pooled}`);
    });
    await runDurableObjectAlarm(waitlistStub(ev.eventId));
    expect((await myEntries(small2))[0]).toMatchObject({ status: "waiting", position: 2 });
    // The third seat: the head fits and gets all three.
    await release(holders[3]!.u, holders[3]!.h.hold_id);
    const offer = await entryBecomes(big, eBig.entry_id, "offered");
    expect((await call("GET", `/api/v1/holds/${offer.hold_id}`, { token: big.token })).body.quantity).toBe(3);
    // The new head is served as soon as a seat comes back.
    await release(holders[4]!.u, holders[4]!.h.hold_id);
    await entryBecomes(small2, eS2.entry_id, "offered");
  });
});

describe("the event closes", () => {
  it("a cancelled event offers nothing: waiting entries expire and no seat stays pooled", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 1 }], gaCapacity: 0 });
    const payer = await signupBuyer();
    await paidOrder(ev, payer, { seats: [ev.seatIds[0]!] });
    const a = await signupBuyer();
    const ea = await join(ev, a, { quantity: 1 });
    // Cancelling refunds the order: its seat comes back while a waits.
    expect((await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken })).status).toBe(200);
    await entryBecomes(a, ea.entry_id, "expired");
    await vi.waitFor(async () => {
      const s = await section(ev.eventId, "R").poolState();
      if (s.pooled !== 0 || s.available !== 1) throw new Error(JSON.stringify(s));
    });
    expect(await counts(ev)).toMatchObject({ waiting: 0, offered: 0, expired: 1 });
  });
});

describe("race: browsing holds against a release while buyers wait", () => {
  it("300 concurrent holds on the freed seats lose to the waitlist; every seat ends in at most one hold", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 20 }], gaCapacity: 0, overrides: { max_tickets_per_user: 20 } });
    const holder = await signupBuyer();
    const h1 = await hold(ev, holder, { seats: ev.seatIds.slice(0, 10) });
    const h2 = await hold(ev, holder, { seats: ev.seatIds.slice(10) });
    const waiters = await Promise.all([1, 2, 3].map(() => signupBuyer()));
    const entries: { entry_id: string }[] = [];
    for (const w of waiters) entries.push(await join(ev, w, { quantity: 2 }));
    const browsers = await Promise.all(Array.from({ length: 30 }, () => signupBuyer()));
    const freed = ev.seatIds.slice(0, 10);
    const attempts = Array.from({ length: 300 }, (_, i) =>
      call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: browsers[i % 30]!.token, body: { seats: [freed[i % 10]!] } }),
    );
    const [rel, ...answers] = await Promise.all([release(holder, h1.hold_id), ...attempts]);
    expect(rel.status).toBe(200);
    // Late browsers after the release, too.
    const late = await Promise.all(freed.map((s, i) => call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: browsers[i]!.token, body: { seats: [s] } })));
    expect([...answers, ...late].filter((a) => a.status === 201)).toEqual([]);
    const offers = await Promise.all(waiters.map((w, i) => entryBecomes(w, entries[i]!.entry_id, "offered")));
    // With nobody left waiting, the remaining 4 freed seats go back on sale.
    await vi.waitFor(async () => {
      const s = await section(ev.eventId, "R").poolState();
      if (s.available !== 4 || s.pooled !== 0) throw new Error(JSON.stringify(s));
    });
    const seats = await rawSeats(section(ev.eventId, "R"));
    const byHold = new Map<string, string[]>();
    for (const s of seats) if (s.hold_id) byHold.set(s.hold_id, [...(byHold.get(s.hold_id) ?? []), s.seat_id]);
    for (const o of offers) expect(byHold.get(o.hold_id!)).toHaveLength(2);
    expect(byHold.get(h2.hold_id)).toHaveLength(10);
    // Every seat in at most one hold: the ledgers' holds name disjoint seats.
    const views = await Promise.all(offers.map((o, i) => call("GET", `/api/v1/holds/${o.hold_id}`, { token: waiters[i]!.token })));
    const held = views.flatMap((v) => v.body.seats as string[]).concat(h2.seats);
    expect(new Set(held).size).toBe(held.length);
    expect(held.every((s) => seats.find((x) => x.seat_id === s)!.status === "held")).toBe(true);
  });
});
