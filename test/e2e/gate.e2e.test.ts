/**
 * The gate scanner end to end: the real Worker (wrangler dev) and the real app in Debian's
 * Chromium, a fake camera showing tickets' QR codes, the network cut with setOffline.
 * Tickets are bought and refunded through the public API. Nothing is skipped: without
 * Chromium this fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { buildGate } from "../../scripts/build-gate.mjs";
import { apiClient, type Ticket } from "./support/api";
import type { BrowserContext } from "playwright-core";
import { enrolAndSync, firstPage, launchDevice, verdictText, waitReady, waitSyncedAfter } from "./support/browser";
import { rasterizeSvg, writeQrVideo } from "./support/qr-video";
import { startSystem, type RunningSystem } from "./support/server";

let system: RunningSystem;
let work: string;
/** Every browser this file opened, closed in afterAll even when a step failed. */
const browsers: BrowserContext[] = [];
const open = async (...args: Parameters<typeof launchDevice>) => {
  const ctx = await launchDevice(...args);
  browsers.push(ctx);
  return ctx;
};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "gate-e2e-browser-"));
  await buildGate(); // the app under test is the current source, not a stale build
  system = await startSystem();
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(browsers.map((b) => b.close()));
  await system?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Flips one character of the signature: a forged ticket that looks right. */
function forge(jwt: string): string {
  const [h, p, s] = jwt.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  const forgedPayload = Buffer.from(JSON.stringify({ ...claims, seat: "R-A-99" })).toString("base64url");
  return `${h}.${forgedPayload}.${s}`;
}

// expect.poll gives up after 1 s by default: too tight for a page sharing 2 loaded cores with wrangler dev.
const UI_WAIT = { timeout: 15_000, interval: 50 };

