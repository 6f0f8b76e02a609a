// Where a hold's CPU goes: the app on workerd (bench/app-miniflare.mjs) with a V8 inspector,
// the event-holds bench's event (20 reserved sections x 2,500 seats), and a CPU profile
// (Chrome DevTools Protocol `Profiler.start/stop`, over a WebSocket to each workerd target)
// while 64 clients make 2-seat holds. Prints the self time of the top functions and of
// groups of them (auth, zod, logging, RPC, SQL, ...), per hold. Not a bench with goals: a tool.
// `--strip`: without the Miniflare-only costs (console.log lines carried to Node, the Analytics
// Engine proxy, the Rate Limiting bindings' SQLite objects; see bench/hold-pieces.mjs), so that
// the app's own functions stand out.
// Run: node bench/hold-profile.mjs [holds=2000] [--strip]
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buyerTokens, publishedReservedEvent } from "./lib.mjs";
import { startApp } from "./app-miniflare.mjs";

const HOLDS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 2000);
const STRIP = process.argv.includes("--strip");
const SECTIONS = 20;
const ROWS = 50;
const PER_ROW = 50;
const CLIENTS = 64;
const inspectorPort = 20000 + Math.floor(Math.random() * 20000);

const tmp = await mkdtemp(path.join(tmpdir(), "hold-profile-"));
let entry = "src/worker/index.ts";
if (STRIP) {
  entry = path.join(tmp, "strip.mjs");
  const appEntry = JSON.stringify(path.resolve(import.meta.dirname, "../src/worker/index.ts"));
  await writeFile(
    entry,
    `import app from ${appEntry}; export * from ${appEntry}; console.log = () => {};
const ok = { limit: async () => ({ success: true }) };
export default { ...app, fetch(req, env, ctx) { return app.fetch(req, { ...env, METRICS: undefined, RL_HOLD_USER: ok, RL_HOLD_IP: ok }, ctx); } };`,
  );
}
const app = await startApp({ inspectorPort, entry });
try {
  const { eventId } = await publishedReservedEvent(app.origin, { sections: SECTIONS, rows: ROWS, perRow: PER_ROW, maxPerUser: 50 });
  const buyers = 2000;
  const tokens = await buyerTokens(app.secrets.SESSION_SECRET, buyers, "prof");
  const pairs = [];
  for (let s = 0; s < SECTIONS; s++) for (let r = 0; r < ROWS; r++) for (let n = 0; n < PER_ROW; n += 2) pairs.push([`S${s + 1}-R${r + 1}-${n + 1}`, `S${s + 1}-R${r + 1}-${n + 2}`]);
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  let nextPair = 0;
  const holds = async (n) => {
    let next = 0;
    const client = async () => {
      for (let i = next++; i < n; i = next++) {
        const b = nextPair % buyers;
        const res = await fetch(`${app.origin}/api/v1/events/${eventId}/holds`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${tokens[b]}`, "cf-connecting-ip": `10.9.${b >> 8}.${b & 255}` },
          body: JSON.stringify({ seats: pairs[nextPair++] }),
        });
        await res.text();
        if (res.status !== 201) throw new Error(`hold: ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
  };
  await holds(600); // warm-up: isolates, JIT, every section object awake

  // One CDP session per inspector target (the app's Worker; its objects run in that isolate).
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const sessions = await Promise.all(
    targets.map(
      (t) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(t.webSocketDebuggerUrl);
          let id = 0;
          const pending = new Map();
          ws.onmessage = (m) => {
            const msg = JSON.parse(m.data);
            if (msg.id && pending.has(msg.id)) pending.get(msg.id)(msg);
          };
          const send = (method, params = {}) =>
            new Promise((res) => {
              const n = ++id;
              pending.set(n, res);
              ws.send(JSON.stringify({ id: n, method, params }));
            });
          ws.onopen = () => resolve({ title: t.title, ws, send });
          ws.onerror = reject;
        }),
    ),
  );
  for (const s of sessions) {
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: 200 });
    await s.send("Profiler.start");
  }
  const t0 = performance.now();
  await holds(HOLDS);
  const wall = performance.now() - t0;
  const profiles = [];
  for (const s of sessions) profiles.push({ title: s.title, profile: (await s.send("Profiler.stop")).result.profile });
  for (const s of sessions) s.ws.close();
  await writeFile("/tmp/hold-profile.cpuprofile", JSON.stringify(profiles[0].profile));

  // Self and inclusive time by function (targets other than the app's show Miniflare's own Workers).
  for (const { title, profile } of profiles) {
    if (!profile.samples.length) continue;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const counts = new Map();
    for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
    const deltas = profile.timeDeltas;
    const selfUs = new Map();
    for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (deltas[i + 1] ?? 0));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const fnKey = (n) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;
    const self = new Map();
    let total = 0;
    let idle = 0;
    // Inclusive time per function (counted once per sample even if recursive).
    const incl = new Map();
    for (const [id, us] of selfUs) {
      const n = byId.get(id);
      total += us;
      if (n.callFrame.functionName === "(idle)") idle += us;
      self.set(fnKey(n), (self.get(fnKey(n)) ?? 0) + us);
      const seen = new Set();
      for (let p = id; p !== undefined; p = parent.get(p)) {
        const k = fnKey(byId.get(p));
        if (seen.has(k)) continue;
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + us);
      }
    }
    const busy = total - idle;
    console.log(`\n== ${title}: ${HOLDS} holds in ${(wall / 1000).toFixed(1)} s; profiled busy ${(busy / 1000).toFixed(0)} ms = ${(busy / 1000 / HOLDS).toFixed(3)} ms/hold (${cpus().length} cores)`);
    const top = (m, label) => {
      console.log(`-- ${label} (ms per hold)`);
      for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${(us / 1000 / HOLDS).toFixed(3).padStart(7)}  ${k}`);
    };
    top(self, "self");
    top(incl, "inclusive");
  }
} finally {
  await app.dispose();
  await rm(tmp, { recursive: true, force: true });
}
