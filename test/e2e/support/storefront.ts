/** Browser helpers for the storefront tests: buyers signing up in a page, axe, overflow, QR decoding. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";
import { apiClient } from "./api";
import { CHROMIUM } from "./browser";
import { startSystem, type RunningSystem } from "./server";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "../../..");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Signs a new buyer up through the sign-up page; the page ends on /me with the session cookie set. */
export async function signUpInPage(page: Page, origin: string, next = "/me"): Promise<string> {
  const email = `fan-${crypto.randomUUID()}@example.test`;
  await page.goto(`${origin}/signup?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Your name").fill("Fan");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("fan-password-123");
  await Promise.all([page.waitForURL((u) => u.pathname === next.split("?")[0]), page.getByRole("button", { name: "Sign up" }).click()]);
  return email;
}

let axeSource: string | undefined;

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  axeSource ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    const axe = (window as any).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n: any) => n.target.join(" ")) }));
  });
  return result.filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical");
}

/** How far the page's content reaches past the viewport's right edge, in CSS px (0 when nothing overflows). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
}

let zxingReady = false;

/** The text of the QR code in a PNG (a screenshot of what the page shows). */
export async function decodeQrPng(png: Buffer): Promise<string | undefined> {
  if (!zxingReady) {
    const wasmBinary = await readFile(path.join(root, "node_modules/zxing-wasm/dist/reader/zxing_reader.wasm"));
    await prepareZXingModule({ overrides: { wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) }, fireImmediately: true });
    zxingReady = true;
  }
  const results = await readBarcodes(new Uint8Array(png), { formats: ["QRCode"], tryHarder: true });
  return results.find((r) => r.isValid)?.text;
}

/**
 * The shared set-up of the storefront suites: the real system (wrangler dev), an API client on
 * it and one Chromium, started before the file's tests and stopped after them. The fields are
 * set in `beforeAll`, so read them inside tests and hooks only.
 */
export interface StorefrontSuite {
  sys: RunningSystem;
  api: ReturnType<typeof apiClient>;
  browser: Browser;
  /** A page in a fresh phone-sized context, closed after the file's tests. */
  newPage(): Promise<Page>;
  /** A page of a buyer who just signed up (it ends on /me). */
  buyer(): Promise<Page>;
}

export function storefrontSuite(): StorefrontSuite {
  const contexts: BrowserContext[] = [];
  const suite = {
    async newPage() {
      const context = await suite.browser.newContext({ viewport: { width: 412, height: 900 } });
      contexts.push(context);
      return context.newPage();
    },
    async buyer() {
      const page = await suite.newPage();
      await signUpInPage(page, suite.sys.origin);
      return page;
    },
  } as StorefrontSuite;

  beforeAll(async () => {
    suite.sys = await startSystem();
    suite.api = apiClient(suite.sys.origin);
    suite.browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await suite.browser?.close();
    await suite.sys?.stop();
  });

  return suite;
}
