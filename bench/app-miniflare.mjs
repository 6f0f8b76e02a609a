// The whole app on workerd through Miniflare's Node API, without `wrangler dev` and its Node
// proxy: the Worker bundled with esbuild from src/worker/index.ts, the bindings that
// wrangler.toml declares (D1, Durable Objects, queue, email) as wrangler would pass them, the
// D1 migrations applied, fresh secrets, and state on disk in a temp dir. Used by
// bench/event-holds.bench.mjs and `npm run simulate -- --local` (not a bench itself).
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { generateDevSecrets } from "../scripts/dev-secrets.mjs";

const root = path.resolve(import.meta.dirname, "..");

/** Bundles a Worker entry the way wrangler does for workerd (ESM, `cloudflare:*` external). */
export async function bundleWorker(entry) {
  const out = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    jsx: "automatic",
    jsxImportSource: "hono/jsx",
    logLevel: "warning",
  });
  return out.outputFiles[0].text;
}

/** The statements of the flat D1 migrations, in order. */
async function migrationStatements() {
  const dir = path.join(root, "migrations");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const statements = [];
  for (const f of files) {
    const sql = await readFile(path.join(dir, f), "utf8");
    for (const s of sql.split("--> statement-breakpoint")) if (s.trim()) statements.push(s.trim());
  }
  return statements;
}

/** wrangler.toml's bindings, in Miniflare 5's shape (as wrangler passes them). */
function appEnv(worker, strings) {
  const env = {
    DB: { type: "d1", id: "DB" },
    EMAIL_QUEUE: { type: "queue", name: "ticket-emails" },
    EMAIL: { type: "send-email" },
    TICKET_ISSUER: { type: "text", value: "https://tickets.edge.example" },
  };
  for (const [name, exportName] of Object.entries(DURABLE_OBJECTS)) env[name] = { type: "durable-object", worker, exportName };
  for (const [k, v] of Object.entries(strings)) env[k] = { type: "text", value: String(v) };
  return env;
}

const DURABLE_OBJECTS = {
  INVENTORY: "SectionInventory",
  BUYER_LEDGER: "BuyerLedger",
  WAITING_ROOM: "WaitingRoom",
  RATE_LIMITER: "RateLimiter",
  CHECKOUT: "CheckoutSaga",
};

/**
 * Starts the app. `vars` are extra string bindings (e.g. RATE_LIMITS); `extraWorkers` are more
 * Miniflare 5 worker configs in the same runtime (bench-only Workers). Returns
 * {mf, origin, persist, dispose}.
 */
export async function startApp({ vars = {}, extraWorkers = [], keepStorage = false } = {}) {
  const persist = await mkdtemp(path.join(tmpdir(), "app-miniflare-"));
  const secrets = generateDevSecrets();
  const script = await bundleWorker("src/worker/index.ts");
  const name = "app";
  const mf = new Miniflare({
    workers: [
      {
        config: {
          name,
          compatibilityDate: "2026-11-01",
          compatibilityFlags: ["nodejs_compat"],
          manifest: { mainModule: "index.js", modules: { "index.js": { type: "esm", contents: script } } },
          env: appEnv(name, { ...secrets, PUBLIC_ORIGIN: "http://127.0.0.1", ...vars }),
          exports: Object.fromEntries(Object.values(DURABLE_OBJECTS).map((e) => [e, { type: "durable-object", storage: "sqlite" }])),
          triggers: [{ type: "queue", name: "ticket-emails", maxBatchSize: 10, maxRetries: 5 }],
        },
      },
      ...extraWorkers.map((config) => ({ config })),
    ],
    resourcePersistencePath: persist,
  });
  const origin = (await mf.ready).href.replace(/\/$/, "");
  const db = await mf.getD1Database("DB", name);
  for (const s of await migrationStatements()) await db.prepare(s).run();
  return {
    mf,
    origin,
    persist,
    secrets,
    async dispose() {
      await mf.dispose();
      if (!keepStorage) await rm(persist, { recursive: true, force: true });
    },
  };
}
