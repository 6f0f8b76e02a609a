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

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(" ")} exited ${code}:\n${out}`))));
  });
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
  const dir = await mkdtemp(path.join(tmpdir(), "gate-e2e-"));
  const secrets = generateDevSecrets() as Record<string, string>;
  const envFile = path.join(dir, ".dev.vars");
  await writeFile(envFile, toDevVars(secrets));
  const env = { ...process.env, ...secrets, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  const persist = path.join(dir, "state");
  await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], env);
  await opts.beforeStart?.((args) => run(args, env), ["--local", "--persist-to", persist]);

  const [port, inspector] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
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
      persist,
      "--env-file",
      envFile,
      "--var",
      `PUBLIC_ORIGIN:${origin}`,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-8000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
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

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`wrangler dev exited early:\n${log}`);
    try {
      const res = await fetch(`${origin}/api/v1/__ready`);
      if (res.status === 404 && (res.headers.get("content-type") ?? "").includes("json")) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within 90 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { origin, secrets, stop, log: () => log };
}
