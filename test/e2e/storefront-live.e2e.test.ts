/**
 * The event page on the live seat map (contract "Live seat map"): another buyer's hold reaches
 * an open page within 1 s, and "best N available" holds adjacent seats in the best row.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { storefrontSuite } from "./support/storefront";
import { storeEvent } from "./support/storefront-events";

const suite = storefrontSuite();

const buyer = suite.buyer;

async function openLive(page: Page, eventId: string) {
  await page.goto(`${suite.sys.origin}/events/${eventId}`);
  await page.waitForSelector("body[data-ready='true']");
  await page.waitForFunction(() => document.getElementById("event")?.dataset.live === "live", undefined, { timeout: 15_000 });
}

describe("live seat map", () => {
  it("A holds two seats in the page and B's page shows them held within 1 s, without a reload", async () => {
    const ev = await storeEvent(suite.api);
    const [a, b] = [await buyer(), await buyer()];
    await Promise.all([openLive(a, ev.eventId), openLive(b, ev.eventId)]);
    await a.getByRole("button", { name: /^STALLS-B-5,/ }).click();
    await a.getByRole("button", { name: /^STALLS-B-6,/ }).click();
    const watching = b.waitForFunction(
      () => ["STALLS-B-5", "STALLS-B-6"].every((id) => document.querySelector(`[data-seat="${id}"]`)?.getAttribute("aria-label")?.startsWith(`${id}, held,`)),
      undefined,
      { timeout: 5_000, polling: "raf" },
    );
    const [holdAnswer] = await Promise.all([
      a.waitForResponse((r) => r.url().endsWith(`/api/v1/events/${ev.eventId}/holds`) && r.request().method() === "POST"),
      a.getByRole("button", { name: "Hold selected seats" }).click(),
    ]);
    expect(holdAnswer.status()).toBe(201);
    const answeredAt = Date.now();
    await watching;
    expect(Date.now() - answeredAt).toBeLessThan(1000);
    await expect(b.locator('[data-available-for="STALLS"]').innerText()).resolves.toBe("22 of 24 seats available");
  });

  it("best 3 available: adjacent seats in the best row, nearest its middle, straight to checkout", async () => {
    const ev = await storeEvent(suite.api);
    const a = await buyer();
    await openLive(a, ev.eventId);
    await a.getByLabel("Best seats together in Stalls").selectOption("3");
    await Promise.all([a.waitForURL(/\/checkout\//), a.getByRole("button", { name: "Find best seats" }).click()]);
    const seats = (await a.locator(".hold-items").innerText()).match(/STALLS-[A-C]-\d+/g) ?? [];
    expect(seats).toHaveLength(3);
    const rows = new Set(seats.map((s) => s.split("-")[1]));
    expect([...rows]).toEqual(["A"]);
    const numbers = seats.map((s) => Number(s.split("-")[2])).sort((x, y) => x - y);
    expect(numbers[1]! - numbers[0]!).toBe(1);
    expect(numbers[2]! - numbers[1]!).toBe(1);
    // Eight seats in the row: the middle three are 3-5 or 4-6.
    expect([[3, 4, 5], [4, 5, 6]]).toContainEqual(numbers);
  });

  it("best available with no room for the group is a sentence, and the map stays", async () => {
    const ev = await storeEvent(suite.api, { seatsPerRow: 2 });
    const a = await buyer();
    await openLive(a, ev.eventId);
    await a.getByLabel("Best seats together in Stalls").selectOption("3");
    await a.getByRole("button", { name: "Find best seats" }).click();
    await a.waitForFunction(() => !document.getElementById("event-message")?.hidden);
    await expect(a.getByRole("alert").innerText()).resolves.toContain("No row has that many free seats together any more.");
    expect(a.url()).toContain(`/events/${ev.eventId}`);
  });
});
