// What each piece of a hold costs, by difference: the app in several workerd processes at once
// (bench/app-miniflare.mjs), each a variant with one piece taken out by a wrapper entry (never by
// changing the app), each with the event-holds bench's event, and alternating rounds of 2-seat
// holds from 64 clients. Reports workerd CPU per hold (/proc, user + system) and holds/s per
// variant, and each variant's CPU saving against the app as it is. On a shared machine only the
// ratios and differences within one run mean anything.
// Variants: base (the app), nolog (console.log a no-op: Miniflare carries each line from workerd
// to Node over stdout), nometric (no Analytics Engine binding: Miniflare's is a service call to a
// proxy Worker), norl (the per-user and per-IP Rate Limiting bindings answer in-isolate: Miniflare's
// are a fetch to a SQLite Durable Object each), bare (all three out). `--entry name=path` adds a
// variant bundled from another entry (e.g. the app at an earlier commit, for before/after).
// Run: node bench/hold-pieces.mjs [--rounds 4] [--per-round 400] [--only base,nolog] [--entry old=/tmp/x/src/worker/index.ts] [--strip]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { buyerTokens, childPids, cpuSeconds, publishedReservedEvent } from "./lib.mjs";
import { startApp } from "./app-miniflare.mjs";

const args = process.argv.slice(2);
const opt = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : d;
};
const ROUNDS = Number(opt("rounds", 4));
const PER_ROUND = Number(opt("per-round", 400));
const SECTIONS = 20;
const ROWS = 50;
const PER_ROW = 50;
const CLIENTS = 64;
const BUYERS = 2000;
const root = path.resolve(import.meta.dirname, "..");
const appEntry = path.join(root, "src/worker/index.ts");

/** A wrapper entry: the app's exports, with `fetch` given a changed env and `prelude` run first. */
function wrapper(entry, { prelude = "", env = "" }) {
  return `import app from ${JSON.stringify(entry)};
export * from ${JSON.stringify(entry)};
${prelude}
export default { ...app, fetch(req, env, ctx) { ${env} return app.fetch(req, env, ctx); } };
`;
}
const NOLOG = "console.log = () => {};";
const NOMETRIC = "env = { ...env, METRICS: undefined };";
const NORL = "const ok = { limit: async () => ({ success: true }) }; env = { ...env, RL_HOLD_USER: ok, RL_HOLD_IP: ok };";
const variants = {
  base: null,
  nolog: { prelude: NOLOG },
  nometric: { env: NOMETRIC },
  norl: { env: NORL },
  bare: { prelude: NOLOG, env: NOMETRIC + NORL },
};
const extra = [];
for (let i = 0; i < args.length; i++) if (args[i] === "--entry") extra.push(args[i + 1].split("="));
// `--strip`: every variant, the extra entries included, without the three Miniflare-only costs
// above, so that a change to the app's own code is measured without their noise.
const STRIP = args.includes("--strip");
for (const [name, entry] of extra) variants[name] = { entry: path.resolve(entry) };
const only = opt("only", Object.keys(variants).join(",")).split(",");


const pairs = [];
for (let s = 0; s < SECTIONS; s++) for (let r = 0; r < ROWS; r++) for (let n = 0; n < PER_ROW; n += 2) pairs.push([`S${s + 1}-R${r + 1}-${n + 1}`, `S${s + 1}-R${r + 1}-${n + 2}`]);
const shuffled = () => {
  const p = pairs.slice();
  for (let i = p.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
};

async function setUp(name, spec, tmp) {
  let entry = "src/worker/index.ts";
  const wrap = STRIP ? { ...variants.bare, entry: spec?.entry } : spec;
  if (wrap && (wrap.prelude || wrap.env)) {
    entry = path.join(tmp, `${name}.mjs`);
    await writeFile(entry, wrapper(wrap.entry ?? appEntry, wrap));
  } else if (wrap?.entry) entry = wrap.entry;
  const before = childPids("workerd");
  const app = await startApp({ entry });
  const pids = childPids("workerd", before);
  const { eventId } = await publishedReservedEvent(app.origin, { sections: SECTIONS, rows: ROWS, perRow: PER_ROW, maxPerUser: 50 });
  const tokens = await buyerTokens(app.secrets.SESSION_SECRET, BUYERS, "pieces");
  return { name, app, pids, eventId, tokens, seats: shuffled(), next: 0, runs: [] };
}

async function round(v, n) {
  let i = 0;
  const client = async () => {
    for (; i < n; ) {
      i++;
      const k = v.next++;
      const b = k % BUYERS;
      const res = await fetch(`${v.app.origin}/api/v1/events/${v.eventId}/holds`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${v.tokens[b]}`, "cf-connecting-ip": `10.9.${b >> 8}.${b & 255}` },
        body: JSON.stringify({ seats: v.seats[k] }),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`${v.name}: hold ${res.status} ${text.slice(0, 200)}`);
    }
  };
  const cpu0 = cpuSeconds(v.pids);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { n, wallMs: performance.now() - t0, cpu: cpuSeconds(v.pids) - cpu0 };
}

const tmp = await mkdtemp(path.join(tmpdir(), "hold-pieces-"));
const apps = [];
try {
  for (const name of only) apps.push(await setUp(name, variants[name], tmp));
  for (const v of apps) await round(v, 300); // warm-up
  for (let r = 0; r < ROUNDS; r++) for (const v of r % 2 ? apps.slice().reverse() : apps) v.runs.push(await round(v, PER_ROUND));
  const base = apps[0];
  const stat = (v) => {
    const n = v.runs.reduce((s, x) => s + x.n, 0);
    return { n, perS: (n / v.runs.reduce((s, x) => s + x.wallMs, 0)) * 1000, cpuMs: (v.runs.reduce((s, x) => s + x.cpu, 0) * 1000) / n };
  };
  const b = stat(base);
  console.log(`variant      holds/s   CPU ms/hold   CPU vs ${base.name}   saves ms/hold`);
  for (const v of apps) {
    const s = stat(v);
    console.log(`${v.name.padEnd(10)} ${s.perS.toFixed(0).padStart(9)} ${s.cpuMs.toFixed(2).padStart(13)} ${((s.cpuMs / b.cpuMs) * 100).toFixed(0).padStart(11)}% ${(b.cpuMs - s.cpuMs).toFixed(2).padStart(14)}`);
  }
} finally {
  for (const v of apps) await v.app.dispose();
  await rm(tmp, { recursive: true, force: true });
}
