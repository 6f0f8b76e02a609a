/** The organizer's list of an event's gate devices, with when each last synced and what it scanned. */

export type GateDeviceSummary = {
  device_id: string;
  name: string;
  created_at: string;
  scans: number;
  entries: number;
  last_upload_at: string | null;
  last_bundle_at: string | null;
  /** The later of the two: when the device was last heard from. */
  last_sync_at: string | null;
};

export async function listGateDevices(env: Pick<Env, "DB">, eventId: string): Promise<GateDeviceSummary[]> {
  const { results } = await env.DB.prepare(
    `SELECT d.id AS device_id, d.name, d.created_at, COALESCE(a.scans, 0) AS scans, COALESCE(a.entries, 0) AS entries,
            a.last_upload_at, a.last_bundle_at
     FROM gate_devices d LEFT JOIN gate_device_activity a ON a.device_id = d.id
     WHERE d.event_id = ?1 ORDER BY d.created_at, d.id`,
  )
    .bind(eventId)
    .all<Omit<GateDeviceSummary, "last_sync_at">>();
  return results.map((r) => {
    const times = [r.last_upload_at, r.last_bundle_at].filter((t): t is string => t !== null).sort();
    return { ...r, last_sync_at: times.at(-1) ?? null };
  });
}

/**
 * Notes that a device fetched its bundle (full or delta). One upsert on the device's own row;
 * scans are counted by a trigger on gate_scans instead.
 */
export async function recordBundleSync(env: Pick<Env, "DB">, eventId: string, deviceId: string, at = new Date().toISOString()) {
  await env.DB.prepare(
    `INSERT INTO gate_device_activity (device_id, event_id, last_bundle_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (device_id) DO UPDATE SET last_bundle_at = max(COALESCE(last_bundle_at, ''), excluded.last_bundle_at)`,
  )
    .bind(deviceId, eventId, at)
    .run();
}
