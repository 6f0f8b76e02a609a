/**
 * A read-through cache for public reads, in two layers:
 * - the isolate's memory, which answers hits without any I/O and coalesces concurrent misses
 *   of one key into a single origin read (`inflight`);
 * - the Workers Cache API (`caches.default`), shared by the isolates of one location, which an
 *   isolate asks before the origin when its own copy is missing or too old.
 *
 * Freshness is counted from when the origin read started (`readAt`), so an answer is never
 * older than it says. An entry is fresh for `freshMs`; for `staleMs` after that it is still
 * served, and the first reader starts one background refresh (stale-while-revalidate). Past
 * `freshMs + staleMs` a reader waits for a new read. So no answer is older than
 * `freshMs + staleMs`, and one key costs at most one origin read per `freshMs` per isolate
 * (plus at most one per location while the Cache API copy is fresh, when isolates come and go).
 */

/** Where background work (refreshes, Cache API writes) is kept alive after the answer. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

export interface Cached<T> {
  value: T;
  /** The value as JSON, made once: answers embed it as is. */
  text: string;
  /** Epoch ms when the origin read that produced it started. */
  readAt: number;
}

export interface ReadThroughOptions<T> {
  /** Namespace of the keys, also in the Cache API URL. */
  name: string;
  freshMs: number;
  staleMs: number;
  /** Bound on what one isolate keeps; the entries written longest ago go first. */
  maxWeight: number;
  weight?: (value: T) => number;
  /** Whether to use the Cache API as the second layer (off in unit tests of the memory layer). */
  shared?: boolean;
  now?: () => number;
}

const READ_AT = "x-read-at";

export class ReadThroughCache<T> {
  private readonly entries = new Map<string, Cached<T> & { weight: number }>();
  private readonly inflight = new Map<string, Promise<Cached<T> | undefined>>();
  /** Per key, when it was last invalidated: reads started before then are not kept. */
  private readonly invalidated = new Map<string, number>();
  private totalWeight = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ReadThroughOptions<T>) {
    this.now = opts.now ?? Date.now;
  }

  /** The longest an answer can be behind the origin, in ms. */
  get boundMs(): number {
    return this.opts.freshMs + this.opts.staleMs;
  }

  /**
   * The cached value of `key`, or the origin's through `load` (undefined: nothing there, which
   * is not cached). Origin errors reach the readers waiting for that read; a failed background
   * refresh leaves the stale entry in place until it is too old to serve.
   */
  async get(key: string, load: () => Promise<T | undefined>, ctx?: WaitUntil): Promise<Cached<T> | undefined> {
    const entry = this.entries.get(key);
    if (entry) {
      const age = this.now() - entry.readAt;
      if (age < this.opts.freshMs) return entry;
      if (age < this.boundMs) {
        if (!this.inflight.has(key)) {
          const refresh = this.fill(key, load, ctx).catch(() => undefined);
          ctx?.waitUntil(refresh);
        }
        return entry;
      }
    }
    return this.fill(key, load, ctx);
  }

  /** Forgets `key` here and in this location's Cache API; other isolates keep theirs until the bound. */
  async invalidate(key: string): Promise<void> {
    this.forget(key);
    this.invalidated.set(key, this.now());
    this.pruneInvalidated();
    if (this.sharedCache) await this.sharedCache.delete(this.url(key));
  }

  private fill(key: string, load: () => Promise<T | undefined>, ctx?: WaitUntil): Promise<Cached<T> | undefined> {
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const read = (async () => {
      const shared = await this.matchShared(key);
      if (shared && this.now() - shared.readAt < this.opts.freshMs) {
        this.remember(key, shared);
        return shared;
      }
      const readAt = this.now();
      const value = await load();
      if (value === undefined) return undefined;
      const entry = { value, text: JSON.stringify(value), readAt };
      if (this.remember(key, entry)) {
        const put = this.putShared(key, entry);
        if (ctx) ctx.waitUntil(put);
        else await put;
      }
      return entry;
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, read);
    return read;
  }

  /** Keeps the entry unless an invalidation came after its read started; says whether it did. */
  private remember(key: string, entry: Cached<T>): boolean {
    const invalidatedAt = this.invalidated.get(key);
    if (invalidatedAt !== undefined && entry.readAt <= invalidatedAt) return false;
    this.forget(key);
    const weight = this.opts.weight?.(entry.value) ?? 1;
    this.entries.set(key, { ...entry, weight });
    this.totalWeight += weight;
    for (const [oldKey] of this.entries) {
      if (this.totalWeight <= this.opts.maxWeight || oldKey === key) break;
      this.forget(oldKey);
    }
    return true;
  }

  private forget(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.totalWeight -= old.weight;
    this.entries.delete(key);
  }

  /** Invalidations matter only while a read started before them could still land. */
  private pruneInvalidated(): void {
    const horizon = this.now() - this.boundMs;
    for (const [key, at] of this.invalidated) if (at < horizon) this.invalidated.delete(key);
  }

  private get sharedCache(): Cache | undefined {
    return this.opts.shared !== false && typeof caches !== "undefined" ? caches.default : undefined;
  }

  /** Cache API keys are URLs; this host is never fetched, it only names the entry. */
  private url(key: string): string {
    return `https://read-cache.internal/${this.opts.name}/${encodeURIComponent(key)}`;
  }

  private async matchShared(key: string): Promise<Cached<T> | undefined> {
    const cache = this.sharedCache;
    if (!cache) return undefined;
    // The Cache API is an optimisation: when it fails, the origin answers.
    const res = await cache.match(this.url(key)).catch(() => undefined);
    if (!res) return undefined;
    const readAt = Number(res.headers.get(READ_AT));
    const text = await res.text();
    const invalidatedAt = this.invalidated.get(key);
    if (!Number.isFinite(readAt) || this.now() - readAt >= this.boundMs) return undefined;
    if (invalidatedAt !== undefined && readAt <= invalidatedAt) return undefined;
    return { value: JSON.parse(text) as T, text, readAt };
  }

  private async putShared(key: string, entry: Cached<T>): Promise<void> {
    const cache = this.sharedCache;
    if (!cache) return;
    const ttl = Math.max(1, Math.ceil((entry.readAt + this.boundMs - this.now()) / 1000));
    const res = new Response(entry.text, {
      headers: { "content-type": "application/json", "cache-control": `max-age=${ttl}`, [READ_AT]: String(entry.readAt) },
    });
    await cache.put(this.url(key), res).catch((err: unknown) => console.warn("read cache put failed", this.opts.name, err));
  }
}

/** Response headers for a cached public read: its age, and how long a browser may reuse it. */
export function freshnessHeaders(readAt: number, freshMs: number, now = Date.now()): Record<string, string> {
  const age = Math.max(0, Math.floor((now - readAt) / 1000));
  return { "Cache-Control": `public, max-age=${Math.floor(freshMs / 1000)}`, Age: String(age) };
}
