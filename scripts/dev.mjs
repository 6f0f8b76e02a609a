// `npm run dev`: everything a fresh clone needs to run locally, in one command.
//   1. writes .dev.vars with generated secrets when there is none,
//   2. applies the D1 migrations to the local database,
//   3. starts `wrangler dev` and waits until it answers,
//   4. seeds the demo organizer and a published demo event through the public API
//      (idempotent: a second run logs in and finds what is already there),
//   5. prints the URL and demo credentials and keeps wrangler in the foreground.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateDevSecrets, toDevVars } from "./dev-secrets.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 8787);
const origin = `http://localhost:${port}`;
// Run wrangler's JS entry with this very Node (Node 24 from node_modules/.bin under
// `npm run`), never whatever `node` or `wrangler` happens to be first on PATH.
const wranglerJs = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");

export const DEMO = {
  organizer: { email: "organizer@demo.test", password: "demo-organizer-pass", name: "Demo Organizer" },
  buyer: { email: "buyer@demo.test", password: "demo-buyer-pass", name: "Demo Buyer" },
  venue: {
    name: "Demo Hall",
    city: "Lisbon",
    sections: [
      {
        key: "STALLS",
        name: "Stalls",
        kind: "reserved",
        rows: [
          { label: "A", seats: 12, price_tier: "premium" },
          { label: "B", seats: 12, price_tier: "premium" },
          { label: "C", seats: 14, price_tier: "standard" },
          { label: "D", seats: 14, price_tier: "standard" },
        ],
      },
      { key: "FLOOR", name: "Standing floor", kind: "ga", capacity: 300, price_tier: "floor" },
    ],
  },
  eventName: "Demo Night: The Edge Quartet",
};

function log(msg) {
  console.log(`\x1b[36m[dev]\x1b[0m ${msg}`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    console.error(`[dev] Node ${process.versions.node} is too old for wrangler (needs >= 22.12). Run through \`npm run dev\`, which uses node_modules/.bin/node.`);
    process.exit(1);
  }
  if (!existsSync(wranglerJs)) {
    console.error("[dev] wrangler is not installed; run `npm install` first.");
    process.exit(1);
  }
}

function ensureDevVars() {
  const file = path.join(root, ".dev.vars");
  if (existsSync(file)) return;
  writeFileSync(file, toDevVars(generateDevSecrets()), { mode: 0o600 });
  log("wrote .dev.vars with freshly generated local secrets");
}

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerJs, ...args], { cwd: root, stdio: "inherit", env: { ...process.env, CI: "true" } });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args.join(" ")} exited with ${code}`))));
  });
}

async function api(method, route, { body, token } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${origin}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

function must(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function waitUntilUp(child, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${origin}/api/v1/events?limit=1`);
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not answer on ${origin} within ${timeoutMs / 1000}s`);
}

/** Signs up, or logs in when the account exists already. */
async function account({ email, password, name }, role) {
  const signup = await api("POST", "/api/v1/auth/signup", { body: { email, password, name, role } });
  if (signup.status === 201) return { ...signup.body, created: true };
  if (signup.status !== 409) must(signup, 201, `sign up ${email}`);
  return { ...must(await api("POST", "/api/v1/auth/login", { body: { email, password } }), 200, `log in ${email}`), created: false };
}

async function seed() {
  const org = await account(DEMO.organizer, "organizer");
  await account(DEMO.buyer, "buyer");
  const token = org.token;

  const venues = must(await api("GET", "/api/v1/admin/venues", { token }), 200, "list venues").venues;
  let venueId = venues.find((v) => v.name === DEMO.venue.name)?.venue_id;
  if (!venueId) venueId = must(await api("POST", "/api/v1/admin/venues", { token, body: DEMO.venue }), 201, "create venue").venue_id;

  const events = must(await api("GET", "/api/v1/admin/events", { token }), 200, "list events").events;
  let event = events.find((e) => e.name === DEMO.eventName && e.status !== "cancelled" && e.status !== "ended");
  if (!event) {
    const day = 24 * 3600_000;
    const startsAt = new Date(Math.ceil((Date.now() + 30 * day) / 3600_000) * 3600_000);
    event = must(
      await api("POST", "/api/v1/admin/events", {
        token,
        body: {
          venue_id: venueId,
          name: DEMO.eventName,
          category: "concert",
          city: DEMO.venue.city,
          starts_at: startsAt.toISOString(),
          ends_at: new Date(startsAt.getTime() + 3 * 3600_000).toISOString(),
          on_sale_at: new Date(Date.now() - 3600_000).toISOString(),
          price_tiers: { premium: 9500, standard: 6500, floor: 4000 },
          hold_ttl_seconds: 600,
          max_tickets_per_user: 8,
          waiting_room: { enabled: false },
        },
      }),
      201,
      "create event",
    );
  }
  // Publishing is idempotent; this also finishes a publish an earlier run did not complete.
  event = must(await api("POST", `/api/v1/admin/events/${event.event_id}/publish`, { token }), 200, "publish event");
  return event;
}

async function main() {
  checkNode();
  ensureDevVars();
  // wrangler refuses to start when the static assets directory is missing (e.g. a clone
  // before the gate scanner was built).
  mkdirSync(path.join(root, "public"), { recursive: true });
  log("applying local D1 migrations");
  await run(["d1", "migrations", "apply", "DB", "--local"]);

  log(`starting wrangler dev on ${origin}`);
  // PUBLIC_ORIGIN builds the links the API hands out (enroll_url, qr_svg_url): follow PORT.
  const child = spawn(process.execPath, [wranglerJs, "dev", "--port", String(port), "--var", `PUBLIC_ORIGIN:${origin}`, ...process.argv.slice(2)], {
    cwd: root,
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

  try {
    await waitUntilUp(child);
    const event = await seed();
    const lines = [
      "",
      `Edge ticketing is running on ${origin}`,
      `  storefront:     ${origin}/`,
      `  demo organizer: ${DEMO.organizer.email} / ${DEMO.organizer.password}`,
      `  demo buyer:     ${DEMO.buyer.email} / ${DEMO.buyer.password}`,
      `  demo event:     ${event.name} (${event.event_id}, ${event.status})`,
      `                  ${origin}/events/${event.event_id}`,
      `  gate scanner:   ${origin}/gate/`,
      "Press Ctrl+C to stop.",
      "",
    ];
    console.log(lines.join("\n"));
  } catch (err) {
    console.error(`[dev] ${err instanceof Error ? err.message : err}`);
    if (child.exitCode === null) console.error("[dev] wrangler dev keeps running, but the demo data may be incomplete.");
  }
}

main().catch((err) => {
  console.error(`[dev] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
