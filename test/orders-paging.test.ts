/**
 * `GET /api/v1/me/orders` cursor paging (contract extension): `limit` and `cursor` in, `next_cursor`
 * out, newest first by (created_at, id), stable while orders are placed between page fetches,
 * bad `limit`/`cursor` refused with 400, and only the caller's orders.
 *
 * Most orders here are rows written straight into D1 (a page of 200 through the whole checkout
 * would take minutes); the shape of real orders, tickets included, is checked with orders
 * placed through the API.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { base64url } from "jose";
import { newId } from "../src/shared/ids";
import { paidOrder, pendingOrder } from "./support/checkout";
import { publishedEvent, signupBuyer, type User } from "./support/fixtures";
import { call, type CallResult } from "./support/http";

type Listed = { order_id: string; created_at: string };
type Page = { orders: Listed[]; next_cursor: string | null };

const ME = "/api/v1/me/orders";

const listPage = async (user: User, query = ""): Promise<CallResult<Page>> => call("GET", `${ME}${query}`, { token: user.token });

/** Writes orders for `userId` with the given created_at values (null: the table's default, now). */
async function seedOrders(userId: string, createdAts: (string | null)[], eventId = "evt_seeded"): Promise<Listed[]> {
  const rows = createdAts.map((createdAt) => ({ id: newId("ord"), createdAt }));
  const stmts = rows.map((r) =>
    r.createdAt === null
      ? env.DB.prepare(
          `INSERT INTO orders (id, user_id, event_id, hold_id, subtotal_cents, amount_cents, currency, hold_expires_at)
           VALUES (?, ?, ?, ?, 100, 100, 'usd', '2030-01-01T00:00:00.000Z')`,
        ).bind(r.id, userId, eventId, `hld_${r.id}`)
      : env.DB.prepare(
          `INSERT INTO orders (id, user_id, event_id, hold_id, subtotal_cents, amount_cents, currency, hold_expires_at, created_at)
           VALUES (?, ?, ?, ?, 100, 100, 'usd', '2030-01-01T00:00:00.000Z', ?)`,
        ).bind(r.id, userId, eventId, `hld_${r.id}`, r.createdAt),
  );
  for (let i = 0; i < stmts.length; i += 50) await env.DB.batch(stmts.slice(i, i + 50));
  const stored = await env.DB.prepare(`SELECT id AS order_id, created_at FROM orders WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))`)
    .bind(userId, JSON.stringify(rows.map((r) => r.id)))
    .all<Listed>();
  return stored.results;
}

/** The documented order: newest first, ties on created_at broken by the larger id first. */
const newestFirst = (xs: Listed[]) =>
  [...xs].sort((a, b) => (a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.order_id < b.order_id ? 1 : -1));

/** `count` timestamps in the past, `perInstant` orders sharing each (so page edges fall inside ties). */
function pastTimes(count: number, perInstant: number, base = Date.UTC(2025, 0, 1)): string[] {
  return Array.from({ length: count }, (_, i) => new Date(base + Math.floor(i / perInstant) * 60_000).toISOString());
}

/** Follows next_cursor to the end; `between` runs after each page except the last. */
async function walk(user: User, limit: number, between?: (pageNo: number) => Promise<void>): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const res = await listPage(user, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (res.status !== 200) throw new Error(`page ${pages.length}: ${res.status} ${JSON.stringify(res.body)}`);
    pages.push(res.body);
    cursor = res.body.next_cursor;
    if (cursor && between) await between(pages.length);
    if (pages.length > 500) throw new Error("next_cursor never ends");
  } while (cursor);
  return { ids: pages.flatMap((p) => p.orders.map((o) => o.order_id)), pages };
}

function expectInvalid(expect: any, res: CallResult, path: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe("invalid_request");
  expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
}

