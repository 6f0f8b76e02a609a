/**
 * `wrangler dev` that can be killed and started again on the SAME persisted state directory
 * and port, for crash tests. `crash()` sends SIGKILL to the whole process group (wrangler,
 * workerd and anything else wrangler started), so nothing gets to flush or shut down cleanly.
 */
import type { ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { freePort, prepareState, spawnWranglerDev, waitUntilReady } from "./server";

export interface RestartableSystem {
  origin: string;
  /** The persisted state (D1, Durable Objects) that survives every crash. */
  persistDir: string;
  /** Starts wrangler dev and resolves once the Worker answers. */
  start(): Promise<void>;
  /** SIGKILL to wrangler's whole process group; resolves once the group is gone. */
  crash(): Promise<void>;
  /** Ends the server (if running) and deletes the state. */
  stop(): Promise<void>;
  running(): boolean;
  log(): string;
}

/** `vars` go into the env file next to the generated secrets (e.g. `RATE_LIMITS`). */
export async function restartableSystem(vars: Record<string, string> = {}): Promise<RestartableSystem> {
  const { dir, envFile, env, persist: persistDir } = await prepareState("crash-e2e-", vars);

  // Fixed for the life of the system: clients and links keep working across restarts.
  const [port, inspector] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let alive = false;
  // The latest start's log, which continues the earlier ones.
  let log = () => "";

  async function start() {
    if (alive) throw new Error("already running");
    const server = spawnWranglerDev({ port, inspector, origin, persist: persistDir, envFile, env }, log());
    const proc = server.child;
    child = proc;
    alive = true;
    log = server.log;
    exited = new Promise((resolve) => proc.on("exit", () => resolve()));
    void exited.then(() => {
      if (child === proc) alive = false;
    });
    await waitUntilReady(origin, server, () => !alive, () => killGroup("SIGKILL"));
  }

  async function killGroup(signal: NodeJS.Signals) {
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, signal);
    } catch {}
    await exited;
    // The group leader is gone; wait until no member of the group is left (workerd).
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        process.kill(-child.pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    alive = false;
  }

  return {
    origin,
    persistDir,
    start,
    crash: () => killGroup("SIGKILL"),
    async stop() {
      if (alive) await killGroup("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
    running: () => alive,
    log: () => log(),
  };
}
