// Helpers shared by the benchmarks (bench/run.mjs runs only *.bench.mjs, so not this file).
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");

/** Bytes of all files under `dir`: the on-disk size of a Miniflare persistence directory. */
export async function dirBytes(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** The p-th percentile of ascending `sorted`. */
export const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

export const fmt = (n, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

/**
 * Bundles bench/<name>.ts for workerd (ESM, `cloudflare:*` and `node:*` external) into
 * dist/bench/<name>.js and returns that path. `options` adds to or overrides esbuild's.
 */
export async function bundleBenchWorker(name, options = {}) {
  const outfile = path.join(root, `dist/bench/${name}.js`);
  await build({
    entryPoints: [path.join(root, `bench/${name}.ts`)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "warning",
    ...options,
  });
  return outfile;
}
