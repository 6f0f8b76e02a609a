// Builds the organizer console's client scripts (src/console) into public/console/, served as
// static assets at /console/. Run by `npm run build:console` (and before `dev` and `test`).
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src/console");
const out = path.join(root, "public/console");

export async function buildConsole({ minify = true } = {}) {
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
    target: ["chrome109", "safari16", "firefox115"],
    minify,
    legalComments: "none",
    logLevel: "warning",
  });
  // uPlot's own stylesheet, then the console's.
  const uplotCss = await readFile(path.join(root, "node_modules/uplot/dist/uPlot.min.css"), "utf8");
  await writeFile(path.join(out, "console.css"), `${uplotCss}\n${await readFile(path.join(src, "console.css"), "utf8")}`);
  await writeFile(path.join(out, ".gitignore"), "*\n");
  return { out, entries: names };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { out, entries } = await buildConsole();
  console.log(`console built into ${path.relative(root, out)} (${entries.length} scripts)`);
}
