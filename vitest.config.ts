import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateDevSecrets } from "./scripts/dev-secrets.mjs";

/** JSON log lines written on every request or alarm (not errors). */
const ROUTINE_LINE = /^\{"msg":"(request|saga_step|queue_join|waitlist_join|admission_tick|holds_expired|section_hold_refused|section_confirm_refused|ledger_confirm_failed|ledger_hold_refused)"/;

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // Fresh throwaway secrets for each run; wrangler reads `[secrets] required` from process.env.
  for (const [name, value] of Object.entries(generateDevSecrets())) process.env[name] ??= value;
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // Test-only binding: the migrations for test/apply-migrations.ts.
                bindings: { TEST_MIGRATIONS: migrations },
                // Test-only Rate Limiting bindings with small limits, swapped in for a route's own
                // binding to prove the middleware's wiring without thousands of requests.
                ratelimits: {
                  RL_TEST_3_PER_60S: { namespace_id: "9001", simple: { limit: 3, period: 60 } },
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: ["test/e2e/**", "**/node_modules/**"],
            setupFiles: ["./test/apply-migrations.ts"],
            // The per-request log line (observability/request-log.ts) and the objects' routine lines
            // would drown the test output; test/observability.test.ts and
            // test/request-id-objects.test.ts check them. Error lines still show.
            onConsoleLog: (log, type) => type === "stderr" || !ROUTINE_LINE.test(log),
            testTimeout: 30_000,
          },
        },
        {
          // Browser tests in Node: they start `wrangler dev` and Debian's Chromium themselves.
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.e2e.test.ts"],
            environment: "node",
            testTimeout: 300_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  };
});
