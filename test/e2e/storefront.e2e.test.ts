/**
 * The storefront in Chromium against the real system (wrangler dev): two buyers on one event,
 * live seat changes, refused holds, paying with the local provider, tickets and their QR codes.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { decodeQrPng, storefrontSuite } from "./support/storefront";
import { storeEvent } from "./support/storefront-events";

const suite = storefrontSuite();

const buyer = suite.buyer;

const seat = (page: Page, label: string) => page.getByRole("button", { name: new RegExp(`^${label},`) });

async function openEvent(page: Page, eventId: string) {
  await page.goto(`${suite.sys.origin}/events/${eventId}`);
  await page.waitForSelector("body[data-ready='true']");
}

describe("two buyers on one event", () => {
  it("A holds two seats and B sees them turn held without a reload; B's try on them is refused; A pays and gets tickets whose QR codes are the JWTs", async () => {
    const ev = await storeEvent(suite.api);
    const [a, b] = [await buyer(), await buyer()];
    await Promise.all([openEvent(a, ev.eventId), openEvent(b, ev.eventId)]);

    // Seats are buttons named "<label>, <status>, <price>", price in the event's currency.
    await expect(seat(a, "STALLS-A-3").getAttribute("aria-label")).resolves.toBe("STALLS-A-3, available, €45.00");
    await expect(seat(a, "STALLS-B-1").getAttribute("aria-label")).resolves.toBe("STALLS-B-1, available, €30.00");

    // A picks two seats by click and by keyboard.
    await seat(a, "STALLS-A-3").click();
    await seat(a, "STALLS-A-3").press("ArrowRight");
    await a.keyboard.press("Enter");
    await expect(seat(a, "STALLS-A-3").getAttribute("aria-label")).resolves.toBe("STALLS-A-3, selected, €45.00");
    await expect(seat(a, "STALLS-A-4").getAttribute("aria-label")).resolves.toBe("STALLS-A-4, selected, €45.00");
    await expect(a.locator("#selection-summary").innerText()).resolves.toContain("Total €90.00");

    // B has picked one of them too, and another seat.
    await seat(b, "STALLS-A-4").click();
    await seat(b, "STALLS-C-1").click();

    await Promise.all([a.waitForURL(/\/checkout\//), a.getByRole("button", { name: "Hold selected seats" }).click()]);
    await b.waitForFunction(
      () => ["STALLS-A-3", "STALLS-A-4"].every((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute("aria-label")?.startsWith(`${id}, held,`)),
      undefined,
      { timeout: 8_000, polling: 50 },
    );

    // B's page says so, and the rest of B's selection stays.
    await expect(b.getByRole("alert").innerText()).resolves.toContain("Just taken by someone else: STALLS-A-4");
    await expect(seat(b, "STALLS-C-1").getAttribute("aria-label")).resolves.toBe("STALLS-C-1, selected, €30.00");

    // B taps A's held seat: refused with a sentence, the seat flashes.
    await seat(b, "STALLS-A-3").click();
    await expect(b.getByRole("alert").innerText()).resolves.toContain("STALLS-A-3 is held by someone else");
    await expect(seat(b, "STALLS-A-3").getAttribute("class")).resolves.toContain("flash");

    // A: the hold counts down; continue to the test payment page and pay.
    const timer = a.getByRole("timer");
    await expect(timer.innerText()).resolves.toMatch(/^(9|10):\d\d$/);
    await a.getByRole("button", { name: "Continue to payment" }).click();
    await a.waitForURL(/\/orders\/[^/]+\/pay$/);
    await Promise.all([a.waitForURL(/\/orders\/[^/]+$/), a.getByRole("button", { name: "Pay €90.00" }).click()]);
    await a.waitForSelector(".ticket", { timeout: 20_000 });
    const cards = a.locator(".ticket");
    await expect(cards.count()).resolves.toBe(2);
    for (let i = 0; i < 2; i++) {
      const qr = cards.nth(i).locator(".qr");
      const jwt = await qr.getAttribute("data-jwt");
      expect(jwt).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(await decodeQrPng(await qr.screenshot())).toBe(jwt);
    }
    await expect(a.locator(".ticket").first().innerText()).resolves.toMatch(/Seat: STALLS-A-[34]/);
    // B's map shows them sold.
    await b.waitForFunction(() => document.querySelector('[data-seat="STALLS-A-3"]')?.getAttribute("aria-label")?.startsWith("STALLS-A-3, sold,"), undefined, { timeout: 5_000 });
  });

  it("a hold refused by the server (seat taken before the page knew): the taken seat flashes, the rest of the selection stays", async () => {
    const ev = await storeEvent(suite.api);
    const b = await buyer();
    // B's live feed is cut (an open socket that says nothing), so its map does not learn of C's hold.
    await b.routeWebSocket(/\/seats\/live/, () => {});
    await openEvent(b, ev.eventId);
    await seat(b, "STALLS-B-2").click();
    await seat(b, "STALLS-B-3").click();
    const c = await suite.api.signup("buyer");
    await suite.api.ok(201, "POST", `/api/v1/events/${ev.eventId}/holds`, { token: c.token, body: { seats: ["STALLS-B-2"] } });
    await b.getByRole("button", { name: "Hold selected seats" }).click();
    await b.waitForFunction(() => !document.getElementById("event-message")?.hidden);
    await expect(b.getByRole("alert").innerText()).resolves.toContain("Just taken by someone else: STALLS-B-2. Pick other seats. The rest of your selection is still picked.");
    await expect(seat(b, "STALLS-B-2").getAttribute("aria-label")).resolves.toBe("STALLS-B-2, held, €30.00");
    await expect(seat(b, "STALLS-B-2").getAttribute("class")).resolves.toContain("flash");
    await expect(seat(b, "STALLS-B-3").getAttribute("aria-label")).resolves.toBe("STALLS-B-3, selected, €30.00");
    expect(b.url()).toContain(`/events/${ev.eventId}`);
  });
});
