/**
 * `wrangler dev` that can be killed and started again on the SAME persisted state directory
 * and port, for crash tests. `crash()` sends SIGKILL to the whole process group (wrangler,
 * workerd and anything else wrangler started), so nothing gets to flush or shut down cleanly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateDevSecrets, toDevVars } from "../../../scripts/dev-secrets.mjs";
import { freePort } from "./server";

const root = path.resolve(import.meta.dirname, "../../..");
const wranglerBin = path.join(root, "node_modules/wrangler/bin/wrangler.js");

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

function runWrangler(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(" ")} exited ${code}:\n${out}`))));
  });
}

/** `vars` go into the env file next to the generated secrets (e.g. `RATE_LIMITS`). */
export async function restartableSystem(vars: Record<string, string> = {}): Promise<RestartableSystem> {
  const dir = await mkdtemp(path.join(tmpdir(), "crash-e2e-"));
  const secrets = generateDevSecrets() as Record<string, string>;
  const envFile = path.join(dir, ".dev.vars");
  await writeFile(envFile, toDevVars({ ...secrets, ...vars }));
  const env = { ...process.env, ...secrets, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  const persistDir = path.join(dir, "state");
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], env);

  // Fixed for the life of the system: clients and links keep working across restarts.
  const [port, inspector] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let alive = false;
  let log = "";

  async function start() {
    if (alive) throw new Error("already running");
    const proc = spawn(
      process.execPath,
      [
        wranglerBin,
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(inspector),
        "--persist-to",
        persistDir,
        "--env-file",
        envFile,
        "--var",
        `PUBLIC_ORIGIN:${origin}`,
        "--show-interactive-dev-session=false",
        "--log-level",
        "warn",
      ],
      // Its own process group, so that crash() can kill workerd along with wrangler.
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    child = proc;
    alive = true;
    const keep = (d: Buffer) => (log = (log + d.toString()).slice(-8000));
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    exited = new Promise((resolve) => proc.on("exit", () => resolve()));
    void exited.then(() => {
      if (child === proc) alive = false;
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (!alive) throw new Error(`wrangler dev exited early:\n${log}`);
      try {
        const res = await fetch(`${origin}/api/v1/__ready`);
        await res.arrayBuffer();
        if (res.status === 404 && (res.headers.get("content-type") ?? "").includes("json")) return;
      } catch {}
      if (Date.now() > deadline) {
        await killGroup("SIGKILL");
        throw new Error(`wrangler dev did not answer within 90 s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
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
    log: () => log,
  };
}
