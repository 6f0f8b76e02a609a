// Takes the README's dashboard screenshot (docs/dashboard.png) during a simulated on-sale:
// starts the system, creates an event with gate devices, opens the live dashboard in Chromium
// as its organizer, runs a burst of buyers (scripts/burst.mjs) and a few gate scans, and
// shoots the page while the burst is still going.   node scripts/dashboard-screenshot.mjs
import path from "node:path";
import { chromium } from "playwright-core";
import { SignJWT } from "jose";
import { buildConsole } from "./build-console.mjs";
import { buildPages } from "./build-pages.mjs";
import { burst } from "./burst.mjs";
import { apiClient } from "../test/e2e/support/api.ts";
import { startSystem } from "../test/e2e/support/server.ts";

const root = path.resolve(import.meta.dirname, "..");
await Promise.all([buildPages(), buildConsole()]);
const system = await startSystem();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const api = apiClient(system.origin);
  const organizer = await api.signup("organizer");
  const venue = await api.ok(201, "POST", "/api/v1/admin/venues", {
    token: organizer.token,
    body: {
      name: "Demo Hall",
      city: "Lisbon",
      sections: [
        { key: "STALLS", name: "Stalls", kind: "reserved", rows: ["A", "B", "C", "D"].map((label) => ({ label, seats: 12, price_tier: "stalls" })) },
        { key: "FLOOR", name: "Floor", kind: "ga", capacity: 300, price_tier: "floor" },
        { key: "BALCONY", name: "Balcony", kind: "ga", capacity: 120, price_tier: "balcony" },
      ],
    },
  });
  const starts = Date.now() + 3 * 3600_000;
  const event = await api.ok(201, "POST", "/api/v1/admin/events", {
    token: organizer.token,
    body: {
      venue_id: venue.venue_id,
      name: "Demo Night: The Edge Quartet",
      category: "concert",
      city: "Lisbon",
      starts_at: new Date(starts).toISOString(),
      ends_at: new Date(starts + 3 * 3600_000).toISOString(),
      on_sale_at: new Date(Date.now() - 60_000).toISOString(),
      price_tiers: { stalls: 6500, floor: 4500, balcony: 3000 },
      currency: "eur",
    },
  });
  await api.ok(200, "POST", `/api/v1/admin/events/${event.event_id}/publish`, { token: organizer.token });
  const gates = [await api.enrolGateDevice(organizer.token, event.event_id, "North door"), await api.enrolGateDevice(organizer.token, event.event_id, "South door")];

  const context = await browser.newContext({ viewport: { width: 1280, height: 1500 }, deviceScaleFactor: 1 });
  await context.addCookies([{ name: "session", value: organizer.token, url: system.origin }]);
  const page = await context.newPage();
  await page.goto(`${system.origin}/admin/events/${event.event_id}/dashboard`);
  await page.waitForSelector("#dashboard[data-live='true']");

  // Two waves, so the per-minute chart has more than one bar; the second is still running when the shot is taken.
  await burst({ origin: system.origin, eventId: event.event_id, buyers: 120, concurrency: 8 });
  // Early arrivals at the doors: scans of some tickets bought so far (the scanner's clock: now).
  const orders = await api.ok(200, "GET", `/api/v1/admin/events/${event.event_id}/orders?status=paid&limit=60`, { token: organizer.token });
  const tickets = orders.orders.flatMap((o) => o.tickets.map((t) => t.ticket_id));
  for (const [i, gate] of gates.entries()) {
    const mine = tickets.filter((_, k) => k % 2 === i).slice(0, 25 + i * 10);
    await api.ok(200, "POST", `/api/v1/gate/events/${event.event_id}/scans`, {
      token: gate.token,
      body: { device_id: gate.device_id, scans: mine.map((ticket_id, k) => ({ ticket_id, scanned_at: new Date(Date.now() - (60 - k) * 1000).toISOString(), verdict: "valid" })) },
    });
  }
  await new Promise((r) => setTimeout(r, 65_000 - (Date.now() % 60_000)));
  const second = burst({ origin: system.origin, eventId: event.event_id, buyers: 160, concurrency: 10 });
  await new Promise((r) => setTimeout(r, 20_000));
  await page.waitForTimeout(1500);
  await page.locator("main").screenshot({ path: path.join(root, "docs/dashboard.png") });
  console.log("wrote docs/dashboard.png");
  await second;
} finally {
  await browser.close();
  await system.stop();
}
