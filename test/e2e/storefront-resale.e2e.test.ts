/**
 * Transfers and resale in Chromium: a ticket transferred to a second buyer and accepted from
 * /me (the old ticket then reaches gates as a revocation), and a resale listing bought from the
 * event page by a second buyer; both pages without serious or critical axe violations.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "./support/api";
import { startSystem, type RunningSystem } from "./support/server";
import { axeViolations, launchBrowser, signUpInPage } from "./support/storefront";
import { storeEvent } from "./support/storefront-events";

let sys: RunningSystem;
let browser: Browser;
let api: ReturnType<typeof apiClient>;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  sys = await startSystem();
  api = apiClient(sys.origin);
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await sys?.stop();
});

async function buyerPage(): Promise<{ page: Page; email: string }> {
  const context = await browser.newContext({ viewport: { width: 412, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const email = await signUpInPage(page, sys.origin);
  return { page, email };
}

describe("after the sale", () => {
  it("a transfer accepted in a second browser: the recipient holds a new ticket and gates learn the old one is revoked", async () => {
    const ev = await storeEvent(api);
    const seller = await api.signup("buyer");
    const { tickets } = await api.buyTickets(seller.token, ev.eventId, ["STALLS-B-2"]);
    const dev = await api.enrolGateDevice(ev.organizer.token, ev.eventId, "Gate A");
    const full = await api.ok(200, "GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: dev.token });
    const { page, email } = await buyerPage();
    await api.ok(201, "POST", `/api/v1/tickets/${tickets[0]!.ticket_id}/transfer`, { token: seller.token, body: { to_email: email } });

    await page.goto(`${sys.origin}/me`);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/done=accepted/), page.getByRole("button", { name: "Accept ticket" }).click()]);
    await expect(page.getByText("the ticket is yours now").count()).resolves.toBe(1);
    await expect(page.locator(".ticket").first().innerText()).resolves.toContain("STALLS-B-2");
    const jwt = await page.locator(".ticket .qr").first().getAttribute("data-jwt");
    expect(jwt).not.toBe(tickets[0]!.jwt);

    const delta = await api.ok(200, "GET", `/api/v1/gate/events/${ev.eventId}/bundle?since=${encodeURIComponent(full.cursor)}`, { token: dev.token });
    expect(delta.revoked).toEqual([tickets[0]!.ticket_id]);
  });

  it("a resale listing bought from the event page by a second buyer", async () => {
    const ev = await storeEvent(api);
    const seller = await api.signup("buyer");
    const { tickets, orderId } = await api.buyTickets(seller.token, ev.eventId, ["STALLS-C-3"]);
    const listing = await api.ok(201, "POST", `/api/v1/tickets/${tickets[0]!.ticket_id}/resale`, { token: seller.token, body: { price_cents: 2500 } });
    const { page } = await buyerPage();
    await page.goto(`${sys.origin}/events/${ev.eventId}`);
    await page.waitForSelector("body[data-ready='true']");
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/checkout\//), page.getByRole("button", { name: /^Buy STALLS-C-3 for €25\.00$/ }).click()]);
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/orders\/[^/]+\/pay$/);
    await Promise.all([page.waitForURL(/\/orders\/[^/]+$/), page.getByRole("button", { name: "Pay €25.00" }).click()]);
    await page.waitForSelector(".ticket", { timeout: 20_000 });
    await expect(page.locator(".ticket").first().innerText()).resolves.toMatch(/STALLS-C-3/);

    const sellerOrder = await api.ok(200, "GET", `/api/v1/orders/${orderId}`, { token: seller.token });
    expect(sellerOrder.resold_cents).toBe(2500);
    expect(sellerOrder.tickets[0].status).toBe("revoked");
    const listings = await api.ok(200, "GET", `/api/v1/events/${ev.eventId}/resale`);
    expect(listings.listings.map((l: any) => l.listing_id)).not.toContain(listing.listing_id);
  });
});
