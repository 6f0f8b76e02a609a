// Builds the storefront's client scripts (src/storefront) into public/store/, which the Worker
// serves as static assets at /store/. Run by `npm run build:pages` (and before `dev` and `test`).
import { copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src/storefront");
const out = path.join(root, "public/store");
const STATIC = ["store.css"];

/** Every top-level `*.ts` in src/storefront is a page script (`event.ts` -> /store/event.js). */
async function entries() {
  const files = await readdir(src);
  return files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
}

export async function buildPages({ minify = true } = {}) {
  // Files are overwritten in place (no wipe): a test runner may be serving this folder meanwhile.
  await mkdir(out, { recursive: true });
  const names = await entries();
  await build({
    entryPoints: names.map((f) => path.join(src, f)),
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    chunkNames: "chunks/[name]-[hash]",
    platform: "browser",
    target: ["chrome109", "safari16", "firefox115"],
    minify,
    legalComments: "none",
    logLevel: "warning",
  });
  await Promise.all(STATIC.map((f) => copyFile(path.join(src, f), path.join(out, f))));
  // The service worker of /me lives at the site root: a worker may only control paths under
  // its own folder, and /store/ is not above /me.
  await build({
    entryPoints: [path.join(src, "sw/sw.ts")],
    outfile: path.join(root, "public/sw-me.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["chrome109", "safari16", "firefox115"],
    minify,
    logLevel: "warning",
  });
  // Built output is not committed.
  await writeFile(path.join(out, ".gitignore"), "*\n");
  return { out, entries: names };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { out, entries: names } = await buildPages();
  console.log(`storefront built into ${path.relative(root, out)} (${names.length} scripts)`);
}
