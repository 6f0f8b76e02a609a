// When the gate scanner talks to the server (src/gate-scanner/sync-queue.ts): a scan asks for an
// upload only, changes come with polls and the whole bundle with refreshes, and a poll or refresh
// asked for while an upload runs is delayed by that upload, never dropped (the bound on how late
// revocations and other gates' entries reach a device).
import { describe, it } from "vitest";
import { syncQueue, type SyncJob } from "../src/gate-scanner/sync-queue";

/** A job runner whose jobs finish only when the test says so. */
function controlledRunner() {
  const started: SyncJob[] = [];
  const finishers: ((err?: Error) => void)[] = [];
  const run = (job: SyncJob) => {
    started.push(job);
    return new Promise<void>((resolve, reject) => finishers.push((err) => (err ? reject(err) : resolve())));
  };
  /** Finishes the oldest unfinished job and lets the queue start the next one. */
  const finish = async (err?: Error) => {
    const f = finishers.shift();
    if (!f) throw new Error("no job is running");
    f(err);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { run, started, finish, running: () => finishers.length };
}

/** Records when each promise settles, to check it did not settle before its job finished. */
function track(p: Promise<void>) {
  const t = { settled: false as false | "resolved" | "rejected", error: undefined as unknown };
  p.then(
    () => (t.settled = "resolved"),
    (err) => ((t.settled = "rejected"), (t.error = err)),
  );
  return t;
}

describe("gate scanner sync queue", () => {
  it("a scan uploads without downloading the bundle; a refresh does both", async ({ expect }) => {
    const r = controlledRunner();
    const q = syncQueue(r.run);
    const upload = track(q.upload());
    expect(r.started).toEqual(["upload"]);
    await r.finish();
    expect(upload.settled).toBe("resolved");
    const refresh = track(q.refresh());
    expect(r.started).toEqual(["upload", "refresh"]);
    await r.finish();
    expect(refresh.settled).toBe("resolved");
    expect(r.running()).toBe(0);
  });

  it("many scans during an upload cost one more upload, and no bundle", async ({ expect }) => {
    const r = controlledRunner();
    const q = syncQueue(r.run);
    const first = track(q.upload());
    const during = Array.from({ length: 20 }, () => track(q.upload()));
    expect(r.started).toEqual(["upload"]); // one job at a time
    await r.finish();
    expect(first.settled).toBe("resolved");
    // The scans made during the first upload may have missed its batch: they wait for the next one.
    expect(during.every((t) => t.settled === false)).toBe(true);
    expect(r.started).toEqual(["upload", "upload"]);
    await r.finish();
    expect(during.every((t) => t.settled === "resolved")).toBe(true);
    expect(r.started).toEqual(["upload", "upload"]);
    expect(r.running()).toBe(0);
  });

  it("the timer's refresh during a scan's upload runs right after it, not never", async ({ expect }) => {
    const r = controlledRunner();
    const q = syncQueue(r.run);
    track(q.upload());
    const nextScan = track(q.upload()); // the follow-up is an upload...
    const timer = track(q.refresh()); // ...until the timer asks for the bundle
    const scanAfterTimer = track(q.upload());
    await r.finish();
    expect(timer.settled).toBe(false);
    expect(r.started).toEqual(["upload", "refresh"]); // one follow-up serves all three: a refresh uploads too
    await r.finish();
    expect([nextScan.settled, timer.settled, scanAfterTimer.settled]).toEqual(["resolved", "resolved", "resolved"]);
    expect(r.running()).toBe(0);
  });

  it("a scan during a refresh still gets its own upload afterwards", async ({ expect }) => {
    const r = controlledRunner();
    const q = syncQueue(r.run);
    const refresh = track(q.refresh());
    const scan = track(q.upload());
    await r.finish();
    expect(refresh.settled).toBe("resolved");
    expect(scan.settled).toBe(false);
    expect(r.started).toEqual(["refresh", "upload"]);
    await r.finish();
    expect(scan.settled).toBe("resolved");
  });

  it("a job that throws rejects its callers and the queue keeps serving", async ({ expect }) => {
    const r = controlledRunner();
    const q = syncQueue(r.run);
    const broken = track(q.refresh());
    const next = track(q.upload());
    await r.finish(new Error("boom"));
    expect(broken.settled).toBe("rejected");
    expect((broken.error as Error).message).toBe("boom");
    expect(r.started).toEqual(["refresh", "upload"]);
    await r.finish();
    expect(next.settled).toBe("resolved");
    const later = track(q.refresh());
    await r.finish();
    expect(later.settled).toBe("resolved");
    expect(r.started).toEqual(["refresh", "upload", "refresh"]);
  });

  it("the timer's poll during a scan's upload runs right after it; later scans ride along", async ({ expect }) => {
    const r = controlledRunner();
    const q = syncQueue(r.run);
    track(q.upload());
    const scan = track(q.upload());
    const timer = track(q.poll());
    const scanAfter = track(q.upload());
    await r.finish();
    expect(timer.settled).toBe(false);
    expect(r.started).toEqual(["upload", "poll"]); // a poll uploads too
    await r.finish();
    expect([scan.settled, timer.settled, scanAfter.settled]).toEqual(["resolved", "resolved", "resolved"]);
    expect(r.running()).toBe(0);
  });

  it("a waiting follow-up runs the biggest job asked for: Sync now beats a poll, a poll never downgrades a refresh", async ({
    expect,
  }) => {
    const r = controlledRunner();
    const q = syncQueue(r.run);
    track(q.upload());
    const poll = track(q.poll());
    const syncNow = track(q.refresh());
    const laterPoll = track(q.poll());
    const laterScan = track(q.upload());
    await r.finish();
    expect(r.started).toEqual(["upload", "refresh"]);
    await r.finish();
    expect([poll.settled, syncNow.settled, laterPoll.settled, laterScan.settled]).toEqual(["resolved", "resolved", "resolved", "resolved"]);
    expect(r.started).toEqual(["upload", "refresh"]);
    expect(r.running()).toBe(0);
  });

  it("polls asked for during a poll cost one more poll, not one each", async ({ expect }) => {
    const r = controlledRunner();
    const q = syncQueue(r.run);
    const first = track(q.poll());
    const during = Array.from({ length: 5 }, () => track(q.poll()));
    await r.finish();
    expect(first.settled).toBe("resolved");
    expect(r.started).toEqual(["poll", "poll"]);
    await r.finish();
    expect(during.every((t) => t.settled === "resolved")).toBe(true);
    expect(r.running()).toBe(0);
  });
});
