/** Everything the scanner keeps on the device (IndexedDB via `idb`): survives reloads and offline. */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { HeldCheckedIn, HeldGateBundle } from "../shared/gate";
import type { DeltaChanges } from "./bundle-delta";
import type { InvalidReason, Verdict } from "./verify";

export interface Session {
  token: string;
  deviceId: string;
  eventId: string;
  /** Token expiry, epoch seconds. */
  exp: number;
}

export interface ScanRecord {
  id?: number;
  eventId: string;
  deviceId: string;
  ticketId: string | null;
  scannedAt: string;
  verdict: Verdict;
  reason?: InvalidReason;
  section: string | null;
  seat: string | null;
  /** 0 until the server acknowledged it (IndexedDB cannot index booleans). */
  uploaded: 0 | 1;
}

/**
 * A scan of this device that the server says was not the ticket's first entry: the ticket's
 * first entry, and when it was let in here. One stored by an earlier version may lack the
 * device name and the entry count.
 */
export type Conflict = HeldCheckedIn & { scanned_here_at: string };

interface KvValues {
  session: Session;
  bundle: HeldGateBundle;
  /** When `bundle` was downloaded, by this device's clock (so a skewed clock cannot make it look stale forever). */
  bundleFetchedAt: string;
  lastSyncedAt: string;
  conflicts: Conflict[];
  revokedAfterEntry: string[];
}

interface GateDb extends DBSchema {
  kv: { key: keyof KvValues; value: KvValues[keyof KvValues] };
  scans: { key: number; value: ScanRecord; indexes: { by_uploaded: [string, number] } };
  /**
   * The deltas received since `bundle`, oldest first (see bundle-delta.ts). One small record
   * per poll that brought changes, so a poll never rewrites the bundle or all earlier deltas;
   * emptied when a full bundle is stored.
   */
  deltas: { key: number; value: DeltaChanges };
}

let dbPromise: Promise<IDBPDatabase<GateDb>> | undefined;

function gateDb() {
  dbPromise ??= openDB<GateDb>("gate-scanner", 2, {
    upgrade(db, oldVersion) {
      if (oldVersion < 2) db.createObjectStore("deltas", { autoIncrement: true });
      if (oldVersion >= 1) return;
      db.createObjectStore("kv");
      const scans = db.createObjectStore("scans", { keyPath: "id", autoIncrement: true });
      scans.createIndex("by_uploaded", ["deviceId", "uploaded"]);
    },
  });
  return dbPromise;
}

export async function getKv<K extends keyof KvValues>(key: K): Promise<KvValues[K] | undefined> {
  return (await (await gateDb()).get("kv", key)) as KvValues[K] | undefined;
}

export async function setKv<K extends keyof KvValues>(key: K, value: KvValues[K]): Promise<void> {
  await (await gateDb()).put("kv", value, key);
}

/** A new enrolment replaces the device identity and its event data; old unsent scans stay for their device. */
export async function resetForEnrolment(session: Session): Promise<void> {
  const db = await gateDb();
  const tx = db.transaction(["kv", "deltas"], "readwrite");
  const kv = tx.objectStore("kv");
  await Promise.all([
    kv.delete("bundle"),
    kv.delete("bundleFetchedAt"),
    kv.delete("lastSyncedAt"),
    kv.delete("conflicts"),
    kv.delete("revokedAfterEntry"),
    kv.put(session, "session"),
    tx.objectStore("deltas").clear(),
    tx.done,
  ]);
}

/** A new full bundle replaces the old one and the deltas on top of it, in one transaction. */
export async function saveFullBundle(bundle: HeldGateBundle, syncedAt: string): Promise<void> {
  const tx = (await gateDb()).transaction(["kv", "deltas"], "readwrite");
  const kv = tx.objectStore("kv");
  await Promise.all([
    kv.put(bundle, "bundle"),
    kv.put(syncedAt, "bundleFetchedAt"),
    kv.put(syncedAt, "lastSyncedAt"),
    tx.objectStore("deltas").clear(),
    tx.done,
  ]);
}

/** After a poll: its changes, if it brought any, and when the device last heard from the server. */
export async function saveDelta(changes: DeltaChanges | undefined, syncedAt: string): Promise<void> {
  const tx = (await gateDb()).transaction(["kv", "deltas"], "readwrite");
  await Promise.all([
    ...(changes ? [tx.objectStore("deltas").add(changes)] : []),
    tx.objectStore("kv").put(syncedAt, "lastSyncedAt"),
    tx.done,
  ]);
}

/** The deltas stored since the bundle, oldest first. */
export async function storedDeltas(): Promise<DeltaChanges[]> {
  return (await gateDb()).getAll("deltas");
}

export async function addScan(scan: ScanRecord): Promise<ScanRecord> {
  const id = await (await gateDb()).add("scans", scan);
  return { ...scan, id };
}

export async function scansOf(deviceId: string): Promise<ScanRecord[]> {
  const all = await (await gateDb()).getAll("scans");
  return all.filter((s) => s.deviceId === deviceId);
}

export async function pendingScans(deviceId: string, limit: number): Promise<ScanRecord[]> {
  return (await gateDb()).getAllFromIndex("scans", "by_uploaded", [deviceId, 0], limit);
}

export async function markUploaded(ids: number[]): Promise<void> {
  const db = await gateDb();
  const tx = db.transaction("scans", "readwrite");
  for (const id of ids) {
    const s = await tx.store.get(id);
    if (s) await tx.store.put({ ...s, uploaded: 1 });
  }
  await tx.done;
}
