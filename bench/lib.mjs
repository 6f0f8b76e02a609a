// Helpers shared by the benchmarks (bench/run.mjs runs only *.bench.mjs, so not this file).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { SignJWT } from "jose";

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

/** A POST of JSON to the app; answers its JSON, throws on anything but 2xx. */
export function apiPost(origin) {
  return async (route, body, token) => {
    const res = await fetch(origin + route, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/**
 * Through the public API: an organizer, a venue of the given sections and an event of it (one
 * price a tier), on sale since a minute ago and published. Answers its id and the organizer's
 * token.
 */
export async function publishedEvent(origin, { venueSections, priceTiers, maxPerUser }) {
  const post = apiPost(origin);
  const organizer = await post("/api/v1/auth/signup", { email: `bench-${Date.now()}-${Math.random()}@example.test`, password: "bench-password-123", name: "Bench", role: "organizer" });
  const venue = await post("/api/v1/admin/venues", { name: "Bench Arena", city: "Lisbon", sections: venueSections }, organizer.token);
  const startsAt = Date.now() + 30 * 24 * 3600_000;
  const event = await post(
    "/api/v1/admin/events",
    {
      venue_id: venue.venue_id,
      name: "Bench night",
      category: "concert",
      city: "Lisbon",
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 3600_000).toISOString(),
      on_sale_at: new Date(Date.now() - 60_000).toISOString(),
      price_tiers: priceTiers,
      hold_ttl_seconds: 1800,
      max_tickets_per_user: maxPerUser,
    },
    organizer.token,
  );
  await post(`/api/v1/admin/events/${event.event_id}/publish`, {}, organizer.token);
  return { eventId: event.event_id, organizerToken: organizer.token };
}

/** `publishedEvent` of `sections` reserved sections of `rows` x `perRow` seats (seat ids `S<s>-R<r>-<n>`). */
export function publishedReservedEvent(origin, { sections, rows, perRow, maxPerUser }) {
  const venueSections = Array.from({ length: sections }, (_, s) => ({
    key: `S${s + 1}`,
    name: `Section ${s + 1}`,
    kind: "reserved",
    rows: Array.from({ length: rows }, (_, r) => ({ label: `R${r + 1}`, seats: perRow, price_tier: "standard" })),
  }));
  return publishedEvent(origin, { venueSections, priceTiers: { standard: 5000 }, maxPerUser });
}

/** Child processes of this one named `name` (Miniflare's workerd), leaving out `exclude`. */
export function childPids(name, exclude = []) {
  const out = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === name && ppid === process.pid && !exclude.includes(Number(d))) out.push(Number(d));
    } catch {}
  }
  return out;
}

/** Buyers' session tokens signed as the app signs them (sign-ups would only measure PBKDF2). */
export function buyerTokens(sessionSecret, count, prefix, hours = 1) {
  const key = new TextEncoder().encode(sessionSecret);
  const exp = Math.floor(Date.now() / 1000) + hours * 3600;
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      new SignJWT({ role: "buyer" }).setProtectedHeader({ alg: "HS256" }).setSubject(`usr_${prefix}${String(i).padStart(6, "0")}`).setAudience("session").setIssuedAt().setExpirationTime(exp).sign(key),
    ),
  );
}

const TICK = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim() || 100);

/** CPU seconds (user + system) used so far by these processes (a process gone counts nothing). */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return ticks / TICK;
}
