/** What the running app knows (in memory; `store.ts` keeps what survives a reload), and its page. */
import type { DeltaOverlay } from "./bundle-delta";
import type { CameraScanner } from "./camera";
import type { ScanRecord, Session } from "./store";
import type { Verifier } from "./verify";

/** The element `#id` of the page (index.html); its absence is a bug in the page. */
export const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

export const state = {
  session: undefined as Session | undefined,
  verifier: undefined as Verifier | undefined,
  /** Ticket id -> when this device first admitted it (VALID). */
  admittedHere: new Map<string, string>(),
  recent: [] as ScanRecord[],
  camera: undefined as CameraScanner | undefined,
  lastSyncedAt: undefined as string | undefined,
  /** Where the next poll starts: the overlay's cursor, else the full bundle's. */
  cursor: undefined as string | undefined,
  overlay: undefined as DeltaOverlay | undefined,
  /** When the stored full bundle was downloaded (device clock): the timer downloads a new one past FULL_EVERY_MS. */
  fullBundleAt: undefined as string | undefined,
  syncError: undefined as string | undefined,
  pending: 0,
};
