import { defineConfig } from "drizzle-kit";

// drizzle-kit 0.x writes flat migrations/NNNN_name.sql files, the layout that
// `wrangler d1 migrations apply` and the vitest plugin's readD1Migrations read.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/platform/db/schema/index.ts",
  out: "./migrations",
});
