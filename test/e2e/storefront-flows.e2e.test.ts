/**
 * Storefront flows in Chromium: hold expiry freeing seats for others, promo codes, declined
 * payments, the waiting room hand-off, and tickets on /me after an offline reload.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { decodeQrPng, storefrontSuite } from "./support/storefront";
import { storeEvent } from "./support/storefront-events";

const suite = storefrontSuite();

const newPage = suite.newPage;
const buyer = suite.buyer;

const seat = (page: Page, label: string) => page.getByRole("button", { name: new RegExp(`^${label},`) });
const seatLabel = (page: Page, id: string) => page.locator(`[data-seat="${id}"]`).getAttribute("aria-label");

async function openEvent(page: Page, eventId: string) {
  await page.goto(`${suite.sys.origin}/events/${eventId}`);
  await page.waitForSelector("body[data-ready='true']");
}

/** Picks the seats and holds them; a refusal fails with the sentence the page shows. */
async function holdSeats(page: Page, labels: string[]) {
  for (const l of labels) await seat(page, l).click();
  await page.getByRole("button", { name: "Hold selected seats" }).click();
  const message = page.locator("#event-message:not([hidden])");
  const outcome = await Promise.race([
    page.waitForURL(/\/checkout\//, { timeout: 60_000 }).then(() => "held"),
    message.waitFor({ timeout: 60_000 }).then(() => message.innerText({ timeout: 1_000 })),
  ]).catch((err) => `no answer: ${err}`);
  if (outcome !== "held" && !page.url().includes("/checkout/")) throw new Error(`hold refused: ${outcome}`);
  await page.waitForLoadState("load");
}

describe("holds end", () => {
  it("when A's hold expires (60 s TTL), B sees the seats free again and A's checkout says to pick again", async () => {
    const ev = await storeEvent(suite.api, { holdTtlSeconds: 60 });
    const [a, b] = [await buyer(), await buyer()];
    await Promise.all([openEvent(a, ev.eventId), openEvent(b, ev.eventId)]);
    await holdSeats(a, ["STALLS-C-4", "STALLS-C-5"]);
    await b.waitForFunction(() => document.querySelector('[data-seat="STALLS-C-4"]')?.getAttribute("aria-label")?.startsWith("STALLS-C-4, held"), undefined, {
      timeout: 10_000,
    });
    await expect(a.getByRole("timer").innerText()).resolves.toMatch(/^[01]:\d\d$/);
    await b.waitForFunction(
      () => ["STALLS-C-4", "STALLS-C-5"].every((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute("aria-label")?.startsWith(`${id}, available`)),
      undefined,
      { timeout: 90_000, polling: 50 },
    );
    await expect(a.getByRole("alert").innerText()).resolves.toContain("Your hold expired and the seats went back on sale. Pick again");
    await expect(a.getByRole("button", { name: "Continue to payment" }).isDisabled()).resolves.toBe(true);
    // B can have them now.
    await holdSeats(b, ["STALLS-C-4"]);
    await expect(b.locator(".hold-items").innerText()).resolves.toContain("STALLS-C-4");
  });

  it("cancel on checkout releases the hold at once", async () => {
    const ev = await storeEvent(suite.api);
    const a = await buyer();
    await openEvent(a, ev.eventId);
    await holdSeats(a, ["STALLS-B-7"]);
    await Promise.all([a.waitForURL(/\/events\//), a.getByRole("button", { name: "Cancel and release these seats" }).click()]);
    await a.waitForSelector("body[data-ready='true']");
    await expect(a.getByRole("alert").innerText()).resolves.toContain("Your hold was cancelled and the seats were released.");
    const map = await suite.api.ok(200, "GET", `/api/v1/events/${ev.eventId}/seats?section=STALLS`);
    expect(map.sections[0].seats.find((s: { seat_id: string }) => s.seat_id === "STALLS-B-7").status).toBe("available");
    await expect(seatLabel(a, "STALLS-B-7")).resolves.toMatch(/^STALLS-B-7, available/);
  });
});

describe("checkout", () => {
  it("GA quantity with a promo code: the payment page shows the discount; a declined payment frees the places and says pick again", async () => {
    const ev = await storeEvent(suite.api);
    await suite.api.ok(201, "POST", `/api/v1/admin/events/${ev.eventId}/promo-codes`, { token: ev.organizer.token, body: { code: "TENOFF", percent_off: 10 } });
    const a = await buyer();
    await openEvent(a, ev.eventId);
    await a.getByLabel("Tickets").selectOption("3");
    await Promise.all([a.waitForURL(/\/checkout\//), a.getByRole("button", { name: "Hold tickets" }).click()]);
    await expect(a.locator(".total").innerText()).resolves.toContain("€60.00");
    await a.getByLabel("Promo code (optional)").fill("NOPE");
    await a.getByRole("button", { name: "Continue to payment" }).click();
    await expect(a.getByRole("alert").innerText()).resolves.toContain("Your seats are still held");
    await a.getByLabel("Promo code (optional)").fill("TENOFF");
    await Promise.all([a.waitForURL(/\/pay$/), a.getByRole("button", { name: "Continue to payment" }).click()]);
    await expect(a.locator("[data-discount]").innerText()).resolves.toBe("−€6.00");
    await Promise.all([a.waitForURL(/\/orders\/[^/]+$/), a.getByRole("button", { name: "Decline" }).click()]);
    await a.waitForFunction(() => document.getElementById("order-status")?.dataset.status === "failed", undefined, { timeout: 20_000 });
    await expect(a.getByRole("status").innerText()).resolves.toContain("The payment was declined, and the seats were released. Pick again");
    await suite.api.until("FLOOR back to 40", async () => {
      const m = await suite.api.ok(200, "GET", `/api/v1/events/${ev.eventId}/seats?section=FLOOR`);
      return m.sections[0].available === 40 ? true : undefined;
    });
  });
});

describe("errors are sentences", () => {
  it("rate limited: a live retry countdown from Retry-After, the hold button off until it ends, then the hold works", async () => {
    const ev = await storeEvent(suite.api);
    const a = await buyer();
    await openEvent(a, ev.eventId);
    // The server's 429 is tested in the workers tests; here the page's answer to one.
    let refused = false;
    await a.route(`**/api/v1/events/${ev.eventId}/holds`, async (route) => {
      if (refused) return route.continue();
      refused = true;
      await route.fulfill({
        status: 429,
        headers: { "Content-Type": "application/json", "Retry-After": "3" },
        body: JSON.stringify({ error: { code: "rate_limited", message: "Too many requests; try again later." } }),
      });
    });
    await seat(a, "STALLS-C-2").click();
    const hold = a.getByRole("button", { name: "Hold selected seats" });
    await hold.click();
    await expect(a.getByRole("alert").innerText()).resolves.toMatch(/^Too many tries in a short time\. Retry in 0:0[23]\.$/);
    await expect(hold.isDisabled()).resolves.toBe(true);
    await a.waitForFunction(() => document.getElementById("event-message")?.innerText.includes("You can try again now."), undefined, { timeout: 6_000 });
    await expect(hold.isDisabled()).resolves.toBe(false);
    await Promise.all([a.waitForURL(/\/checkout\//), hold.click()]);
  });

  it("the selection stops at the per-buyer limit with a sentence", async () => {
    const ev = await storeEvent(suite.api);
    const a = await buyer();
    await openEvent(a, ev.eventId);
    for (let n = 1; n <= 6; n++) await seat(a, `STALLS-C-${n}`).click();
    await seat(a, "STALLS-C-7").click();
    await expect(a.getByRole("alert").innerText()).resolves.toBe("You can pick up to 6 tickets for this event.");
    await expect(seatLabel(a, "STALLS-C-7")).resolves.toMatch(/^STALLS-C-7, available/);
  });
});

describe("waiting room", () => {
  it("the event page queues the buyer, shows the position, and on admission the hold works with no token to copy", async () => {
    const ev = await storeEvent(suite.api, { waitingRoom: { enabled: true, admit_per_minute: 600, session_seconds: 600 } });
    const a = await buyer();
    await a.goto(`${suite.sys.origin}/events/${ev.eventId}`);
    // Generous waits: on a loaded machine the room's admission tick can come late.
    await a.waitForURL(/\/queue$/, { timeout: 60_000 });
    await expect(a.getByRole("status").first().innerText()).resolves.toMatch(/number \d+ in line|your turn/i);
    await a.waitForURL((u) => u.pathname === `/events/${ev.eventId}`, { timeout: 120_000 });
    await a.waitForSelector("body[data-ready='true']", { timeout: 60_000 });
    await holdSeats(a, ["STALLS-A-1", "STALLS-A-2"]);
    await expect(a.locator(".hold-items").innerText()).resolves.toContain("STALLS-A-1, STALLS-A-2");
  });
});

describe("my tickets", () => {
  it("/me shows the tickets with QR, event, date, seat and status, also after an offline reload", async () => {
    const ev = await storeEvent(suite.api);
    const email = `fan-${crypto.randomUUID()}@example.test`;
    const fan = await suite.api.ok(201, "POST", "/api/v1/auth/signup", { body: { email, password: "fan-password-123", name: "Fan" } });
    const bought = await suite.api.buyTickets(fan.token, ev.eventId, ["STALLS-A-5"]);
    const page = await newPage();
    const me = await suite.api.ok(200, "GET", "/api/v1/me/tickets", { token: fan.token });
    expect(me.tickets).toHaveLength(1);
    // Log in through the page with the account made through the API.
    await page.goto(`${suite.sys.origin}/login?next=/me`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("fan-password-123");
    await Promise.all([page.waitForURL(/\/me$/), page.getByRole("button", { name: "Log in" }).click()]);
    await page.waitForSelector("body[data-offline-ready='true']", { timeout: 20_000 });

    await page.context().setOffline(true);
    await page.reload();
    const card = page.locator(".ticket");
    await expect(card.count()).resolves.toBe(1);
    const text = await card.innerText();
    expect(text).toContain(ev.name);
    expect(text).toContain("Seat: STALLS-A-5");
    expect(text).toContain("Valid");
    expect(text).toMatch(/20\d\d/);
    const jwt = bought.tickets[0]!.jwt;
    expect(await decodeQrPng(await card.locator(".qr").screenshot())).toBe(jwt);
    await page.context().setOffline(false);
  });
});
