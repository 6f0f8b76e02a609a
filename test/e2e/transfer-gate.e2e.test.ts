/**
 * A transfer reaching a gate in Chromium: the scanner app (/gate/) holds the event's bundle,
 * a ticket is transferred and accepted from /me in another browser, and after one sync the
 * scanner refuses the old QR shown to its fake camera as REVOKED and admits the recipient's
 * new ticket. Three browsers: the sender is the API, the recipient and the gate are Chromium.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { buildGate } from "../../scripts/build-gate.mjs";
import { apiClient } from "./support/api";
import { enrolAndSync, firstPage, launchDevice, verdictText, waitSyncedAfter } from "./support/browser";
import { rasterizeSvg, writeQrVideo } from "./support/qr-video";
import { startSystem, type RunningSystem } from "./support/server";
import { launchBrowser, signUpInPage } from "./support/storefront";
import { storeEvent } from "./support/storefront-events";

let sys: RunningSystem;
let work: string;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "transfer-gate-e2e-"));
  await buildGate(); // the scanner under test is the current source, not a stale build
  sys = await startSystem();
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await browser?.close();
  await sys?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

// A page sharing two loaded cores with wrangler dev: wait long, poll often, never sleep.
const UI_WAIT = { timeout: 20_000, interval: 50 };
const CAMERA_WAIT = { timeout: 30_000, interval: 50 };

describe("transfer seen at the gate", () => {
  it("a transfer accepted in a second browser makes the old QR REVOKED in the gate scanner after a sync; the new ticket is VALID", async ({
    expect,
  }) => {
    const api = apiClient(sys.origin);
    const ev = await storeEvent(api);
    const sender = await api.signup("buyer");
    const { tickets, orderId } = await api.buyTickets(sender.token, ev.eventId, ["STALLS-B-4"]);
    const old = tickets[0]!;

    // The fake camera shows the sender's QR image as printed before the transfer.
    const oldClip = path.join(work, "old-ticket.y4m");
    await writeQrVideo(oldClip, rasterizeSvg(await api.qrSvg(sender.token, old.ticket_id)));

    // The gate: enrolled by the organizer, its app loads the bundle in which the old ticket is good.
    const gate = await api.enrolGateDevice(ev.organizer.token, ev.eventId, "Gate T");
    const gateCtx = await launchDevice(path.join(work, "gate"), sys.origin, oldClip);
    contexts.push(gateCtx);
    const gatePage = await firstPage(gateCtx);
    await enrolAndSync(gatePage, gate.enroll_url);
    await expect.poll(() => gatePage.locator("#sync-status").innerText(), UI_WAIT).toMatch(/^Last synced/);

    // The recipient signs up in a second browser; the sender transfers to that email.
    const recipientCtx = await browser!.newContext({ viewport: { width: 412, height: 900 } });
    contexts.push(recipientCtx);
    const recipient = await recipientCtx.newPage();
    const email = await signUpInPage(recipient, sys.origin);
    await api.ok(201, "POST", `/api/v1/tickets/${old.ticket_id}/transfer`, { token: sender.token, body: { to_email: email } });

    // Accepted from /me: the page then shows the recipient's own ticket with a new code.
    await recipient.goto(`${sys.origin}/me`);
    await Promise.all([recipient.waitForURL(/done=accepted/), recipient.getByRole("button", { name: "Accept ticket" }).click()]);
    await expect.poll(() => recipient.locator(".ticket").first().innerText(), UI_WAIT).toContain("STALLS-B-4");
    const newJwt = await recipient.locator(".ticket .qr").first().getAttribute("data-jwt");
    expect(newJwt).toBeTruthy();
    expect(newJwt).not.toBe(old.jwt);
    expect((await api.ticket(sender.token, orderId, old.ticket_id)).status).toBe("revoked");

    // One sync brings the change; the scans below run offline, so the verdicts come from what the device synced.
    const syncFrom = new Date().toISOString();
    await gatePage.getByRole("button", { name: "Sync now" }).click();
    await waitSyncedAfter(gatePage, syncFrom);
    await expect.poll(() => gatePage.locator("#sync-now").getAttribute("aria-busy"), UI_WAIT).toBeNull();
    await gateCtx.setOffline(true);
    await expect.poll(() => gatePage.locator("#net").innerText(), UI_WAIT).toBe("Offline");

    await gatePage.getByRole("button", { name: "Start camera" }).click();
    await expect.poll(() => verdictText(gatePage), CAMERA_WAIT).toMatch(/^REVOKED\b/);
    expect(await verdictText(gatePage)).toContain("Seat STALLS-B-4");
    expect(await gatePage.getByRole("status").getAttribute("data-source")).toBe("camera");
    await gatePage.getByRole("button", { name: "Stop camera" }).click();
    expect(await gatePage.locator("#count").innerText()).toBe("0");

    await gatePage.getByLabel(/paste or type the ticket code/i).fill(newJwt!);
    await gatePage.getByRole("button", { name: "Check ticket" }).click();
    await expect.poll(() => verdictText(gatePage), UI_WAIT).toMatch(/^VALID\b/);
    expect(await verdictText(gatePage)).toContain("Seat STALLS-B-4");
    expect(await gatePage.locator("#count").innerText()).toBe("1");
  }, 300_000);
});
