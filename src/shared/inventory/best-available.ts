/**
 * Best available: where `n` seats go in a reserved section. Adjacent seats in one row; the
 * best row first (layout order), then the block nearest the row's middle (the left one on a
 * tie), and never a block that leaves a single empty seat beside it when any other block,
 * in any row, leaves none.
 *
 * `rows` is each row's seats in seat order, `true` where the seat is free. Returns the row
 * index and the first seat's index in that row, or null when no row has `n` adjacent free seats.
 */
export function bestAvailable(rows: readonly (readonly boolean[])[], n: number): { row: number; start: number } | null {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error("bestAvailable: n must be a positive integer");
  let best: { row: number; start: number; orphan: boolean; distance: number } | null = null;
  for (let row = 0; row < rows.length; row++) {
    const free = rows[row]!;
    const middle = (free.length - 1) / 2;
    let runStart = -1;
    for (let i = 0; i <= free.length; i++) {
      if (i < free.length && free[i]) {
        if (runStart < 0) runStart = i;
        continue;
      }
      if (runStart < 0) continue;
      const runEnd = i - 1; // a maximal run of free seats: runStart..runEnd
      for (let start = runStart; start + n - 1 <= runEnd; start++) {
        const orphan = start - runStart === 1 || runEnd - (start + n - 1) === 1;
        const distance = Math.abs(start + (n - 1) / 2 - middle);
        // Rows come in order and seats left to right, so only a strictly better block replaces.
        if (!best || (best.orphan && !orphan) || (best.orphan === orphan && best.row === row && distance < best.distance))
          best = { row, start, orphan, distance };
      }
      runStart = -1;
    }
  }
  return best && { row: best.row, start: best.start };
}
