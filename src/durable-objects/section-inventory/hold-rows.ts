/**
 * The `holds` table: one row per GA hold, and one per reserved hold once it has ended (sold,
 * released, expired, returned). Both stores keep their ended holds here.
 */
import type { SectionHoldStatus } from "../../shared/inventory/seat-state";

/** A hold as the moves see it, wherever it is stored. */
export type HoldRecord = {
  holdId: string;
  userId: string;
  status: SectionHoldStatus;
  quantity: number;
  totalCents: number;
  expiresAt: number;
  seats: string[];
};

type HoldRow = {
  hold_id: string;
  user_id: string;
  status: SectionHoldStatus;
  quantity: number;
  total_cents: number;
  expires_at: number;
  seats: string;
};

const record = (row: HoldRow): HoldRecord => ({
  holdId: row.hold_id,
  userId: row.user_id,
  status: row.status,
  quantity: row.quantity,
  totalCents: row.total_cents,
  expiresAt: row.expires_at,
  seats: JSON.parse(row.seats) as string[],
});

export class HoldRows {
  constructor(private readonly sql: SqlStorage) {}

  find(holdId: string): HoldRecord | undefined {
    const row = this.sql.exec<HoldRow>("SELECT * FROM holds WHERE hold_id = ?", holdId).toArray()[0];
    return row && record(row);
  }

  /** A primary-key probe: has this id been used here? */
  has(holdId: string): boolean {
    return this.sql.exec("SELECT 1 FROM holds WHERE hold_id = ?", holdId).toArray().length > 0;
  }

  /** Writes a hold's row as it is now (with `status`); false when the id is already there. */
  insert(hold: HoldRecord, status: SectionHoldStatus): boolean {
    try {
      // Plain INSERT: a conflict clause with RETURNING costs more on every hold than the rare retry's exception.
      this.sql.exec(
        "INSERT INTO holds (hold_id, user_id, status, quantity, total_cents, expires_at, seats) VALUES (?, ?, ?, ?, ?, ?, ?)",
        hold.holdId,
        hold.userId,
        status,
        hold.quantity,
        hold.totalCents,
        hold.expiresAt,
        JSON.stringify(hold.seats),
      );
    } catch (err) {
      if (/UNIQUE constraint failed: holds\.hold_id/.test(String(err))) return false;
      throw err;
    }
    return true;
  }

  delete(holdId: string): void {
    this.sql.exec("DELETE FROM holds WHERE hold_id = ?", holdId);
  }

  /** `before` -> `after`; throws when the row is not in `before` (a bug: callers checked). */
  setStatus(holdId: string, before: SectionHoldStatus, after: SectionHoldStatus): void {
    // Counted with RETURNING: rowsWritten also counts index entries.
    const moved = this.sql.exec("UPDATE holds SET status = ? WHERE hold_id = ? AND status = ? RETURNING hold_id", after, holdId, before).toArray();
    if (moved.length === 0) throw new Error(`hold ${holdId} is not ${before}`);
  }

  due(now: number): HoldRecord[] {
    return this.sql.exec<HoldRow>("SELECT * FROM holds WHERE status = 'held' AND expires_at <= ?", now).toArray().map(record);
  }

  nextExpiry(): number | null {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM holds WHERE status = 'held'").one().t;
  }

  setExpiry(holdId: string, expiresAt: number): void {
    this.sql.exec("UPDATE holds SET expires_at = ? WHERE hold_id = ?", expiresAt, holdId);
  }
}
