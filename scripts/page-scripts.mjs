// The one way page client scripts are bundled (storefront and console): every top-level `*.ts`
// of a source folder is a page script (`event.ts` -> `event.js`), with shared code split into
// chunks. Built output is not committed.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

/** The browsers the pages support. */
export const BROWSER_TARGET = ["chrome109", "safari16", "firefox115"];

export async function bundlePageScripts({ src, out, minify = true }) {
  // Files are overwritten in place (no wipe): a test runner may be serving this folder meanwhile.
  await mkdir(out, { recursive: true });
  const names = (await readdir(src)).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  await build({
    entryPoints: names.map((f) => path.join(src, f)),
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    chunkNames: "chunks/[name]-[hash]",
    platform: "browser",
    target: BROWSER_TARGET,
    minify,
    legalComments: "none",
    logLevel: "warning",
  });
  await writeFile(path.join(out, ".gitignore"), "*\n");
  return names;
}
