// Builds the organizer console's client scripts (src/console) into public/console/, served as
// static assets at /console/. Run by `npm run build:console` (and before `dev` and `test`).
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { bundlePageScripts } from "./page-scripts.mjs";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src/console");
const out = path.join(root, "public/console");

export async function buildConsole({ minify = true } = {}) {
  const names = await bundlePageScripts({ src, out, minify });
  // uPlot's own stylesheet, then the console's.
  const uplotCss = await readFile(path.join(root, "node_modules/uplot/dist/uPlot.min.css"), "utf8");
  await writeFile(path.join(out, "console.css"), `${uplotCss}\n${await readFile(path.join(src, "console.css"), "utf8")}`);
  return { out, entries: names };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { out, entries } = await buildConsole();
  console.log(`console built into ${path.relative(root, out)} (${entries.length} scripts)`);
}
