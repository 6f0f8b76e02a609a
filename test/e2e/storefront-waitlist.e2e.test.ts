/**
 * The waitlist in Chromium: on a sold-out event a buyer joins from the event page; the seats
 * another buyer releases arrive as an offer on /me (with its countdown), and the buyer pays it
 * through the ordinary checkout. axe-core (serious, critical) on the pages on the way.
 */
import { expect, it } from "vitest";
import { axeViolations, signUpInPage, storefrontSuite } from "./support/storefront";

const suite = storefrontSuite();

it("released seats of a sold-out event arrive as an offer to the first waiting buyer, who pays it", async () => {
  const ev = await suite.api.publishedEvent(2);
  const holder = await suite.api.signup("buyer");
  const held = await suite.api.ok(201, "POST", `/api/v1/events/${ev.eventId}/holds`, { token: holder.token, body: { seats: ["R-A-1", "R-A-2"] } });

  const context = await suite.browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signUpInPage(page, suite.sys.origin);
  await page.goto(`${suite.sys.origin}/events/${ev.eventId}`);
  await page.getByLabel("Tickets wanted in Stalls").selectOption("2");
  expect(await axeViolations(page), "axe on the sold-out event page").toEqual([]);
  await Promise.all([page.waitForURL(/\/me/), page.getByRole("button", { name: "Join the waitlist" }).click()]);
  await expect(page.locator("#waitlist").innerText()).resolves.toContain("number 1 in line");
  expect(await axeViolations(page), "axe on /me, waiting").toEqual([]);

  await suite.api.ok(200, "DELETE", `/api/v1/holds/${held.hold_id}`, { token: holder.token });
  await suite.api.until("the offer on /me", async () => {
    await page.reload();
    return (await page.locator('[data-status="offered"]').count()) > 0 ? true : undefined;
  });
  await expect(page.getByRole("timer").innerText()).resolves.toMatch(/^Pay within \d+:\d\d$/);
  expect(await axeViolations(page), "axe on /me, offered").toEqual([]);

  await Promise.all([page.waitForURL(/\/checkout\//), page.getByRole("link", { name: "Pay for your seats" }).click()]);
  await Promise.all([page.waitForURL(/\/pay$/), page.getByRole("button", { name: "Continue to payment" }).click()]);
  await Promise.all([page.waitForURL(/\/orders\/[^/]+$/), page.getByRole("button", { name: /^Pay / }).click()]);
  await page.waitForFunction(() => document.getElementById("order-status")?.dataset.status === "paid", undefined, { timeout: 20_000 });
  await page.goto(`${suite.sys.origin}/me`);
  await expect(page.locator('[data-status="purchased"]').count()).resolves.toBe(1);
  await context.close();
});