describe("GET /api/v1/me/orders paging", () => {
  it("walks every order exactly once, newest first, across pages whose edges fall inside created_at ties", async ({ expect }) => {
    const buyer = await signupBuyer();
    const seeded = await seedOrders(buyer.userId, pastTimes(23, 4));
    const expected = newestFirst(seeded).map((o) => o.order_id);
    for (const limit of [1, 3, 4, 5, 22, 23, 24]) {
      const { ids, pages } = await walk(buyer, limit);
      expect(ids, `limit ${limit}`).toEqual(expected);
      expect(pages.length, `limit ${limit}`).toBe(Math.max(1, Math.ceil(23 / limit)));
      for (const p of pages.slice(0, -1)) expect(p.orders).toHaveLength(limit);
      expect(pages.at(-1)!.next_cursor).toBeNull();
    }
  });

  it("stays exact while orders are placed between page fetches", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const before = newestFirst(await seedOrders(buyer.userId, pastTimes(17, 3)));
    const placedDuring: string[] = [];
    const late: Listed[] = [];
    const { ids } = await walk(buyer, 4, async (pageNo) => {
      // New orders (newer than every page): with offset paging each would push the rest down
      // by one and the next page would repeat the previous page's last order.
      if (pageNo === 1) placedDuring.push((await pendingOrder(ev, buyer, { section: "GA", quantity: 1 })).order.order_id);
      placedDuring.push(...(await seedOrders(buyer.userId, [null, null])).map((o) => o.order_id));
      // An order that lands older than everything seen so far (a delayed write) is still
      // ahead of the cursor: it must come exactly once, in its place.
      if (pageNo === 2) late.push(...(await seedOrders(buyer.userId, [new Date(Date.UTC(2024, 5, 1)).toISOString()])));
    });

    expect(new Set(ids).size, "no order twice").toBe(ids.length);
    expect(ids.filter((id) => placedDuring.includes(id)), "orders newer than the walk's first page").toEqual([]);
    expect(ids).toEqual(newestFirst([...before, ...late]).map((o) => o.order_id));

    // A fresh walk starts with what was placed meanwhile, newest first.
    const fresh = await walk(buyer, 5);
    expect(fresh.ids).toHaveLength(17 + 1 + placedDuring.length);
    expect(new Set(fresh.ids.slice(0, placedDuring.length))).toEqual(new Set(placedDuring));
    expect(fresh.ids.slice(placedDuring.length)).toEqual(ids);
  });

  it("defaults to 200 per page, the cap before paging existed, and accepts 1..200", async ({ expect }) => {
    const buyer = await signupBuyer();
    const seeded = newestFirst(await seedOrders(buyer.userId, pastTimes(205, 7)));

    const first = await listPage(buyer);
    expect(first.status).toBe(200);
    expect(first.body.orders.map((o) => o.order_id)).toEqual(seeded.slice(0, 200).map((o) => o.order_id));
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const rest = await listPage(buyer, `?cursor=${first.body.next_cursor}`);
    expect(rest.body.orders.map((o) => o.order_id)).toEqual(seeded.slice(200).map((o) => o.order_id));
    expect(rest.body.next_cursor).toBeNull();

    const max = await listPage(buyer, "?limit=200");
    expect(max.body).toEqual(first.body);
    const one = await listPage(buyer, "?limit=1");
    expect(one.body.orders.map((o) => o.order_id)).toEqual([seeded[0]!.order_id]);
    expect(one.body.next_cursor).toEqual(expect.any(String));
    // Empty values mean "not given", as in GET /api/v1/events.
    expect((await listPage(buyer, "?limit=&cursor=")).body).toEqual(first.body);
  });

  it("a buyer with no orders, or with fewer than a page, gets next_cursor null", async ({ expect }) => {
    const nobody = await signupBuyer();
    expect((await listPage(nobody)).body).toEqual({ orders: [], next_cursor: null });
    const few = await signupBuyer();
    await seedOrders(few.userId, pastTimes(3, 1));
    const res = await listPage(few, "?limit=3");
    expect(res.body.orders).toHaveLength(3);
    expect(res.body.next_cursor).toBeNull();
  });

  it.for([["0"], ["201"], ["-1"], ["1.5"], ["ten"], ["1e9"], [" "]])("limit=%s is 400 invalid_request", async ([limit], { expect }) => {
    const buyer = await signupBuyer();
    expectInvalid(expect, await listPage(buyer, `?limit=${encodeURIComponent(limit!)}`), "limit");
  });

  it("malformed and foreign cursors are 400 invalid_request and change nothing", async ({ expect }) => {
    const buyer = await signupBuyer();
    await seedOrders(buyer.userId, pastTimes(6, 2));
    const whole = await walk(buyer, 2);
    const own = (await listPage(buyer, "?limit=2")).body.next_cursor!;
    await Promise.all([publishedEvent(), publishedEvent()]);
    const eventsCursor = (await call("GET", "/api/v1/events?limit=1")).body.next_cursor;
    expect(eventsCursor).toEqual(expect.any(String));
    const [createdAt, id] = JSON.parse(new TextDecoder().decode(base64url.decode(own))) as [string, string];
    const enc = (v: unknown) => base64url.encode(JSON.stringify(v));

    const bad = [
      "not a cursor!",
      "abc", // base64url, but not JSON
      `${own}x`,
      own.slice(0, -2),
      enc({ createdAt, id }),
      enc([createdAt]),
      enc([createdAt, id, "extra"]),
      enc([createdAt, 42]),
      enc(["yesterday", id]),
      enc([createdAt, "evt_0123456789abcdefghjk"]),
      `${createdAt}|${id}`, // the organizer order list's cursor format
      eventsCursor,
      "A".repeat(201),
    ];
    for (const cursor of bad) expectInvalid(expect, await listPage(buyer, `?cursor=${encodeURIComponent(cursor)}`), "cursor");
    expectInvalid(expect, await listPage(buyer, `?cursor=${own}&cursor=${own}`), "cursor");
    expect((await walk(buyer, 2)).ids).toEqual(whole.ids);
  });

  it("never shows another buyer's orders, even with the other buyer's cursor", async ({ expect }) => {
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    // Interleaved in time and sharing instants, so only the user filter keeps them apart.
    const times = pastTimes(12, 2, Date.UTC(2025, 3, 1));
    const mineA = await seedOrders(a.userId, times);
    const mineB = await seedOrders(b.userId, times);

    expect((await walk(a, 5)).ids).toEqual(newestFirst(mineA).map((o) => o.order_id));
    expect((await walk(b, 5)).ids).toEqual(newestFirst(mineB).map((o) => o.order_id));
    // A's cursor only positions B's own list; it never reveals A's orders.
    const aCursor = (await listPage(a, "?limit=5")).body.next_cursor!;
    const bWithA = await listPage(b, `?cursor=${aCursor}`);
    expect(bWithA.status).toBe(200);
    const idsB = new Set(mineB.map((o) => o.order_id));
    expect(bWithA.body.orders.length).toBeGreaterThan(0);
    expect(bWithA.body.orders.every((o) => idsB.has(o.order_id))).toBe(true);
    expect(await listPage({ ...a, token: "not-a-token" })).toMatchObject({ status: 401 });
  });

  it("each listed order is exactly what GET /orders/{id} answers, tickets included", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const pending = await pendingOrder(ev, buyer, { seats: ["R-A-1"] });
    const paid = await paidOrder(ev, buyer, { seats: ["R-A-2", "R-A-3"] });
    const { pages } = await walk(buyer, 1);
    expect(pages).toHaveLength(2);
    const listed = pages.flatMap((p) => p.orders);
    expect(listed.map((o) => o.order_id).sort()).toEqual([pending.order.order_id, paid.order.order_id].sort());
    for (const o of listed) {
      const single = await call("GET", `/api/v1/orders/${o.order_id}`, { token: buyer.token });
      expect(o).toEqual(single.body);
    }
    expect(listed.find((o) => o.order_id === paid.order.order_id)).toMatchObject({ status: "paid", tickets: [{}, {}] });
  });
});

describe("organizer order list", () => {
  // D1 binds at most 100 parameters per statement: the tickets of a 200-order page are looked
  // up in chunks (getOrderTickets), for this list as for /me/orders.
  it("answers a page of 200 orders with their tickets", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const real = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    await seedOrders(buyer.userId, pastTimes(205, 3), ev.eventId);
    const page = await call("GET", `/api/v1/admin/events/${ev.eventId}/orders?limit=200`, { token: ev.organizerToken });
    expect(page.status).toBe(200);
    expect(page.body.orders).toHaveLength(200);
    // The real order is the newest; it comes with its ticket.
    expect(page.body.orders[0]).toMatchObject({ order_id: real.order.order_id, tickets: [{ status: "valid" }] });
  });
});