describe("gate scanner in Chromium", () => {
  it("enrols, syncs, scans offline (valid, duplicate, revoked, forged), survives an offline reload, and reconciles two devices", async ({
    expect,
  }) => {
    const api = apiClient(system.origin);
    const { organizer, eventId, name: eventName } = await api.publishedEvent();
    const buyer = await api.signup("buyer");
    const kept = await api.buyTickets(buyer.token, eventId, ["R-A-1", "R-A-2"]);
    const refunded = await api.buyTickets(buyer.token, eventId, ["R-A-3"]);
    await api.ok(200, "POST", `/api/v1/admin/orders/${refunded.orderId}/refund`, { token: organizer.token });
    const [t1, t3] = kept.tickets as [Ticket, Ticket];
    const t2 = refunded.tickets[0]!;
    await api.until("refunded ticket revoked", async () =>
      (await api.ticket(buyer.token, refunded.orderId, t2.ticket_id)).status === "revoked" ? true : undefined,
    );

    // The fake camera clips: each ticket's own QR image from the API, shown and taken away in a loop.
    const clip = async (t: Ticket) => {
      const file = path.join(work, `${t.ticket_id}.y4m`);
      await writeQrVideo(file, rasterizeSvg(await api.qrSvg(buyer.token, t.ticket_id)));
      return file;
    };
    const [clipT1, clipT2] = [await clip(t1), await clip(t2)];

    const gateA = await api.enrolGateDevice(organizer.token, eventId, "Gate A");
    const gateB = await api.enrolGateDevice(organizer.token, eventId, "Gate B");
    const profileA = path.join(work, "device-a");
    const profileB = path.join(work, "device-b");

    // Installable: the page links a manifest the Worker serves, with SVG icons.
    const manifest = await fetch(`${system.origin}/gate/manifest.webmanifest`).then((r) => r.json());
    expect(manifest).toMatchObject({ display: "standalone", start_url: "./", scope: "./" });
    expect(manifest.icons.map((i: { type: string }) => i.type)).toContain("image/svg+xml");
    for (const f of ["sw.js", "app.js", "zxing_reader.wasm", "icon.svg"])
      expect((await fetch(`${system.origin}/gate/${f}`)).status, f).toBe(200);

    // --- Device A: sign in with the enrol link, sync, go offline, scan T1 twice with the camera.
    let ctxA = await open(profileA, system.origin, clipT1);
    let pageA = await firstPage(ctxA);
    const enrolledAt = new Date(Date.now() - 1000).toISOString();
    await pageA.goto(gateA.enroll_url);
    await waitReady(pageA);
    expect(new URL(pageA.url()).hash).toBe(""); // the token left the address bar
    await waitSyncedAfter(pageA, enrolledAt);
    await pageA.waitForSelector("body[data-offline-ready='true']");
    await expect.poll(() => pageA.locator("#event-name").innerText(), UI_WAIT).toBe(eventName);
    await expect.poll(() => pageA.locator("#sync-status").innerText(), UI_WAIT).toMatch(/^Last synced/);

    await ctxA.setOffline(true);
    await expect.poll(() => pageA.locator("#net").innerText(), UI_WAIT).toBe("Offline");
    await pageA.getByRole("button", { name: "Start camera" }).click();
    await expect.poll(() => verdictText(pageA), { timeout: 20_000, interval: 50 }).toMatch(/^VALID\b/);
    expect(await verdictText(pageA)).toContain("Seat R-A-1");
    expect(await pageA.getByRole("status").getAttribute("data-source")).toBe("camera");
    // The clip takes the code away and shows it again: the same ticket a second time.
    await expect.poll(() => verdictText(pageA), { timeout: 20_000, interval: 50 }).toMatch(/^DUPLICATE\b/);
    expect(await verdictText(pageA)).toMatch(/Do not let in · already scanned by this device at \d/);
    await pageA.getByRole("button", { name: "Stop camera" }).click();
    expect(await pageA.locator("#count").innerText()).toBe("1");

    // Forged (manual entry: the camera path is proven above) and T3, still offline.
    await pageA.getByLabel(/paste or type the ticket code/i).fill(forge(t1.jwt));
    await pageA.getByRole("button", { name: "Check ticket" }).click();
    await expect.poll(() => verdictText(pageA), UI_WAIT).toMatch(/^INVALID\b/);
    expect(await verdictText(pageA)).toContain("Forged");
    await pageA.getByLabel(/paste or type the ticket code/i).fill(t3.jwt);
    await pageA.getByRole("button", { name: "Check ticket" }).click();
    await expect.poll(() => verdictText(pageA), UI_WAIT).toMatch(/^VALID\b/);
    expect(await pageA.locator("#count").innerText()).toBe("2");

    // Reload while offline: the service worker serves the app, IndexedDB keeps bundle and log.
    await pageA.reload();
    await waitReady(pageA);
    expect(await pageA.evaluate(() => navigator.onLine)).toBe(false);
    expect(await pageA.locator("#event-name").innerText()).toBe(eventName);
    expect(await pageA.locator("#count").innerText()).toBe("2");
    expect(Number(await pageA.locator("#pending").getAttribute("data-pending"))).toBeGreaterThanOrEqual(3);
    await pageA.getByLabel(/paste or type the ticket code/i).fill(t1.jwt);
    await pageA.getByRole("button", { name: "Check ticket" }).click();
    await expect.poll(() => verdictText(pageA), UI_WAIT).toMatch(/^DUPLICATE\b/);
    await ctxA.close();

    // --- Device A again, started while offline with the refunded ticket in front of the camera.
    ctxA = await open(profileA, system.origin, clipT2);
    await ctxA.setOffline(true);
    pageA = await firstPage(ctxA);
    await pageA.goto(`${system.origin}/gate/`);
    await waitReady(pageA);
    await pageA.getByRole("button", { name: "Start camera" }).click();
    await expect.poll(() => verdictText(pageA), { timeout: 20_000, interval: 50 }).toMatch(/^REVOKED\b/);
    expect(await verdictText(pageA)).toContain("Seat R-A-3");
    await pageA.getByRole("button", { name: "Stop camera" }).click();
    expect(await pageA.locator("#count").innerText()).toBe("2");

    // --- Device B: enrol and sync, then offline it lets T3 in too (after A did).
    const ctxB = await open(profileB, system.origin);
    const pageB = await firstPage(ctxB);
    await enrolAndSync(pageB, gateB.enroll_url);
    await ctxB.setOffline(true);
    await pageB.getByLabel(/paste or type the ticket code/i).fill(t3.jwt);
    await pageB.getByRole("button", { name: "Check ticket" }).click();
    await expect.poll(() => verdictText(pageB), UI_WAIT).toMatch(/^VALID\b/); // B cannot know: it is offline

    // --- Back online: B uploads first, then A; each sync pulls the other's entries.
    const bBack = new Date().toISOString();
    await ctxB.setOffline(false);
    await waitSyncedAfter(pageB, bBack);
    await expect.poll(() => pageB.locator("#pending").getAttribute("data-pending"), UI_WAIT).toBe("0");
    const aBack = new Date().toISOString();
    await ctxA.setOffline(false);
    await waitSyncedAfter(pageA, aBack);
    await expect.poll(() => pageA.locator("#pending").getAttribute("data-pending"), UI_WAIT).toBe("0");
    await expect.poll(() => pageA.locator("#sync-status").innerText(), UI_WAIT).toMatch(/^Last synced/);
    const bResync = new Date().toISOString();
    await pageB.getByRole("button", { name: "Sync now" }).click();
    await waitSyncedAfter(pageB, bResync);

    // Both devices see that T3 got in twice; B learns it came second, after Gate A.
    const conflictB = pageB.locator(`#conflict-list li[data-ticket="${t3.ticket_id}"]`);
    await expect.poll(() => conflictB.innerText(), UI_WAIT).toMatch(/^DUPLICATE .*first let in at Gate A/);
    const conflictA = pageA.locator(`#conflict-list li[data-ticket="${t3.ticket_id}"]`);
    await expect.poll(() => conflictA.innerText(), UI_WAIT).toMatch(/^DUPLICATE .*let in again at another gate/);
    expect(await pageA.locator("#conflict-list li").count()).toBe(1);

    // After B's sync, the bundle makes T3 a DUPLICATE at B's gate too, even offline.
    await ctxB.setOffline(true);
    await pageB.getByLabel(/paste or type the ticket code/i).fill(t1.jwt);
    await pageB.getByRole("button", { name: "Check ticket" }).click();
    await expect.poll(() => verdictText(pageB), UI_WAIT).toMatch(/^DUPLICATE\b.*Gate A/s);

    // The server's view: valid entries checked the tickets in; the refunded one stays revoked.
    expect((await api.ticket(buyer.token, kept.orderId, t1.ticket_id)).status).toBe("checked_in");
    expect((await api.ticket(buyer.token, kept.orderId, t3.ticket_id)).status).toBe("checked_in");
    expect((await api.ticket(buyer.token, refunded.orderId, t2.ticket_id)).status).toBe("revoked");

    await ctxA.close();
    await ctxB.close();
  }, 300_000);

  it("online, a scan uploads only; the 5 s poll brings other gates' entries and refunds as deltas; Sync now and a 15 min old bundle download it", async ({
    expect,
  }) => {
    const api = apiClient(system.origin);
    const { organizer, eventId } = await api.publishedEvent();
    const buyer = await api.signup("buyer");
    const kept = await api.buyTickets(buyer.token, eventId, ["R-A-1", "R-A-2", "R-A-4", "R-A-5"]);
    const later = await api.buyTickets(buyer.token, eventId, ["R-A-3"]);
    const [mine, usedElsewhere, enteredBeforePoll, enteredAfterSync] = kept.tickets as [Ticket, Ticket, Ticket, Ticket];
    const refundedLater = later.tickets[0]!;
    const gateC = await api.enrolGateDevice(organizer.token, eventId, "Gate C");
    const gateD = await api.enrolGateDevice(organizer.token, eventId, "Gate D");

    const ctx = await open(path.join(work, "device-c"), system.origin);
    const fullBundles: string[] = [];
    const deltas: string[] = [];
    const uploads: string[] = [];
    ctx.on("request", (r) => {
      const url = new URL(r.url());
      if (url.pathname === `/api/v1/gate/events/${eventId}/bundle`) (url.searchParams.has("since") ? deltas : fullBundles).push(r.method());
      if (url.pathname === `/api/v1/gate/events/${eventId}/scans`) uploads.push(r.method());
    });
    // Page time stands still: the 5 s poll timer fires only when the test moves the clock, so
    // every bundle request below has a known cause.
    await ctx.clock.install();
    await ctx.clock.pauseAt(Date.now() + 1000);
    const page = await firstPage(ctx);
    await enrolAndSync(page, gateC.enroll_url);
    await expect.poll(() => fullBundles.length, UI_WAIT).toBe(1); // at start: no cursor yet, so the full bundle
    expect(deltas).toEqual([]);

    const letInAtGateD = (t: Ticket) =>
      api.ok(200, "POST", `/api/v1/gate/events/${eventId}/scans`, {
        token: gateD.token,
        body: {
          device_id: gateD.device_id,
          scans: [{ ticket_id: t.ticket_id, scanned_at: new Date(Date.now() - 60_000).toISOString(), verdict: "valid" }],
        },
      });
    /** Moves page time one poll interval and waits for that poll's delta answer to be applied. */
    const oneTick = async () => {
      const answered = page.waitForResponse((r) => new URL(r.url()).searchParams.has("since"));
      const before = deltas.length;
      await ctx.clock.runFor(5_000);
      expect((await answered).status()).toBe(200);
      expect(deltas.length).toBe(before + 1);
      await expect.poll(() => page.locator("#sync-now").getAttribute("aria-busy"), UI_WAIT).toBeNull();
    };
    const scanOnline = async (t: Ticket) => {
      const uploaded = page.waitForResponse((r) => r.url().endsWith(`/events/${eventId}/scans`) && r.request().method() === "POST");
      await page.getByLabel(/paste or type the ticket code/i).fill(t.jwt);
      await page.getByRole("button", { name: "Check ticket" }).click();
      expect((await uploaded).status()).toBe(200);
      await expect.poll(() => page.locator("#pending").getAttribute("data-pending"), UI_WAIT).toBe("0");
    };

    // Gate D lets usedElsewhere in after C's bundle was made, and C scans it before its next poll.
    await letInAtGateD(usedElsewhere);
    await scanOnline(mine);
    expect(await verdictText(page)).toMatch(/^VALID\b/);
    await scanOnline(usedElsewhere);
    expect(await verdictText(page)).toMatch(/^VALID\b/); // not polled yet: the upload answer corrects it
    const conflict = page.locator(`#conflict-list li[data-ticket="${usedElsewhere.ticket_id}"]`);
    await expect.poll(() => conflict.innerText(), UI_WAIT).toMatch(/^DUPLICATE .*first let in at Gate D/);
    expect(uploads.length).toBeGreaterThanOrEqual(2);
    expect(fullBundles).toEqual(["GET"]); // two online scans, no bundle download
    expect(deltas).toEqual([]);

    // Gate D lets another ticket in; one poll later C refuses it at the scan, with no full bundle.
    await letInAtGateD(enteredBeforePoll);
    await oneTick();
    await scanOnline(enteredBeforePoll);
    expect(await verdictText(page)).toMatch(/^DUPLICATE\b.*already let in at Gate D/s);
    expect(fullBundles).toEqual(["GET"]);

    // The safety net: once the full bundle is 15 min old (page clock), the next tick downloads it instead of polling.
    const pageNow = await page.evaluate(() => Date.now());
    await ctx.clock.setSystemTime(pageNow + 15 * 60_000);
    const deltasBefore = deltas.length;
    await ctx.clock.runFor(5_000);
    await expect.poll(() => fullBundles.length, UI_WAIT).toBe(2);
    await expect.poll(() => page.locator("#sync-now").getAttribute("aria-busy"), UI_WAIT).toBeNull();
    expect(deltas.length).toBe(deltasBefore);
    await oneTick(); // and the tick after that polls again

    await page.getByRole("button", { name: "Sync now" }).click();
    await expect.poll(() => fullBundles.length, UI_WAIT).toBe(3);
    await expect.poll(() => page.locator("#sync-now").getAttribute("aria-busy"), UI_WAIT).toBeNull();

    // A refund and an entry after the last bundle reach the device with the next poll, without any scan.
    await letInAtGateD(enteredAfterSync);
    await api.ok(200, "POST", `/api/v1/admin/orders/${later.orderId}/refund`, { token: organizer.token });
    await api.until("refunded ticket revoked", async () =>
      (await api.ticket(buyer.token, later.orderId, refundedLater.ticket_id)).status === "revoked" ? true : undefined,
    );
    await oneTick();
    await ctx.setOffline(true);
    await page.getByLabel(/paste or type the ticket code/i).fill(refundedLater.jwt);
    await page.getByRole("button", { name: "Check ticket" }).click();
    await expect.poll(() => verdictText(page), UI_WAIT).toMatch(/^REVOKED\b/);
    await page.getByLabel(/paste or type the ticket code/i).fill(enteredAfterSync.jwt);
    await page.getByRole("button", { name: "Check ticket" }).click();
    await expect.poll(() => verdictText(page), UI_WAIT).toMatch(/^DUPLICATE\b.*already let in at Gate D/s);
    expect(fullBundles).toEqual(["GET", "GET", "GET"]);

    // Offline reload: the stored bundle plus the stored deltas still refuse both.
    await page.reload();
    await waitReady(page);
    for (const [t, verdict] of [
      [refundedLater, /^REVOKED\b/],
      [enteredAfterSync, /^DUPLICATE\b.*Gate D/s],
    ] as const) {
      await page.getByLabel(/paste or type the ticket code/i).fill(t.jwt);
      await page.getByRole("button", { name: "Check ticket" }).click();
      await expect.poll(() => verdictText(page), UI_WAIT).toMatch(verdict);
    }
    await ctx.close();
  }, 300_000);
});
