import type { Principal } from "./auth/tokens";

/** Hono environment shared by every router: bindings from `wrangler types`, per-request data. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    principal: Principal;
  };
};
