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
import { unstable_readConfig } from "wrangler";
import { generateDevSecrets } from "../scripts/dev-secrets.mjs";

const root = path.resolve(import.meta.dirname, "..");

/** Bundles a Worker entry the way wrangler does for workerd (ESM, `cloudflare:*` external). */
export async function bundleWorker(entry) {
  const out = await build({
    entryPoints: [path.resolve(root, entry)],
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
function appConfig(worker, strings) {
  const c = unstable_readConfig({ config: path.join(root, "wrangler.toml") });
  const env = {};
  for (const d of c.d1_databases) env[d.binding] = { type: "d1", id: d.binding };
  for (const d of c.durable_objects.bindings) env[d.name] = { type: "durable-object", worker, exportName: d.class_name };
  for (const q of c.queues.producers ?? []) env[q.binding] = { type: "queue", name: q.queue };
  for (const r of c.ratelimits ?? []) env[r.name] = { type: "rate-limit", namespace: r.namespace_id, simple: r.simple };
  for (const a of c.analytics_engine_datasets ?? []) env[a.binding] = { type: "analytics" };
  for (const e of c.send_email ?? []) env[e.name] = { type: "send-email" };
  for (const [k, v] of Object.entries({ ...c.vars, ...strings })) env[k] = { type: "text", value: String(v) };
  const triggers = (c.queues.consumers ?? []).map((q) => ({
    type: "queue",
    name: q.queue,
    ...(q.max_batch_size !== undefined && { maxBatchSize: q.max_batch_size }),
    ...(q.max_batch_timeout !== undefined && { maxBatchTimeout: q.max_batch_timeout }),
    ...(q.max_retries !== undefined && { maxRetries: q.max_retries }),
  }));
  const classes = c.migrations.flatMap((m) => m.new_sqlite_classes ?? []);
  return {
    compatibilityDate: c.compatibility_date,
    compatibilityFlags: c.compatibility_flags,
    env,
    triggers,
    exports: Object.fromEntries(classes.map((e) => [e, { type: "durable-object", storage: "sqlite" }])),
  };
}

/**
 * Starts the app. `vars` are extra string bindings (e.g. RATE_LIMITS); `extraWorkers` are more
 * Miniflare 5 worker configs in the same runtime (bench-only Workers); `persistIn` is the
 * directory that gets the state's temp dir (default: the OS temp dir). Returns
 * {mf, origin, persist, dispose}.
 */
export async function startApp({ vars = {}, extraWorkers = [], keepStorage = false, verbose = false, entry = "src/worker/index.ts", persistIn = tmpdir(), inspectorPort } = {}) {
  const persist = await mkdtemp(path.join(persistIn, "app-miniflare-"));
  const secrets = generateDevSecrets();
  // `entry`: another module that exports the app's handlers and object classes (a bench wrapper).
  const script = await bundleWorker(entry);
  const name = "app";
  const mf = new Miniflare({
    workers: [
      {
        config: {
          name,
          ...appConfig(name, { ...secrets, PUBLIC_ORIGIN: "http://127.0.0.1", ...vars }),
          manifest: { mainModule: "index.js", modules: { "index.js": { type: "esm", contents: script } } },
        },
      },
      ...extraWorkers.map((config) => ({ config })),
    ],
    resourcePersistencePath: persist,
    // A V8 inspector on workerd (bench/hold-profile.mjs takes CPU profiles through it).
    ...(inspectorPort ? { inspectorPort } : {}),
    // The app's per-request JSON log lines stay in workerd: printing them would load the Node
    // process that is also the load generator. `verbose` keeps them, for debugging.
    ...(verbose ? {} : { handleStructuredLogs: () => {} }),
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

/**
 * An entry (written into `dir`) for the app without three costs that Miniflare has and
 * Cloudflare does not (measured by bench/hold-pieces.mjs): `console.log` lines carried from
 * workerd to Node, the Analytics Engine binding (a call to a proxy Worker per data point), and
 * the hold route's Rate Limiting bindings (a fetch to a SQLite-backed object per `limit()`;
 * Cloudflare's count in the location's memory). They answer in-isolate instead.
 */
export async function withoutLocalOnlyCosts(dir) {
  const { writeFile } = await import("node:fs/promises");
  const entry = path.join(dir, "without-local-only-costs.mjs");
  const appEntry = JSON.stringify(path.join(root, "src/worker/index.ts"));
  await writeFile(
    entry,
    `import app from ${appEntry};
export * from ${appEntry};
console.log = () => {};
const ok = { limit: async () => ({ success: true }) };
export default { ...app, fetch(req, env, ctx) { return app.fetch(req, { ...env, METRICS: undefined, RL_HOLD_USER: ok, RL_HOLD_IP: ok }, ctx); } };
`,
  );
  return entry;
}
