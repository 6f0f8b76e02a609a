/**
 * Fenwick (binary indexed) tree of counts: O(log n) point updates and prefix sums. The waiting
 * room keeps one over key buckets so a position is a prefix sum plus a short index scan,
 * never a count over everyone ahead.
 */
export class Fenwick {
  private readonly tree: Float64Array;

  constructor(readonly size: number) {
    this.tree = new Float64Array(size + 1);
  }

  /** Adds `delta` to slot `i` (0-based). */
  add(i: number, delta: number): void {
    for (let j = i + 1; j <= this.size; j += j & -j) this.tree[j]! += delta;
  }

  /** Sum of slots `0 .. i-1` (so `prefix(0)` is 0 and `prefix(size)` is the total). */
  prefix(i: number): number {
    let sum = 0;
    for (let j = Math.min(i, this.size); j > 0; j -= j & -j) sum += this.tree[j]!;
    return sum;
  }
}
