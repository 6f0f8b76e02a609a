/**
 * Seconds a waiting client should wait before polling again: about a tenth of its ETA
 * (2 s at the front, 30 s far back), plus up to half of that again at random, so a crowd that
 * joined together does not poll together.
 */
export function pollAfterSeconds(etaSeconds: number, random: () => number = Math.random): number {
  const base = Math.min(30, Math.max(2, Math.round(etaSeconds / 10)));
  return base + Math.floor(random() * (Math.floor(base / 2) + 1));
}
