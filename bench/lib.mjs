// Helpers shared by the benchmarks (bench/run.mjs runs only *.bench.mjs, so not this file).
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** Bytes of all files under `dir`: the on-disk size of a Miniflare persistence directory. */
export async function dirBytes(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}
