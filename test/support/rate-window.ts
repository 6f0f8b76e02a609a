/**
 * The Rate Limiting binding counts in fixed windows aligned to the clock (locally: `period`
 * seconds since the epoch). A test that counts up to a limit must finish inside one window, so
 * it starts with at least `needSeconds` of the current window left, waiting for the next one
 * when fewer remain.
 */
export async function freshWindow(periodSeconds: number, needSeconds: number): Promise<void> {
  const period = periodSeconds * 1000;
  const left = period - (Date.now() % period);
  if (left < needSeconds * 1000) await new Promise((r) => setTimeout(r, left + 50));
}

/** Runs `n` calls of `fn`, `concurrency` at a time; returns their results in order. */
export async function inBatches<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < n; start += concurrency) {
    const size = Math.min(concurrency, n - start);
    out.push(...(await Promise.all(Array.from({ length: size }, (_, j) => fn(start + j)))));
  }
  return out;
}
