/**
 * Ticket verdicts at the gate, decided from the event bundle alone (no network). Pure: no DOM,
 * no storage, the clock and the scan history are passed in, so it runs the same in the
 * browser, in workerd tests and in the benchmark.
 */
import { compactVerify, decodeProtectedHeader, importJWK, type CryptoKey } from "jose";
import type { HeldGateBundle, ScanVerdict } from "../shared/gate";
import type { TicketJwtClaims } from "../shared/tickets";

/** A verdict as shown at the gate (uploaded lower case). */
export type Verdict = Uppercase<ScanVerdict>;

/** The bundle prepared once for many verifications: keys imported, ids in sets. */
export interface Verifier {
  eventId: string;
  issuer: string | undefined;
  deviceId: string | undefined;
  keys: Map<string, CryptoKey>;
  revoked: Set<string>;
  checkedInElsewhere: Map<string, { at: string; deviceId: string; deviceName: string | undefined }>;
}

export interface TicketInfo {
  ticketId: string;
  section: string | null;
  seat: string | null;
  orderId: string | null;
}

export type VerifyResult =
  | ({ verdict: "VALID" } & TicketInfo)
  | ({ verdict: "DUPLICATE"; firstScannedAt: string; where: "here" | "elsewhere"; firstDeviceName?: string } & TicketInfo)
  | ({ verdict: "REVOKED" } & TicketInfo)
  | { verdict: "INVALID"; reason: InvalidReason; ticketId: string | null; section: string | null; seat: string | null };

export type InvalidReason =
  | "malformed"
  | "unknown_key"
  | "bad_signature"
  | "wrong_event"
  | "wrong_issuer"
  | "expired"
  | "not_yet_valid";

export interface VerifyContext {
  /** Epoch milliseconds. */
  now: number;
  /** When this device first admitted the ticket (its earlier VALID scan), if it did. */
  firstScanHere: (ticketId: string) => string | undefined;
}

/** Clock skew tolerated between the box office and a phone at the gate. */
const CLOCK_SKEW_SECONDS = 300;

export async function prepareVerifier(bundle: HeldGateBundle): Promise<Verifier> {
  const keys = new Map<string, CryptoKey>();
  for (const jwk of bundle.jwks.keys) {
    // Only Ed25519 signing keys with a kid can verify a ticket; anything else is ignored.
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.kid !== "string" || "d" in jwk) continue;
    keys.set(jwk.kid, (await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")) as CryptoKey);
  }
  const deviceId = bundle.device?.device_id;
  const checkedInElsewhere = new Map<string, { at: string; deviceId: string; deviceName: string | undefined }>();
  // This device's own synced entries are kept too: a replaced or re-enrolled phone starts with
  // an empty local log, and must still refuse a ticket it let in before.
  for (const c of bundle.checked_in ?? [])
    checkedInElsewhere.set(c.ticket_id, { at: c.first_scanned_at, deviceId: c.first_device_id, deviceName: c.first_device_name });
  return {
    eventId: bundle.event.event_id,
    issuer: bundle.event.ticket_issuer,
    deviceId,
    keys,
    revoked: new Set(bundle.revoked),
    checkedInElsewhere,
  };
}

const decoder = new TextDecoder();
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const invalid = (reason: InvalidReason, info?: Partial<TicketInfo>): VerifyResult => ({
  verdict: "INVALID",
  reason,
  ticketId: info?.ticketId ?? null,
  section: info?.section ?? null,
  seat: info?.seat ?? null,
});

/**
 * The verdict for one scanned text. Order matters: nothing unsigned is trusted, so signature
 * and key come first; then the ticket's event and lifetime; then revocation (which beats an
 * earlier admission: a refunded ticket must not get back in); then this device's history and
 * the check-ins other gates had synced.
 */
export async function verifyTicket(text: string, v: Verifier, ctx: VerifyContext): Promise<VerifyResult> {
  const jwt = text.trim();
  if (jwt.length > 4096 || !COMPACT_JWS.test(jwt)) return invalid("malformed");
  let kid: unknown;
  let alg: unknown;
  try {
    ({ kid, alg } = decodeProtectedHeader(jwt));
  } catch {
    return invalid("malformed");
  }
  const key = typeof kid === "string" ? v.keys.get(kid) : undefined;
  if (alg !== "EdDSA" || !key) return invalid("unknown_key");

  // Any JSON may sit under a valid signature: each claim is checked before it is used.
  let claims: Partial<Record<keyof TicketJwtClaims, unknown>> | null;
  try {
    const { payload } = await compactVerify(jwt, key, { algorithms: ["EdDSA"] });
    claims = JSON.parse(decoder.decode(payload)) as Partial<Record<keyof TicketJwtClaims, unknown>> | null;
  } catch (err) {
    return err instanceof SyntaxError ? invalid("malformed") : invalid("bad_signature");
  }
  if (typeof claims !== "object" || claims === null || typeof claims.jti !== "string" || typeof claims.exp !== "number")
    return invalid("malformed");

  const info: TicketInfo = {
    ticketId: claims.jti,
    section: typeof claims.sec === "string" ? claims.sec : null,
    seat: typeof claims.seat === "string" ? claims.seat : null,
    orderId: typeof claims.ord === "string" ? claims.ord : null,
  };
  if (claims.evt !== v.eventId) return invalid("wrong_event", info);
  if (v.issuer !== undefined && claims.iss !== v.issuer) return invalid("wrong_issuer", info);
  const nowSeconds = ctx.now / 1000;
  if (claims.exp + CLOCK_SKEW_SECONDS <= nowSeconds) return invalid("expired", info);
  if (typeof claims.iat === "number" && claims.iat - CLOCK_SKEW_SECONDS > nowSeconds) return invalid("not_yet_valid", info);

  if (v.revoked.has(info.ticketId)) return { verdict: "REVOKED", ...info };
  const here = ctx.firstScanHere(info.ticketId);
  if (here !== undefined) return { verdict: "DUPLICATE", firstScannedAt: here, where: "here", ...info };
  const elsewhere = v.checkedInElsewhere.get(info.ticketId);
  if (elsewhere) {
    const where = elsewhere.deviceId === v.deviceId ? "here" : "elsewhere";
    return { verdict: "DUPLICATE", firstScannedAt: elsewhere.at, where, firstDeviceName: elsewhere.deviceName, ...info };
  }
  return { verdict: "VALID", ...info };
}
