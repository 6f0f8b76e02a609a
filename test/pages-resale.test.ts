/** The storefront's transfer and resale parts, as the server renders them and through their forms. */
import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { paidOrder } from "./support/checkout";
import { publishedEvent, signupBuyer, type User } from "./support/fixtures";
import { call } from "./support/http";

async function page(path: string, opts: { user?: User; post?: boolean; form?: Record<string, string>; site?: string | null } = {}) {
  const headers: Record<string, string> = {};
  // `site: null` sends neither Sec-Fetch-Site nor Origin, as an old or forged client would.
  if (opts.site !== null) headers["Sec-Fetch-Site"] = opts.site ?? "same-origin";
  if (opts.user) headers.Cookie = `session=${opts.user.token}`;
  const post = opts.post || opts.form !== undefined;
  if (post) headers["Content-Type"] = "application/x-www-form-urlencoded";
  const body = post ? new URLSearchParams(opts.form ?? {}).toString() : undefined;
  const req = new Request(`http://localhost${path}`, { method: post ? "POST" : "GET", headers, body, redirect: "manual" });
  const res = await exports.default.fetch(req);
  return { status: res.status, location: res.headers.get("Location"), text: await res.text() };
}

describe("transfer and resale pages", () => {
  it("the event page lists resale tickets, and its form holds one and goes to checkout", async ({ expect }) => {
    const ev = await publishedEvent();
    const seller = await signupBuyer();
    const { paid } = await paidOrder(ev, seller, { seats: ["R-A-3"] });
    const listing = (await call("POST", `/api/v1/tickets/${paid.tickets[0].ticket_id}/resale`, { token: seller.token, body: { price_cents: 4200 } })).body;
    const html = (await page(`/events/${ev.eventId}`)).text;
    expect(html).toContain("Resale at face value");
    expect(html).toContain(`action="/resale/${listing.listing_id}/hold"`);
    expect(html).toMatch(/Buy R-A-3 for/);
    const buyer = await signupBuyer();
    const res = await page(`/resale/${listing.listing_id}/hold`, { user: buyer, post: true });
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/checkout\/hld_/);
    // Held now: no longer on the page for anyone else.
    expect((await page(`/events/${ev.eventId}`)).text).not.toContain(listing.listing_id);
    // The seller sees it in /me.
    expect((await page("/me", { user: seller })).text).toContain("My resale listings");
  });

  it("/me shows incoming and outgoing transfers; accept and cancel work from their forms", async ({ expect }) => {
    const ev = await publishedEvent();
    const seller = await signupBuyer();
    const friend = await signupBuyer();
    const { paid } = await paidOrder(ev, seller, { seats: ["R-B-3", "R-B-4"] });
    const t1 = (await call("POST", `/api/v1/tickets/${paid.tickets[0].ticket_id}/transfer`, { token: seller.token, body: { to_email: friend.email } })).body;
    const t2 = (await call("POST", `/api/v1/tickets/${paid.tickets[1].ticket_id}/transfer`, { token: seller.token, body: { to_email: friend.email } })).body;
    const mine = (await page("/me", { user: seller })).text;
    expect(mine).toContain(`Cancel transfer to ${friend.email}`);
    const theirs = (await page("/me", { user: friend })).text;
    expect(theirs).toContain(`action="/me/transfers/${t1.transfer_id}/accept"`);
    const accepted = await page(`/me/transfers/${t1.transfer_id}/accept`, { user: friend, post: true });
    expect(accepted.location).toBe("/me?done=accepted");
    expect((await page("/me?done=accepted", { user: friend })).text).toContain("the ticket is yours now");
    const cancelled = await page(`/me/transfers/${t2.transfer_id}/cancel`, { user: seller, post: true });
    expect(cancelled.location).toBe("/me?done=cancelled");
    // Doing it again fails and says so.
    expect((await page(`/me/transfers/${t2.transfer_id}/cancel`, { user: seller, post: true })).location).toBe("/me?done=failed");
    const tickets = (await call("GET", "/api/v1/me/tickets", { token: friend.token })).body.tickets;
    expect(tickets.map((t: any) => t.seat_label)).toEqual(["R-B-3"]);
  });

  it("/me shows the send and sell forms, with labels, on a valid ticket and not on a revoked one", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await signupBuyer();
    const friend = await signupBuyer();
    const { paid } = await paidOrder(ev, owner, { seats: ["R-A-1"] });
    const id = paid.tickets[0].ticket_id;
    const html = (await page("/me", { user: owner })).text;
    expect(html).toContain(`action="/me/tickets/${id}/transfer"`);
    expect(html).toContain(`action="/me/tickets/${id}/resale"`);
    expect(html).toContain(`<label for="to-${id}">`);
    expect(html).toContain(`<label for="price-${id}">`);
    expect(html).toMatch(/Sell R-A-1 at face value/);
    // Once the friend accepts, the owner's copy is revoked: no forms on it; the friend's new one has them.
    const t = (await call("POST", `/api/v1/tickets/${id}/transfer`, { token: owner.token, body: { to_email: friend.email } })).body;
    expect((await call("POST", `/api/v1/transfers/${t.transfer_id}/accept`, { token: friend.token })).status).toBe(200);
    const after = (await page("/me", { user: owner })).text;
    expect(after).toContain("Revoked (not valid for entry)");
    expect(after).not.toContain(`action="/me/tickets/${id}/transfer"`);
    expect(after).not.toContain(`action="/me/tickets/${id}/resale"`);
    const newId = (await call("GET", "/api/v1/me/tickets", { token: friend.token })).body.tickets[0].ticket_id;
    expect((await page("/me", { user: friend })).text).toContain(`action="/me/tickets/${newId}/resale"`);
  });

  it("sending through the /me form starts the transfer, and /me shows it; listing it meanwhile says the ticket is locked", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await signupBuyer();
    const friend = await signupBuyer();
    const { paid } = await paidOrder(ev, owner, { seats: ["R-A-2"] });
    const id = paid.tickets[0].ticket_id;
    const bad = await page(`/me/tickets/${id}/transfer`, { user: owner, form: { to_email: "not-an-email" } });
    expect(bad.status).toBe(400);
    const apiBad = await call("POST", `/api/v1/tickets/${id}/transfer`, { token: owner.token, body: { to_email: "not-an-email" } });
    expect(apiBad.status).toBe(400);
    expect(bad.text).toContain(`${apiBad.body.error.message} ${apiBad.body.error.details.issues[0].message}`);
    expect(bad.text).toContain('role="alert"');
    expect(bad.text).toContain("My tickets");
    expect((await call("GET", "/api/v1/me/transfers", { token: owner.token })).body.outgoing).toEqual([]);
    const sent = await page(`/me/tickets/${id}/transfer`, { user: owner, form: { to_email: friend.email } });
    expect(sent.status).toBe(303);
    expect(sent.location).toBe("/me?done=sent");
    const outgoing = (await call("GET", "/api/v1/me/transfers", { token: owner.token })).body.outgoing;
    expect(outgoing.map((t: any) => [t.ticket_id, t.to_email, t.status])).toEqual([[id, friend.email, "pending"]]);
    const me = (await page("/me?done=sent", { user: owner })).text;
    expect(me).toContain("Ticket sent");
    expect(me).toContain(`Cancel transfer to ${friend.email}`);
    // Listing it while the transfer is pending: 409 ticket_locked, its sentence on /me, no listing.
    const locked = await page(`/me/tickets/${id}/resale`, { user: owner, form: { price: "10" } });
    expect(locked.status).toBe(409);
    const apiLocked = await call("POST", `/api/v1/tickets/${id}/resale`, { token: owner.token, body: { price_cents: 1000 } });
    expect(apiLocked.body.error.code).toBe("ticket_locked");
    expect(locked.text).toContain(apiLocked.body.error.message.replace(/'/g, "&#39;"));
    expect((await call("GET", "/api/v1/me/resale", { token: owner.token })).body.listings).toEqual([]);
  });

  it("selling through the /me form lists the ticket at the typed price in major units", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await signupBuyer();
    const { paid } = await paidOrder(ev, owner, { seats: ["R-A-3"] });
    const id = paid.tickets[0].ticket_id;
    const res = await page(`/me/tickets/${id}/resale`, { user: owner, form: { price: "42.50" } });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/me?done=listed");
    const listings = (await call("GET", "/api/v1/me/resale", { token: owner.token })).body.listings;
    expect(listings.map((l: any) => [l.ticket_id ?? id, l.price_cents, l.status])).toEqual([[id, 4250, "listed"]]);
    const me = (await page("/me?done=listed", { user: owner })).text;
    expect(me).toContain("Ticket listed for resale.");
    expect(me).toContain("Withdraw R-A-3");
  });

  it("a price above face value shows the API's sentence and the maximum on /me, and lists nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await signupBuyer();
    const { paid } = await paidOrder(ev, owner, { seats: ["R-A-4"] });
    const id = paid.tickets[0].ticket_id;
    const res = await page(`/me/tickets/${id}/resale`, { user: owner, form: { price: "50.01" } });
    expect(res.status).toBe(422);
    expect(res.text).toContain('role="alert"');
    expect(res.text).toContain("at most the ticket&#39;s face value");
    expect(res.text).toContain("The most you can ask is $50.00.");
    // Still the whole page: the forms are there to try again.
    expect(res.text).toContain(`action="/me/tickets/${id}/resale"`);
    const typo = await page(`/me/tickets/${id}/resale`, { user: owner, form: { price: "12.345" } });
    expect(typo.status).toBe(400);
    expect(typo.text).toContain("Price: type an amount in USD");
    expect((await call("GET", "/api/v1/me/resale", { token: owner.token })).body.listings).toEqual([]);
  });

  it("a send or sell form posted from another site (or with no origin at all) is refused and changes nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const owner = await signupBuyer();
    const friend = await signupBuyer();
    const { paid } = await paidOrder(ev, owner, { seats: ["R-A-5"] });
    const id = paid.tickets[0].ticket_id;
    for (const site of ["cross-site", "same-site", null]) {
      const sent = await page(`/me/tickets/${id}/transfer`, { user: owner, form: { to_email: friend.email }, site });
      expect(sent.status).toBe(403);
      expect(sent.text).toContain("sent from another site");
      const sold = await page(`/me/tickets/${id}/resale`, { user: owner, form: { price: "10" }, site });
      expect(sold.status).toBe(403);
    }
    expect((await call("GET", "/api/v1/me/transfers", { token: owner.token })).body.outgoing).toEqual([]);
    expect((await call("GET", "/api/v1/me/resale", { token: owner.token })).body.listings).toEqual([]);
  });
});
