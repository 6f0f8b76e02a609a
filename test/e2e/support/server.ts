/**
 * Starts the real system for browser tests: `wrangler dev` (workerd, local D1, Durable
 * Objects, static assets with the built gate scanner) on a free port with its own throwaway
 * state directory and freshly generated secrets.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateDevSecrets, toDevVars } from "../../../scripts/dev-secrets.mjs";

const root = path.resolve(import.meta.dirname, "../../..");
const wranglerBin = path.join(root, "node_modules/wrangler/bin/wrangler.js");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs one wrangler command to its end; rejects with its output when it fails. */
export function runWrangler(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(" ")} exited ${code}:\n${out}`))));
  });
}

/** A throwaway state directory with fresh secrets (plus `vars`) in its env file and the D1 migrations applied. */
export async function prepareState(prefix: string, vars: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const secrets = generateDevSecrets() as Record<string, string>;
  const envFile = path.join(dir, ".dev.vars");
  await writeFile(envFile, toDevVars({ ...secrets, ...vars }));
  const env = { ...process.env, ...secrets, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  const persist = path.join(dir, "state");
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], env);
  return { dir, secrets, envFile, env, persist };
}

export interface DevServer {
  child: ChildProcess;
  /** The last lines wrangler printed (for failure messages). */
  log(): string;
}

/**
 * Starts `wrangler dev` on `port` in its own process group, so that stopping it ends workerd too.
 * Its log continues `priorLog` (a restarted server keeps what the earlier runs printed).
 */
export function spawnWranglerDev(
  o: { port: number; inspector: number; origin: string; persist: string; envFile: string; env: NodeJS.ProcessEnv },
  priorLog = "",
): DevServer {
  const child = spawn(
    process.execPath,
    [
      wranglerBin,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(o.port),
      "--inspector-port",
      String(o.inspector),
      "--persist-to",
      o.persist,
      "--env-file",
      o.envFile,
      "--var",
      `PUBLIC_ORIGIN:${o.origin}`,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd: root, env: o.env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = priorLog;
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-8000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, log: () => log };
}

/**
 * Resolves once the Worker answers (its JSON 404 for an unknown API path). Throws if the server
 * exits first, or after 90 s, having called `onTimeout` to end it.
 */
export async function waitUntilReady(origin: string, server: DevServer, gone: () => boolean, onTimeout: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (gone()) throw new Error(`wrangler dev exited early:\n${server.log()}`);
    try {
      const res = await fetch(`${origin}/api/v1/__ready`);
      await res.arrayBuffer();
      if (res.status === 404 && (res.headers.get("content-type") ?? "").includes("json")) return;
    } catch {}
    if (Date.now() > deadline) {
      await onTimeout();
      throw new Error(`wrangler dev did not answer within 90 s:\n${server.log()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface RunningSystem {
  origin: string;
  /** The secrets this system runs with (a bench signs its own session tokens with them). */
  secrets: Record<string, string>;
  stop(): Promise<void>;
  /** The last lines wrangler printed (for failure messages). */
  log(): string;
}

export interface StartOptions {
  /**
   * Runs after the D1 migrations and before the server starts, with wrangler's arguments for
   * the same local state (a benchmark seeds a large database with `d1 execute` here).
   */
  beforeStart?: (wrangler: (args: string[]) => Promise<string>, persistArgs: string[]) => Promise<void>;
}

export async function startSystem(opts: StartOptions = {}): Promise<RunningSystem> {
  const { dir, secrets, envFile, env, persist } = await prepareState("gate-e2e-");
  await opts.beforeStart?.((args) => runWrangler(args, env), ["--local", "--persist-to", persist]);

  const [port, inspector] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${port}`;
  const server = spawnWranglerDev({ port, inspector, origin, persist, envFile, env });
  const { child } = server;
  let exited = false;
  child.on("exit", () => (exited = true));

  const stop = async () => {
    if (!exited && child.pid) {
      // wrangler runs workerd as a child: end the whole process group we started.
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
    }
    await rm(dir, { recursive: true, force: true });
  };

  await waitUntilReady(origin, server, () => exited, stop);
  return { origin, secrets, stop, log: server.log };
}
