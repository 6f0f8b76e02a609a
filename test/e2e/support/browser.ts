/** Debian's Chromium driven by playwright-core, with a fake camera showing a y4m clip. */
import { existsSync } from "node:fs";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Without the background-networking flags Chromium keeps calling Google hosts this machine cannot reach.
const BASE_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
];

/**
 * A browser profile is a device: its IndexedDB, service worker and cache survive relaunches
 * with the same `userDataDir`. The fake camera's clip is fixed per launch, so showing another
 * ticket to the camera means relaunching the device with another clip.
 */
export async function launchDevice(userDataDir: string, origin: string, video?: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium)`);
  const args = [...BASE_FLAGS];
  if (video) args.push(`--use-file-for-fake-video-capture=${video}`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport: { width: 412, height: 915 },
    isMobile: false,
  });
  await context.grantPermissions(["camera"], { origin });
  return context;
}

export async function firstPage(context: BrowserContext): Promise<Page> {
  return context.pages()[0] ?? (await context.newPage());
}

/** The verdict panel's text as a person reads it (role="status"). */
export const verdictText = async (page: Page) => (await page.getByRole("status").innerText()).trim();

export async function waitReady(page: Page) {
  await page.waitForSelector("body[data-ready='true']", { timeout: 30_000 });
}

export async function waitSyncedAfter(page: Page, afterIso: string, timeout = 30_000) {
  await page.waitForFunction(
    (after) => {
      const at = (document.getElementById("sync-status") as HTMLElement | null)?.dataset.syncedAt ?? "";
      return at !== "" && at > after;
    },
    afterIso,
    { timeout },
  );
}

/** Opens a gate device's enrol link and waits for the sync that follows it. */
export async function enrolAndSync(page: Page, enrollUrl: string) {
  const since = new Date(Date.now() - 1000).toISOString();
  await page.goto(enrollUrl);
  await waitReady(page);
  await waitSyncedAfter(page, since);
}
