// Fails when an import in src/ runs upward through the layers:
//   routes -> Worker modules (src/worker) -> Durable Objects (src/durable-objects)
//   -> platform adapters (src/platform) -> wire types and pure rules (src/shared).
// Packages may be imported from anywhere. Every relative specifier is checked: static
// imports and re-exports, `import type`, `import("...")` in code or in types, and `require`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const src = path.join(root, "src");

/** For each layer, the src/ folders it may import from (itself included). */
const ALLOWED = {
  shared: ["shared"],
  platform: ["platform", "shared"],
  "durable-objects": ["durable-objects", "platform", "shared"],
};

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(["'])([^"'\n]+)\1/g;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) yield* sourceFiles(file);
    else if (/\.(m?[jt]sx?)$/.test(name) && !name.endsWith(".d.ts")) yield file;
  }
}

/** The top folder of src/ a path lies in, or null outside src/. */
function layerOf(file) {
  const rel = path.relative(src, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return null;
  return rel.split(path.sep)[0];
}

const offences = [];
for (const layer of Object.keys(ALLOWED)) {
  const dir = path.join(src, layer);
  for (const file of sourceFiles(dir)) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      for (const [, , spec] of line.matchAll(SPECIFIER)) {
        if (!spec.startsWith(".") && !spec.startsWith("/")) continue; // a package
        const target = layerOf(path.resolve(path.dirname(file), spec));
        if (target !== null && ALLOWED[layer].includes(target)) continue;
        offences.push(`${path.relative(root, file)}:${i + 1}: src/${layer} imports ${target ? `src/${target}` : "outside src/"}: ${line.trim()}`);
      }
    });
  }
}

if (offences.length) {
  console.error(`Imports against the layering (${offences.length}):\n${offences.join("\n")}`);
  console.error("routes -> src/worker -> src/durable-objects -> src/platform -> src/shared; nothing imports upward.");
  process.exit(1);
}
console.log("check-layers: no import runs upward");
