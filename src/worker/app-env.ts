import type { Principal } from "./auth/tokens";
import type { CallLog } from "./observability/remote-calls";

/** Hono environment shared by every router: bindings from `wrangler types`, per-request data. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    principal: Principal;
    /** `cf-ray`, or generated; answered as `X-Request-Id` and logged (observability/request-log.ts). */
    requestId: string;
    /** Remote calls timed for `Server-Timing`, on routes that mount `serverTiming()`. */
    remoteCalls: CallLog;
    /** The error code of an error answer, for the request log line. */
    errorCode: string;
  };
};
