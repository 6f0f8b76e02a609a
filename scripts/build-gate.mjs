// Builds the gate scanner (src/gate-scanner) into public/gate/, which the Worker serves as
// static assets at /gate/. Run by `npm run build:gate` (and before `dev` and `test`).
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { ZXING_WASM_SHA256 } from "barcode-detector/ponyfill";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src/gate-scanner");
const out = path.join(root, "public/gate");
const STATIC = ["index.html", "app.css", "manifest.webmanifest", "icon.svg", "icon-maskable.svg"];
const WASM = "zxing_reader.wasm";

/**
 * The ZXing wasm that matches the JS glue bundled inside `barcode-detector` (it pins its own
 * zxing-wasm version); a mismatched wasm fails at instantiation, so the hash is checked here.
 */
async function zxingWasm() {
  const fromDetector = createRequire(createRequire(import.meta.url).resolve("barcode-detector"));
  const candidates = [fromDetector.resolve("zxing-wasm/reader/zxing_reader.wasm")];
  try {
    candidates.push(createRequire(import.meta.url).resolve("zxing-wasm/reader/zxing_reader.wasm"));
  } catch {}
  for (const file of candidates) {
    const bytes = await readFile(file);
    if (createHash("sha256").update(bytes).digest("hex") === ZXING_WASM_SHA256) return file;
  }
  throw new Error(`no zxing_reader.wasm with sha256 ${ZXING_WASM_SHA256} (barcode-detector's pinned build) in ${candidates}`);
}

/** One browser bundle: `entry` (under src/gate-scanner) into `outfile` (under public/gate). */
const bundle = (entry, outfile, options) =>
  build({
    entryPoints: [path.join(src, entry)],
    outfile: path.join(out, outfile),
    bundle: true,
    platform: "browser",
    target: ["chrome109", "safari16", "firefox115"],
    logLevel: "warning",
    ...options,
  });

export async function buildGate({ minify = true } = {}) {
  // Files are overwritten in place (no wipe): a test runner may be serving this folder meanwhile.
  await mkdir(out, { recursive: true });
  await bundle("main.ts", "app.js", { format: "esm", minify, legalComments: "none" });
  await Promise.all(STATIC.map((f) => copyFile(path.join(src, f), path.join(out, f))));
  await copyFile(await zxingWasm(), path.join(out, WASM));

  // The service worker's cache is named for the exact shell it holds, so any change to the
  // app installs a new worker and drops the old cache.
  // The page is cached as "./": assets answer /gate/index.html with a redirect to /gate/, and a
  // redirected response must not answer a navigation.
  const shell = ["./", "app.js", ...STATIC.filter((f) => f !== "index.html"), WASM];
  const hash = createHash("sha256");
  for (const f of ["index.html", ...shell.slice(1)]) hash.update(f).update(await readFile(path.join(out, f)));
  const buildId = hash.digest("hex").slice(0, 16);
  await bundle("sw/sw.ts", "sw.js", {
    format: "iife",
    minify,
    define: { __BUILD_ID__: JSON.stringify(buildId), __SHELL__: JSON.stringify(shell) },
  });
  // Built output is not committed.
  await writeFile(path.join(out, ".gitignore"), "*\n");
  return { out, buildId };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { out, buildId } = await buildGate();
  console.log(`gate scanner built into ${path.relative(root, out)} (build ${buildId})`);
}
