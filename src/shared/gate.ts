/**
 * What the gate scanner and the gate API exchange (contract "Gate" plus its extensions): the
 * device token's claims, the event bundle and its incremental answers, and scan uploads. The
 * Worker checks what it sends against these with `satisfies`; the scanner reads them with
 * `import type`.
 */
import type { JWK } from "jose";
import type { PublicJwk } from "./tickets";

/** Verdicts as uploaded and stored (the scanner shows them upper case). */
export const SCAN_VERDICTS = ["valid", "duplicate", "revoked", "invalid"] as const;
export type ScanVerdict = (typeof SCAN_VERDICTS)[number];

/**
 * The claims of a gate device's bearer token (a staff session token, HS256, `aud` "session"):
 * bound to one device and one event. The scanner reads them, unverified, at enrolment.
 */
export interface StaffTokenClaims {
  role: "staff";
  /** The device id (as `dev`). */
  sub: string;
  dev: string;
  evt: string;
  aud: "session";
  iat: number;
  /** Epoch seconds. */
  exp: number;
}

/** The first entry of a ticket let in at some gate (contract extension `checked_in`). */
export interface CheckedIn {
  ticket_id: string;
  first_scanned_at: string;
  first_device_id: string;
  first_device_name: string;
  /** Entries across all devices; above 1 means the ticket got in twice. */
  valid_scans: number;
}

export interface GateEvent {
  event_id: string;
  name: string;
  city: string;
  starts_at: string;
  ends_at: string;
  /** The event's public status (draft, scheduled, on_sale, ended, cancelled). */
  status: string;
  /** The `iss` of the event's tickets. */
  ticket_issuer: string;
}

/**
 * `GET /api/v1/gate/events/{id}/bundle`: everything a scanner needs to decide verdicts with no
 * network. The contract has `event`, `jwks`, `revoked` and `generated_at`; `kind`, `device`,
 * `checked_in` and `cursor` (send it as `?since=`) are extensions.
 */
export interface GateBundle {
  kind: "full";
  event: GateEvent;
  jwks: { keys: PublicJwk[] };
  revoked: string[];
  generated_at: string;
  device: { device_id: string; name: string };
  /** The first entry of every ticket checked in anywhere, as of `generated_at`. */
  checked_in: CheckedIn[];
  cursor: string;
}

/** Fields of a bundle added after the contract's; a device may hold a bundle stored without them. */
type BundleExtension = "kind" | "device" | "cursor";

/** An entry as a device may hold it: one stored by an earlier version lacks the device name and the count. */
export type HeldCheckedIn = Omit<CheckedIn, "first_device_name" | "valid_scans"> &
  Partial<Pick<CheckedIn, "first_device_name" | "valid_scans">>;

/**
 * A full bundle as the scanner holds it and verifies from: what the contract promises, the
 * extensions when present (a bundle stored by an earlier version of the app may lack them) and
 * any JWKS, whose keys the verifier picks from.
 */
export type HeldGateBundle = Pick<GateBundle, "revoked" | "generated_at"> &
  Partial<Pick<GateBundle, BundleExtension>> & {
    event: Pick<GateEvent, "event_id" | "name"> & Partial<GateEvent>;
    jwks: { keys: JWK[] };
    checked_in?: HeldCheckedIn[];
  };

/** `bundle?since=<cursor>`: the revocations and moved first entries after the cursor. */
export interface GateBundleDelta {
  kind: "delta";
  revoked: string[];
  checked_in: CheckedIn[];
  generated_at: string;
  /** The cursor to send next. */
  cursor: string;
}

/** `bundle?since=<cursor>` when a delta cannot bring the device up to date: download the full bundle. */
export interface FullBundleNeeded {
  kind: "full_bundle_needed";
  reason: "keys_changed" | "too_many_changes";
  generated_at: string;
}

/** Every answer of `GET .../bundle?since=<cursor>` (an unknown cursor is 400). */
export type GateBundleSince = GateBundleDelta | FullBundleNeeded;

/** One scan in `POST /api/v1/gate/events/{id}/scans`; the server takes the verdict in either case. */
export interface UploadedScan {
  ticket_id: string;
  scanned_at: string;
  verdict: ScanVerdict;
}

/** `POST /api/v1/gate/events/{id}/scans`. */
export interface ScanUpload {
  device_id: string;
  scans: UploadedScan[];
}

/** The answer to a scan upload. `new_scans` and `revoked` are extensions. */
export interface ScanUploadAnswer {
  accepted: number;
  /** Scans this request stored for the first time (0 when a batch is re-sent). */
  new_scans: number;
  /** This batch's `valid` scans that were not their ticket's first entry, with the first one. */
  duplicates: CheckedIn[];
  /** `valid` scans of tickets the server knows are revoked (the device's bundle was stale). */
  revoked: string[];
}
