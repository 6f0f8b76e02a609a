/** The storefront's transfer and resale parts, as the server renders them and through their forms. */
import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { paidOrder } from "./support/checkout";
import { publishedEvent, signupBuyer, type User } from "./support/fixtures";
import { call } from "./support/http";

async function page(path: string, opts: { user?: User; post?: boolean } = {}) {
  const headers: Record<string, string> = { "Sec-Fetch-Site": "same-origin" };
  if (opts.user) headers.Cookie = `session=${opts.user.token}`;
  if (opts.post) headers["Content-Type"] = "application/x-www-form-urlencoded";
  const req = new Request(`http://localhost${path}`, { method: opts.post ? "POST" : "GET", headers, body: opts.post ? "" : undefined, redirect: "manual" });
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
});
