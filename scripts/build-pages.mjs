// Builds the storefront's client scripts (src/storefront) into public/store/, which the Worker
// serves as static assets at /store/. Run by `npm run build:pages` (and before `dev` and `test`).
import { copyFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { BROWSER_TARGET, bundlePageScripts } from "./page-scripts.mjs";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src/storefront");
const out = path.join(root, "public/store");
const STATIC = ["store.css"];

export async function buildPages({ minify = true } = {}) {
  const names = await bundlePageScripts({ src, out, minify });
  await Promise.all(STATIC.map((f) => copyFile(path.join(src, f), path.join(out, f))));
  // The service worker of /me lives at the site root: a worker may only control paths under
  // its own folder, and /store/ is not above /me.
  await build({
    entryPoints: [path.join(src, "sw/sw.ts")],
    outfile: path.join(root, "public/sw-me.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: BROWSER_TARGET,
    minify,
    logLevel: "warning",
  });
  return { out, entries: names };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { out, entries: names } = await buildPages();
  console.log(`storefront built into ${path.relative(root, out)} (${names.length} scripts)`);
}
