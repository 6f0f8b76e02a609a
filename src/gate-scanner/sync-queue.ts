/**
 * When the scanner talks to the server. Three jobs, one at a time:
 * - `upload`: send the scans waiting in the on-device log (about 120 bytes a scan). Run after
 *   every scan; its answer already names the uploaded tickets that were let in elsewhere first
 *   or that are revoked.
 * - `poll`: the same upload, then ask for what changed since the device's bundle cursor
 *   (`bundle?since=`: new revocations and other gates' new entries, usually a few hundred
 *   bytes). Run by the 5 s timer, on coming back online, on showing the page and at start.
 * - `refresh`: the same upload, then download the whole event bundle (revoked ids and every
 *   entry: up to megabytes). Run by "Sync now", by the timer when the last full bundle is old,
 *   and by a poll whose cursor the server cannot serve; never per scan.
 * Pure (the jobs are passed in), so the scheduling is tested without a browser.
 */
export type SyncJob = "upload" | "poll" | "refresh";

export interface SyncQueue {
  /** Upload pending scans. Resolves once an upload that started after this call has finished. */
  upload(): Promise<void>;
  /** Upload, then fetch the changes since the cursor. Resolves once a poll (or refresh) that started after this call has finished. */
  poll(): Promise<void>;
  /** Upload, then download the bundle. Resolves once a refresh that started after this call has finished. */
  refresh(): Promise<void>;
}

interface Waiting {
  job: SyncJob;
  settle: { resolve: () => void; reject: (err: unknown) => void };
  done: Promise<void>;
}

/** Each job does everything the ones before it do: a follow-up runs the biggest one asked for. */
const RANK: Record<SyncJob, number> = { upload: 0, poll: 1, refresh: 2 };

/**
 * Requests made while a job runs wait for one follow-up job that serves them all: many scans
 * during an upload cost one more upload, and a poll or refresh asked for during an upload (the
 * timer firing while a scan is being sent) turns the follow-up into that, so it is delayed by
 * at most that upload and never dropped. `run` reports expected failures itself (offline,
 * server errors); if it throws, the callers of that job are rejected and later jobs still run.
 */
export function syncQueue(run: (job: SyncJob) => Promise<void>): SyncQueue {
  let running = false;
  let waiting: Waiting | undefined;

  async function drain() {
    running = true;
    try {
      while (waiting) {
        const { job, settle } = waiting;
        waiting = undefined;
        try {
          await run(job);
          settle.resolve();
        } catch (err) {
          settle.reject(err);
        }
      }
    } finally {
      running = false;
    }
  }

  function request(job: SyncJob): Promise<void> {
    if (waiting) {
      if (RANK[job] > RANK[waiting.job]) waiting.job = job;
      return waiting.done;
    }
    let settle!: Waiting["settle"];
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    waiting = { job, settle, done };
    if (!running) void drain();
    return done;
  }

  return { upload: () => request("upload"), poll: () => request("poll"), refresh: () => request("refresh") };
}
