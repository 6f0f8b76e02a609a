/**
 * The waitlist on the storefront pages as the server renders them: "join the waitlist" on a
 * sold-out section (a form that works without scripts), the entry on /me with its place in
 * line, then the offer with its countdown (`role="timer"`) and the way to pay, and leaving.
 */
import { exports } from "cloudflare:workers";
import { describe, it, vi } from "vitest";
import { hold } from "./support/checkout";
import { publishedEvent, signupBuyer, type User } from "./support/fixtures";
import { call } from "./support/http";

async function page(path: string, user?: User, form?: Record<string, string>) {
  const headers: Record<string, string> = { "Sec-Fetch-Site": "same-origin" };
  if (user) headers.Cookie = `session=${user.token}`;
  const body = form ? new URLSearchParams(form).toString() : undefined;
  if (form) headers["Content-Type"] = "application/x-www-form-urlencoded";
  const res = await exports.default.fetch(new Request(`http://localhost${path}`, { method: form ? "POST" : "GET", headers, body, redirect: "manual" }));
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("waitlist pages", () => {
  it("join from a sold-out section, see the place in line, get the offer with a countdown, leave", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 2 }], gaCapacity: 5 });
    const holder = await signupBuyer();
    const h = await hold(ev, holder, { seats: ev.seatIds });
    const before = await page(`/events/${ev.eventId}`);
    // Only the sold-out section offers the waitlist.
    expect(before.text).toContain(`action="/events/${ev.eventId}/waitlist"`);
    expect(before.text).toMatch(/name="section" value="R"[\s\S]*Join the waitlist/);
    expect(before.text).not.toContain('id="waitlist-GA"');

    const buyer = await signupBuyer();
    const anonymous = await page(`/events/${ev.eventId}/waitlist`, undefined, { section: "R", quantity: "2" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login\?next=/);
    const joined = await page(`/events/${ev.eventId}/waitlist`, buyer, { section: "R", quantity: "2" });
    expect(joined.status).toBe(303);
    expect(joined.headers.get("Location")).toBe("/me#waitlist");
    const again = await page(`/events/${ev.eventId}/waitlist`, buyer, { section: "R", quantity: "1" });
    expect(again.status).toBe(409);
    expect(again.text).toContain("already on the waitlist");
    const notSoldOut = await page(`/events/${ev.eventId}/waitlist`, buyer, { section: "GA", quantity: "1" });
    expect(notSoldOut.status).toBe(422);

    const waiting = await page("/me", buyer);
    expect(waiting.text).toMatch(/<h2>Waitlist<\/h2>/);
    expect(waiting.text).toContain("number 1 in line");
    expect(waiting.text).not.toContain('role="timer"');

    await call("DELETE", `/api/v1/holds/${h.hold_id}`, { token: holder.token });
    const offered = await vi.waitFor(
      async () => {
        const me = await page("/me", buyer);
        if (!me.text.includes('data-status="offered"')) throw new Error("no offer yet");
        return me;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(offered.text).toMatch(/role="timer"[^>]*data-countdown-to="[^"]+"/);
    const holdId = /href="\/checkout\/(hld_[0-9a-z]+)"/.exec(offered.text)?.[1];
    expect(holdId).toBeDefined();
    expect((await page(`/checkout/${holdId}`, buyer)).status).toBe(200);
    expect(offered.text).toContain("/store/countdown.js");

    const entryId = /data-entry-id="(wle_[0-9a-z]+)"/.exec(offered.text)![1];
    const left = await page(`/waitlist/${entryId}/leave`, buyer, {});
    expect(left.status).toBe(303);
    expect((await page("/me", buyer)).text).not.toContain(`data-entry-id="${entryId}"`);
    // The released offer is on sale again (nobody else waits).
    expect((await call("GET", `/api/v1/holds/${holdId}`, { token: buyer.token })).status).toBe(404);
  });
});
