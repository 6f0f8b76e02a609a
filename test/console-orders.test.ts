/**
 * Organizer console reads: the order list with filters, search and paging, one order in full,
 * the streamed CSV exports, gate devices and promo codes.
 */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { attendeesCsv, EXPORT_PAGE_ROWS } from "../src/worker/console/exports";
import { csvField } from "../src/worker/console/csv";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { paidOrder, pendingOrder } from "./support/checkout";

const list = (ev: { eventId: string; organizerToken: string }, query = "") =>
  call("GET", `/api/v1/admin/events/${ev.eventId}/orders${query}`, { token: ev.organizerToken });

/** Parses our CSV (quoted fields with "" escapes, CRLF lines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field), rows.push(row), (row = []), (field = ""), i++;
    } else field += ch;
  }
  return rows;
}

describe("order list for organizers", () => {
  it("filters by status and email, searches by name, email or order id, and pages", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 50 });
    const [ann, bob] = await Promise.all([signupBuyer(), signupBuyer()]);
    const a1 = await paidOrder(ev, ann, { section: "GA", quantity: 1 });
    const a2 = await pendingOrder(ev, ann, { section: "GA", quantity: 2 });
    const b1 = await paidOrder(ev, bob, { section: "GA", quantity: 1 });

    const all = await list(ev);
    expect(all.status).toBe(200);
    expect(all.body.orders.map((o: any) => o.order_id)).toEqual([b1.order.order_id, a2.order.order_id, a1.order.order_id]);
    expect(all.body.orders[0].buyer).toEqual({ user_id: bob.userId, email: bob.email, name: expect.any(String) });

    const paid = await list(ev, "?status=paid");
    expect(paid.body.orders.map((o: any) => o.order_id)).toEqual([b1.order.order_id, a1.order.order_id]);
    const byEmail = await list(ev, `?email=${encodeURIComponent(ann.email.toUpperCase())}`);
    expect(byEmail.body.orders.map((o: any) => o.order_id)).toEqual([a2.order.order_id, a1.order.order_id]);
    const both = await list(ev, `?email=${encodeURIComponent(ann.email)}&status=pending_payment`);
    expect(both.body.orders.map((o: any) => o.order_id)).toEqual([a2.order.order_id]);

    const part = bob.email.slice(0, 12);
    expect((await list(ev, `?q=${encodeURIComponent(part)}`)).body.orders.map((o: any) => o.order_id)).toEqual([b1.order.order_id]);
    expect((await list(ev, `?q=${a1.order.order_id}`)).body.orders.map((o: any) => o.order_id)).toEqual([a1.order.order_id]);
    // Wildcards in a search are plain characters, and a whole long email is found too.
    expect((await list(ev, `?q=${encodeURIComponent(ann.email)}`)).body.orders).toHaveLength(2);
    expect((await list(ev, "?q=%25")).body.orders).toEqual([]);

    const first = await list(ev, "?limit=2");
    expect(first.body.orders).toHaveLength(2);
    const second = await list(ev, `?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.orders.map((o: any) => o.order_id)).toEqual([a1.order.order_id]);
    expect(second.body.next_cursor).toBeNull();
  });

  it.for([["?status=shipped"], ["?limit=0"], ["?cursor=nope"], [`?q=${"x".repeat(101)}`]])("refuses %s with 400 and changes nothing", async ([q], { expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 5 });
    const res = await list(ev, q);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
  });
});

describe("order detail", () => {
  it("shows tickets with their check-in, payment and refund state", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const p = await paidOrder(ev, buyer, { section: "GA", quantity: 2 });
    const [t1] = p.paid.tickets;
    const dev = (await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name: "Main door" } })).body;
    await call("POST", `/api/v1/gate/events/${ev.eventId}/scans`, {
      token: dev.token,
      body: { device_id: dev.device_id, scans: [{ ticket_id: t1.ticket_id, scanned_at: "2026-06-01T20:00:00Z", verdict: "valid" }] },
    });
    const path = `/api/v1/admin/orders/${p.order.order_id}`;
    const res = await call("GET", path, { token: ev.organizerToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      order_id: p.order.order_id,
      status: "paid",
      amount_cents: 5000,
      buyer: { user_id: buyer.userId, email: buyer.email },
      payment: { provider: "local", captured_at: expect.any(String), refund: { state: "none", refunded_cents: 0 } },
    });
    const checked = res.body.tickets.find((t: any) => t.ticket_id === t1.ticket_id);
    expect(checked).toMatchObject({ checked_in_at: "2026-06-01T20:00:00.000Z", checked_in_gate: "Main door" });
    expect(res.body.tickets.filter((t: any) => t.checked_in_at === null)).toHaveLength(1);

    await call("POST", `/api/v1/admin/orders/${p.order.order_id}/refund`, { token: ev.organizerToken });
    const after = (await call("GET", path, { token: ev.organizerToken })).body;
    expect(after).toMatchObject({ status: "refunded", payment: { refund: { state: "full", refunded_cents: 5000 } } });
    expect(after.tickets.map((t: any) => t.status)).toEqual(["revoked", "revoked"]);
  });
});

describe("CSV exports", () => {
  it("attendees: one row per ticket, with name, email, section, seat, status and check-in", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 4 }], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const seats = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    const ga = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    await call("POST", `/api/v1/admin/orders/${ga.order.order_id}/refund`, { token: ev.organizerToken });
    const res = await exports.default.fetch(`http://localhost/api/v1/admin/events/${ev.eventId}/exports/attendees.csv`, {
      headers: { Authorization: `Bearer ${ev.organizerToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual(["ticket_id", "order_id", "name", "email", "section", "seat", "ticket_status", "checked_in_at", "checked_in_gate"]);
    expect(rows.slice(1)).toHaveLength(3);
    const bySeat = Object.fromEntries(rows.slice(1).map((r) => [r[5] || "GA", r]));
    expect(bySeat["R-A-1"]).toEqual([expect.any(String), seats.order.order_id, expect.any(String), buyer.email, "R", "R-A-1", "valid", "", ""]);
    expect(bySeat.GA![6]).toBe("revoked");
  });

  it("orders: one row per order", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const p = await paidOrder(ev, buyer, { section: "GA", quantity: 3 });
    await pendingOrder(ev, buyer, { section: "GA", quantity: 1 });
    const res = await exports.default.fetch(`http://localhost/api/v1/admin/events/${ev.eventId}/exports/orders.csv`, {
      headers: { Authorization: `Bearer ${ev.organizerToken}` },
    });
    const rows = parseCsv(await res.text());
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({ 0: p.order.order_id, 2: "paid", 4: buyer.email, 5: "3", 8: "7500", 10: "usd" });
    expect(rows[2]![2]).toBe("pending_payment");
  });

  it("reads D1 one page per pull: more tickets than a page arrive whole, in id order", async ({ expect }) => {
    const eventId = `evt_csv${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const n = EXPORT_PAGE_ROWS * 2 + 7;
    const stmts = [];
    for (let i = 0; i < n; i += 200) {
      const ids = Array.from({ length: Math.min(200, n - i) }, (_, k) => `tkt_${String(i + k).padStart(8, "0")}`);
      stmts.push(
        env.DB.prepare(
          `INSERT INTO tickets (id, order_id, order_item_id, user_id, event_id, section_key, seat_label, kid, jwt, expires_at)
           SELECT value, 'ord_x', 'itm_' || ?1 || value, 'usr_x', ?1, 'GA', NULL, 'k', 'j', '2030-01-01T00:00:00Z' FROM json_each(?2)`,
        ).bind(eventId, JSON.stringify(ids)),
      );
    }
    await env.DB.batch(stmts);
    const reader = attendeesCsv(env, eventId).getReader();
    const decoder = new TextDecoder();
    const chunks: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(decoder.decode(value));
    }
    // Header, then one chunk per page of rows.
    expect(chunks.length).toBe(1 + Math.ceil(n / EXPORT_PAGE_ROWS));
    const ids = parseCsv(chunks.join("")).slice(1).map((r) => r[0]);
    expect(ids).toHaveLength(n);
    expect(new Set(ids).size).toBe(n);
    expect(ids).toEqual([...ids].sort());
  });

  it("keeps spreadsheet formulas out of cells", ({ expect }) => {
    expect(csvField("=HYPERLINK(\"x\")")).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField(42)).toBe("42");
    expect(csvField(null)).toBe("");
  });
});

describe("gate devices and promo codes", () => {
  it("lists devices with scan counts and last sync", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    const buyer = await signupBuyer();
    const p = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    const a = (await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name: "A" } })).body;
    await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name: "B" } });
    const before = (await call("GET", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken })).body.devices;
    expect(before.map((d: any) => [d.name, d.scans, d.last_sync_at])).toEqual([["A", 0, null], ["B", 0, null]]);

    expect((await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: a.token })).status).toBe(200);
    await call("POST", `/api/v1/gate/events/${ev.eventId}/scans`, {
      token: a.token,
      body: { device_id: a.device_id, scans: [{ ticket_id: p.paid.tickets[0].ticket_id, scanned_at: new Date().toISOString(), verdict: "valid" }] },
    });
    const after = (await call("GET", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken })).body.devices;
    expect(after[0]).toMatchObject({ device_id: a.device_id, name: "A", scans: 1, entries: 1, last_bundle_at: expect.any(String), last_upload_at: expect.any(String) });
    expect(after[0].last_sync_at >= after[0].last_bundle_at).toBe(true);
    expect(after[1]).toMatchObject({ name: "B", scans: 0, last_sync_at: null });
  });

  it("lists promo codes with their uses", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 10 });
    await call("POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, { token: ev.organizerToken, body: { code: "early", percent_off: 10 } });
    await call("POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, { token: ev.organizerToken, body: { code: "FRIENDS", amount_off_cents: 500, max_uses: 3 } });
    const buyer = await signupBuyer();
    await pendingOrder(ev, buyer, { section: "GA", quantity: 1 }, "EARLY");
    const res = await call("GET", `/api/v1/admin/events/${ev.eventId}/promo-codes`, { token: ev.organizerToken });
    expect(res.body.promo_codes.map((p: any) => [p.code, p.uses, p.max_uses])).toEqual([["EARLY", 1, null], ["FRIENDS", 0, 3]]);
  });
});
