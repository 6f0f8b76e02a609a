/**
 * Time buckets as the stats triggers write them (migration sales_stats): a UTC minute is
 * `YYYY-MM-DDTHH:MMZ`, a day `YYYY-MM-DD`, both cut from an ISO timestamp, so text order is
 * time order and a window is an indexed range on the bucket key.
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export const minuteBucket = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";
export const dayBucket = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Epoch milliseconds of a bucket key of either span. */
export const bucketStart = (bucket: string) => Date.parse(bucket.length === 10 ? `${bucket}T00:00:00Z` : bucket.replace(/Z$/, ":00Z"));

/**
 * Every bucket from `fromMs` to `toMs` (both floored to the span), each with the counters
 * found for it or zeros: charts want one point per minute, also for minutes without sales.
 */
export function denseSeries<T extends Record<string, number>>(
  span: "minute" | "day",
  fromMs: number,
  toMs: number,
  rows: Map<string, T>,
  zero: T,
): Array<{ t: string } & T> {
  const step = span === "minute" ? MINUTE_MS : DAY_MS;
  const key = span === "minute" ? minuteBucket : dayBucket;
  const out: Array<{ t: string } & T> = [];
  for (let ms = Math.floor(fromMs / step) * step; ms <= toMs; ms += step) {
    const k = key(ms);
    out.push({ t: new Date(ms).toISOString(), ...(rows.get(k) ?? zero) });
  }
  return out;
}
