/**
 * Timing of remote calls: every Durable Object, D1, queue and rate-limit call a request makes
 * through its `env`, recorded without the code that makes them knowing. A hold's latency is
 * mostly the number of sequential remote calls, so this is what Server-Timing reports.
 */

/** One remote call: which binding, which method, and how long it took (ms, wall clock). */
export interface RemoteCall {
  binding: string;
  method: string;
  ms: number;
}

/** Calls recorded for one request, in the order they finished. */
export class CallLog {
  readonly calls: RemoteCall[] = [];

  /** Times `fn` as a call `binding.method` (the helper for calls the env wrapper cannot see). */
  async timed<T>(binding: string, method: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.calls.push({ binding, method, ms: performance.now() - start });
    }
  }

  /** `Server-Timing`: one entry per call, `<binding>.<method>;dur=<ms>`, then the total as `app`. */
  serverTiming(totalMs: number): string {
    const entries = this.calls.map((c) => `${token(c.binding)}.${token(c.method)};dur=${c.ms.toFixed(1)}`);
    entries.push(`app;dur=${totalMs.toFixed(1)}`);
    return entries.join(", ");
  }
}

const token = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_");

const unwrapped = new WeakMap<object, object>();
/** The original of a wrapped D1 statement (D1's `batch` only takes its own statements). */
const original = <T>(o: T): T => ((o && typeof o === "object" && unwrapped.get(o)) as T) || o;

function wrapCalls<T extends object>(target: T, log: CallLog, binding: string, methods: ReadonlySet<string>, nested?: (m: string, v: unknown) => unknown): T {
  const proxy = new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof prop !== "string" || typeof value !== "function") return value;
      if (methods.has(prop)) {
        return (...args: unknown[]) =>
          log.timed(binding, prop, async () =>
            Reflect.apply(
              value,
              t,
              args.map((a) => (Array.isArray(a) ? a.map(original) : original(a))),
            ),
          );
      }
      // Reflect.apply, not value.apply: on RPC objects `apply` would be a remote method.
      if (nested) return (...args: unknown[]) => nested(prop, Reflect.apply(value, t, args));
      return (...args: unknown[]) => Reflect.apply(value, t, args);
    },
  });
  unwrapped.set(proxy, target);
  return proxy;
}

const D1_CALLS = new Set(["first", "run", "all", "raw", "batch", "exec"]);
const QUEUE_CALLS = new Set(["send", "sendBatch"]);
const LIMIT_CALLS = new Set(["limit"]);
const STUB_NOT_CALLS = new Set(["then", "id", "name", "dup", "toJSON", "constructor"]);

function wrapStatement(stmt: object, log: CallLog, binding: string): object {
  return wrapCalls(stmt, log, binding, D1_CALLS, (_m, v) => (v && typeof v === "object" ? wrapStatement(v, log, binding) : v));
}

/** A Durable Object stub: every RPC method (and `fetch`) is a remote call. */
function wrapStub(stub: object, log: CallLog, binding: string): object {
  return new Proxy(stub, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof prop !== "string" || STUB_NOT_CALLS.has(prop) || typeof value !== "function") return value;
      return (...args: unknown[]) => log.timed(binding, prop, async () => Reflect.apply(value, t, args));
    },
  });
}

/**
 * `env` with its remote bindings wrapped so that each call is timed into `log`. Everything
 * else (secrets, vars, assets, metrics) is passed through untouched.
 */
export function instrumentEnv(env: Env, log: CallLog): Env {
  const wrapped = new Map<string, unknown>();
  return new Proxy(env, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof prop !== "string" || !value || typeof value !== "object") return value;
      if (wrapped.has(prop)) return wrapped.get(prop);
      let w: unknown = value;
      const b = value as Record<string, unknown>;
      if (typeof b.prepare === "function" && typeof b.batch === "function") {
        w = wrapCalls(value, log, prop, D1_CALLS, (m, v) => (m === "prepare" && v && typeof v === "object" ? wrapStatement(v, log, prop) : v));
      } else if (typeof b.getByName === "function" && typeof b.idFromName === "function") {
        w = wrapCalls(value, log, prop, new Set(), (m, v) => ((m === "get" || m === "getByName") && v && typeof v === "object" ? wrapStub(v, log, prop) : v));
      } else if (typeof b.send === "function" && typeof b.sendBatch === "function") {
        w = wrapCalls(value, log, prop, QUEUE_CALLS);
      } else if (typeof b.limit === "function") {
        w = wrapCalls(value, log, prop, LIMIT_CALLS);
      }
      wrapped.set(prop, w);
      return w;
    },
  });
}
