declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Test-only Rate Limiting binding (vitest.config.ts): 3 per 60 s. */
    RL_TEST_3_PER_60S: RateLimit;
  }
}

/** Vite's `?raw` imports: a file's text (used to compare wrangler.toml with the code). */
declare module "*?raw" {
  const text: string;
  export default text;
}
