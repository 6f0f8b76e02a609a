import type { CheckedIn, ScanUploadAnswer, UploadedScan } from "../../shared/gate";
import { markCheckedInSql, revokedAmongSql } from "./ticket-status";

/** The earliest `valid` scan of each ticket wins; equal times are settled by the smaller device id. */
const FIRST_SCANS_SQL = `
  SELECT ticket_id, scanned_at, device_id, device_name, valid_scans FROM (
    SELECT s.ticket_id, s.scanned_at, s.device_id, d.name AS device_name,
           ROW_NUMBER() OVER (PARTITION BY s.ticket_id ORDER BY s.scanned_at, s.device_id) AS rn,
           COUNT(*) OVER (PARTITION BY s.ticket_id) AS valid_scans
    FROM gate_scans s JOIN gate_devices d ON d.id = s.device_id
    WHERE s.event_id = ?1 AND s.verdict = 'valid' %TICKETS%
  ) WHERE rn = 1`;

/** The first-scan query for event ?1, narrowed by `filter` (an `AND ...` on `s`, may use ?2). */
export const firstScansOf = (filter: string) => FIRST_SCANS_SQL.replace("%TICKETS%", filter);

export type FirstScanRow = { ticket_id: string; scanned_at: string; device_id: string; device_name: string; valid_scans: number };

export const toFirstScan = (r: FirstScanRow): CheckedIn => ({
  ticket_id: r.ticket_id,
  first_scanned_at: r.scanned_at,
  first_device_id: r.device_id,
  first_device_name: r.device_name,
  valid_scans: r.valid_scans,
});

/**
 * Stores a batch of one device's scans (`scanned_at` already normalised with `toISOString()`,
 * so text order is time order) and answers which of its `valid` scans were not the
 * first entry on that ticket. One D1 batch (one transaction), and the whole batch travels as a
 * single JSON parameter so that no batch size can hit D1's bound-parameter limit. Re-sending a
 * batch inserts nothing (unique ticket/device/time) and gives the same answer.
 */
export async function recordScans(env: Pick<Env, "DB">, eventId: string, deviceId: string, scans: UploadedScan[]) {
  const rows = JSON.stringify(scans.map((s) => [s.ticket_id, s.scanned_at, s.verdict]));
  const validIds = JSON.stringify([...new Set(scans.filter((s) => s.verdict === "valid").map((s) => s.ticket_id))]);
  const [inserted, , firsts, revoked] = await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO gate_scans (event_id, ticket_id, device_id, scanned_at, verdict)
       SELECT ?1, value ->> 0, ?2, value ->> 1, value ->> 2 FROM json_each(?3) WHERE true
       ON CONFLICT (ticket_id, device_id, scanned_at) DO NOTHING RETURNING 1`,
    ).bind(eventId, deviceId, rows),
    env.DB.prepare(markCheckedInSql).bind(eventId, validIds),
    env.DB.prepare(firstScansOf("AND s.ticket_id IN (SELECT value FROM json_each(?2))")).bind(
      eventId,
      validIds,
    ),
    env.DB.prepare(revokedAmongSql).bind(eventId, validIds),
  ]);
  const first = new Map<string, FirstScanRow>();
  for (const r of (firsts?.results ?? []) as FirstScanRow[]) first.set(r.ticket_id, r);

  const duplicates: CheckedIn[] = [];
  for (const s of scans) {
    if (s.verdict !== "valid") continue;
    const f = first.get(s.ticket_id);
    if (f && !(f.device_id === deviceId && f.scanned_at === s.scanned_at)) duplicates.push(toFirstScan(f));
  }
  return {
    accepted: scans.length,
    // Counted from RETURNING: D1's meta.changes also counts the gate_changes trigger's rows.
    new_scans: inserted?.results.length ?? 0,
    duplicates,
    revoked: ((revoked?.results ?? []) as { id: string }[]).map((r) => r.id),
  } satisfies ScanUploadAnswer;
}
