/**
 * Transfers and resale in Chromium: a ticket transferred to a second buyer and accepted from
 * /me (the old ticket then reaches gates as a revocation), and a resale listing bought from the
 * event page by a second buyer; both pages without serious or critical axe violations.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeViolations, signUpInPage, storefrontSuite } from "./support/storefront";
import { storeEvent } from "./support/storefront-events";

const suite = storefrontSuite();

async function buyerPage(): Promise<{ page: Page; email: string }> {
  const page = await suite.newPage();
  const email = await signUpInPage(page, suite.sys.origin);
  return { page, email };
}

describe("after the sale", () => {
  it("a transfer accepted in a second browser: the recipient holds a new ticket and gates learn the old one is revoked", async () => {
    const ev = await storeEvent(suite.api);
    const seller = await suite.api.signup("buyer");
    const { tickets } = await suite.api.buyTickets(seller.token, ev.eventId, ["STALLS-B-2"]);
    const dev = await suite.api.enrolGateDevice(ev.organizer.token, ev.eventId, "Gate A");
    const full = await suite.api.ok(200, "GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: dev.token });
    const { page, email } = await buyerPage();
    await suite.api.ok(201, "POST", `/api/v1/tickets/${tickets[0]!.ticket_id}/transfer`, { token: seller.token, body: { to_email: email } });

    await page.goto(`${suite.sys.origin}/me`);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/done=accepted/), page.getByRole("button", { name: "Accept ticket" }).click()]);
    await expect(page.getByText("the ticket is yours now").count()).resolves.toBe(1);
    await expect(page.locator(".ticket").first().innerText()).resolves.toContain("STALLS-B-2");
    const jwt = await page.locator(".ticket .qr").first().getAttribute("data-jwt");
    expect(jwt).not.toBe(tickets[0]!.jwt);

    const delta = await suite.api.ok(200, "GET", `/api/v1/gate/events/${ev.eventId}/bundle?since=${encodeURIComponent(full.cursor)}`, { token: dev.token });
    expect(delta.revoked).toEqual([tickets[0]!.ticket_id]);
  });

  it("a resale listing bought from the event page by a second buyer", async () => {
    const ev = await storeEvent(suite.api);
    const seller = await suite.api.signup("buyer");
    const { tickets, orderId } = await suite.api.buyTickets(seller.token, ev.eventId, ["STALLS-C-3"]);
    const listing = await suite.api.ok(201, "POST", `/api/v1/tickets/${tickets[0]!.ticket_id}/resale`, { token: seller.token, body: { price_cents: 2500 } });
    const { page } = await buyerPage();
    await page.goto(`${suite.sys.origin}/events/${ev.eventId}`);
    await page.waitForSelector("body[data-ready='true']");
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/checkout\//), page.getByRole("button", { name: /^Buy STALLS-C-3 for €25\.00$/ }).click()]);
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/orders\/[^/]+\/pay$/);
    await Promise.all([page.waitForURL(/\/orders\/[^/]+$/), page.getByRole("button", { name: "Pay €25.00" }).click()]);
    await page.waitForSelector(".ticket", { timeout: 20_000 });
    await expect(page.locator(".ticket").first().innerText()).resolves.toMatch(/STALLS-C-3/);

    const sellerOrder = await suite.api.ok(200, "GET", `/api/v1/orders/${orderId}`, { token: seller.token });
    expect(sellerOrder.resold_cents).toBe(2500);
    expect(sellerOrder.tickets[0].status).toBe("revoked");
    const listings = await suite.api.ok(200, "GET", `/api/v1/events/${ev.eventId}/resale`);
    expect(listings.listings.map((l: any) => l.listing_id)).not.toContain(listing.listing_id);
  });
});
