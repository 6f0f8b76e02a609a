/**
 * Every storefront page, as a buyer meets it on a 360 px wide phone: axe-core finds no serious
 * or critical violation, and nothing overflows horizontally.
 * With STOREFRONT_SCREENSHOT=<file.png> it also saves a screenshot of the event page (the README's).
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { axeViolations, horizontalOverflow, signUpInPage, storefrontSuite } from "./support/storefront";
import { storeEvent } from "./support/storefront-events";

const suite = storefrontSuite();

const checked: string[] = [];

/** axe and overflow on the page as it is now. */
async function check(page: Page, what: string) {
  await page.waitForLoadState("load");
  expect(await axeViolations(page), `axe on ${what}`).toEqual([]);
  expect(await horizontalOverflow(page), `horizontal overflow on ${what}`).toBeLessThanOrEqual(0);
  checked.push(what);
}

it("every page passes axe and fits a 360 px screen", async () => {
  const ev = await storeEvent(suite.api, { seatsPerRow: 16, name: "Storefront Night: The Edge Quartet" });
  const soon = await storeEvent(suite.api, { onSaleAt: new Date(Date.now() + 2 * 24 * 3600_000) });
  const queued = await storeEvent(suite.api, { waitingRoom: { enabled: true, admit_per_minute: 1, session_seconds: 600 } });
  // A section of several thousand seats: 40 rows of 100.
  const big = await storeEvent(suite.api, { seatsPerRow: 100, rowCount: 40 });
  // Some seats held and sold by others, so the map shows every status.
  const other = await suite.api.signup("buyer");
  await suite.api.buyTickets(other.token, ev.eventId, ["STALLS-A-7", "STALLS-A-8", "STALLS-A-9"]);
  await suite.api.ok(201, "POST", `/api/v1/events/${ev.eventId}/holds`, { token: other.token, body: { seats: ["STALLS-B-4", "STALLS-B-5"] } });
  // People ahead in the queue (admitted at one a minute), so the next buyer waits.
  for (let i = 0; i < 4; i++) await suite.api.ok(201, "POST", `/api/v1/events/${queued.eventId}/queue`, { token: (await suite.api.signup("buyer")).token });

  const context = await suite.browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
  const page = await context.newPage();

  await page.goto(`${suite.sys.origin}/`);
  await check(page, "home");
  await page.getByLabel("Search").fill("nothing matches this");
  await Promise.all([page.waitForURL(/q=/), page.getByRole("button", { name: "Search" }).click()]);
  await check(page, "home, no results");
  await page.goto(`${suite.sys.origin}/no-such-page`);
  await check(page, "404");
  await page.goto(`${suite.sys.origin}/login`);
  await check(page, "log in");
  await page.goto(`${suite.sys.origin}/signup`);
  await check(page, "sign up");
  await page.goto(`${suite.sys.origin}/events/${soon.eventId}`);
  await check(page, "event, on sale soon");
  await expect(page.getByRole("timer").innerText()).resolves.toMatch(/Sale opens in [12] d/);

  await signUpInPage(page, suite.sys.origin);
  await check(page, "me, no tickets");
  await page.goto(`${suite.sys.origin}/events/${big.eventId}`);
  await page.waitForSelector("body[data-ready='true']");
  await expect(page.getByRole("button", { name: /^STALLS-R40-100, available, €30\.00$/ }).count()).resolves.toBe(1);
  await check(page, "event, 4,000-seat section");
  const view = page.locator(".seatmap-view").first();
  const fitWidth = await view.locator("svg").evaluate((svg) => svg.getBoundingClientRect().width);
  await page.getByRole("button", { name: "Zoom in" }).first().click();
  await page.getByRole("button", { name: "Zoom in" }).first().click();
  const zoomedWidth = await view.locator("svg").evaluate((svg) => svg.getBoundingClientRect().width);
  expect(zoomedWidth).toBeGreaterThan(fitWidth * 2);
  // Zoomed in, the section scrolls inside its box; the page itself does not.
  await expect(view.evaluate((el) => el.scrollWidth > el.clientWidth)).resolves.toBe(true);
  await check(page, "event, 4,000-seat section zoomed in");

  await page.goto(`${suite.sys.origin}/events/${queued.eventId}`);
  await page.waitForURL(/\/queue$/);
  await expect(page.getByRole("status").first().innerText()).resolves.toMatch(/number [2-5] in line/);
  await check(page, "waiting room");

  await page.goto(`${suite.sys.origin}/events/${ev.eventId}`);
  await page.waitForSelector("body[data-ready='true']");
  await page.getByRole("button", { name: /^STALLS-A-4,/ }).click();
  await page.getByRole("button", { name: /^STALLS-A-5,/ }).click();
  await check(page, "event, seats selected");
  const shot = process.env.STOREFRONT_SCREENSHOT;
  if (shot) {
    const wide = await context.newPage();
    await wide.setViewportSize({ width: 900, height: 1100 });
    await wide.goto(`${suite.sys.origin}/events/${ev.eventId}`);
    await wide.waitForSelector("body[data-ready='true']");
    await wide.getByRole("button", { name: /^STALLS-A-4,/ }).click();
    await wide.getByRole("button", { name: /^STALLS-A-5,/ }).click();
    await wide.screenshot({ path: shot, fullPage: true });
    await wide.close();
  }
  await page.getByRole("button", { name: /^STALLS-B-4,/ }).click();
  await check(page, "event, refused seat message");

  await Promise.all([page.waitForURL(/\/checkout\//), page.getByRole("button", { name: "Hold selected seats" }).click()]);
  await check(page, "checkout");
  await Promise.all([page.waitForURL(/\/pay$/), page.getByRole("button", { name: "Continue to payment" }).click()]);
  await check(page, "test payment");
  await Promise.all([page.waitForURL(/\/orders\/[^/]+$/), page.getByRole("button", { name: /^Pay / }).click()]);
  await page.waitForSelector(".ticket", { timeout: 20_000 });
  await check(page, "order with tickets");
  await page.goto(`${suite.sys.origin}/me`);
  await check(page, "me, with tickets");
  expect(checked).toHaveLength(16);

  // The checks can fail: a nameless button and a 600 px wide box are caught.
  await page.evaluate(() => {
    document.querySelector("main")!.insertAdjacentHTML("beforeend", '<button type="button"></button><div style="width:600px;height:4px"></div>');
  });
  expect((await axeViolations(page)).map((v) => v.id)).toContain("button-name");
  expect(await horizontalOverflow(page)).toBeGreaterThan(200);
  await context.close();
});
