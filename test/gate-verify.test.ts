// Verdicts of the gate scanner's pure verification module (src/gate-scanner/verify.ts),
// with tickets signed here by jose directly, as checkout signs them.
import { env } from "cloudflare:workers";
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { describe, it } from "vitest";
import { prepareVerifier, verifyTicket, type VerifyContext } from "../src/gate-scanner/verify";
import type { HeldGateBundle } from "../src/shared/gate";

const EVENT = "evt_gatetestgatetestgate";
const ISSUER = env.TICKET_ISSUER;
const NOW = Date.parse("2030-06-01T20:00:00Z");
const HOUR = 3600;

interface Key {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function configuredKey(): Promise<Key> {
  const [jwk] = JSON.parse(env.TICKET_SIGNING_KEYS) as (JWK & { kid: string })[];
  if (!jwk) throw new Error("TICKET_SIGNING_KEYS is empty");
  const { d: _private, ...pub } = jwk;
  return { kid: jwk.kid, privateKey: (await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")) as CryptoKey, publicJwk: pub };
}

async function freshKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" } };
}

interface TicketOpts {
  jti?: string;
  evt?: string;
  iss?: string;
  exp?: number;
  iat?: number;
  kid?: string;
  seat?: string | null;
}

function sign(key: Key, o: TicketOpts = {}): Promise<string> {
  return new SignJWT({ evt: o.evt ?? EVENT, sec: "R", seat: o.seat === undefined ? "R-A-1" : o.seat, ord: "ord_1" })
    .setProtectedHeader({ alg: "EdDSA", kid: o.kid ?? key.kid, typ: "JWT" })
    .setIssuer(o.iss ?? ISSUER)
    .setJti(o.jti ?? `tkt_${crypto.randomUUID().slice(0, 8)}`)
    .setIssuedAt(o.iat ?? NOW / 1000 - 24 * HOUR)
    .setExpirationTime(o.exp ?? NOW / 1000 + 24 * HOUR)
    .sign(key.privateKey);
}

function bundle(keys: Key[], extra: Partial<HeldGateBundle> = {}): HeldGateBundle {
  return {
    event: { event_id: EVENT, name: "Gate test", ticket_issuer: ISSUER },
    jwks: { keys: keys.map((k) => k.publicJwk) },
    revoked: [],
    generated_at: new Date(NOW).toISOString(),
    device: { device_id: "gdv_here", name: "Gate A" },
    ...extra,
  };
}

const fresh = (history: Record<string, string> = {}): VerifyContext => ({ now: NOW, firstScanHere: (id) => history[id] });

describe("verifyTicket", () => {
  it("VALID: signed by a published key, for this event, in date, not revoked, not scanned", async ({ expect }) => {
    const key = await configuredKey();
    const v = await prepareVerifier(bundle([key]));
    const jwt = await sign(key, { jti: "tkt_valid" });
    expect(await verifyTicket(jwt, v, fresh())).toEqual({
      verdict: "VALID",
      ticketId: "tkt_valid",
      section: "R",
      seat: "R-A-1",
      orderId: "ord_1",
    });
    // Scanned text often carries a trailing newline.
    expect((await verifyTicket(`${jwt}\n`, v, fresh())).verdict).toBe("VALID");
  });

  it("DUPLICATE: scanned before on this device, with when", async ({ expect }) => {
    const key = await configuredKey();
    const v = await prepareVerifier(bundle([key]));
    const jwt = await sign(key, { jti: "tkt_dup" });
    const result = await verifyTicket(jwt, v, fresh({ tkt_dup: "2030-06-01T19:55:00.000Z" }));
    expect(result).toMatchObject({ verdict: "DUPLICATE", where: "here", firstScannedAt: "2030-06-01T19:55:00.000Z", seat: "R-A-1" });
  });

  it("DUPLICATE: checked in at another gate as of the last sync", async ({ expect }) => {
    const key = await configuredKey();
    const checkedIn = [
      { ticket_id: "tkt_other", first_scanned_at: "2030-06-01T19:50:00.000Z", first_device_id: "gdv_b", first_device_name: "Gate B" },
      { ticket_id: "tkt_mine", first_scanned_at: "2030-06-01T19:40:00.000Z", first_device_id: "gdv_here" },
    ];
    const v = await prepareVerifier(bundle([key], { checked_in: checkedIn }));
    expect(await verifyTicket(await sign(key, { jti: "tkt_other" }), v, fresh())).toMatchObject({
      verdict: "DUPLICATE",
      where: "elsewhere",
      firstDeviceName: "Gate B",
      firstScannedAt: "2030-06-01T19:50:00.000Z",
    });
    // Regression: a re-enrolled phone (empty local log) let in a ticket its own device had
    // already let in, because the bundle's entries of this device were skipped.
    expect(await verifyTicket(await sign(key, { jti: "tkt_mine" }), v, fresh())).toMatchObject({
      verdict: "DUPLICATE",
      where: "here",
      firstScannedAt: "2030-06-01T19:40:00.000Z",
    });
  });

  it("REVOKED: in the bundle's revoked ids, even if it was admitted before", async ({ expect }) => {
    const key = await configuredKey();
    const v = await prepareVerifier(bundle([key], { revoked: ["tkt_gone", "tkt_other"] }));
    const jwt = await sign(key, { jti: "tkt_gone", seat: null });
    expect(await verifyTicket(jwt, v, fresh())).toMatchObject({ verdict: "REVOKED", ticketId: "tkt_gone", seat: null, section: "R" });
    expect((await verifyTicket(jwt, v, fresh({ tkt_gone: "2030-06-01T19:00:00Z" }))).verdict).toBe("REVOKED");
  });

  it.for<[string, string]>([
    ["empty", ""],
    ["not a JWT", "hello world"],
    ["two parts", "abc.def"],
    ["garbage header", "!!!.abc.def"],
    ["undecodable header", "eyJub3Q.eyJhIjoxfQ.c2ln"],
  ])("INVALID (malformed): %s", async ([, text], { expect }) => {
    const v = await prepareVerifier(bundle([await configuredKey()]));
    expect(await verifyTicket(text, v, fresh())).toMatchObject({ verdict: "INVALID", reason: "malformed", ticketId: null });
  });

  it("INVALID: forged signature, tampered claims, unknown kid, another key under a known kid", async ({ expect }) => {
    const key = await configuredKey();
    const forger = await freshKey("forger");
    const v = await prepareVerifier(bundle([key]));
    const genuine = await sign(key, { jti: "tkt_t" });
    const [h, p, s] = genuine.split(".") as [string, string, string];
    const claims = JSON.parse(atob(p.replaceAll("-", "+").replaceAll("_", "/")));
    const tamperedPayload = btoa(JSON.stringify({ ...claims, seat: "R-A-9" })).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
    const flippedSig = `${s.slice(0, -2)}${s.endsWith("AA") ? "BA" : "AA"}`;
    const cases: [string, string][] = [
      [`${h}.${tamperedPayload}.${s}`, "bad_signature"],
      [`${h}.${p}.${flippedSig}`, "bad_signature"],
      [await sign(forger, { jti: "tkt_f" }), "unknown_key"],
      [await sign(forger, { jti: "tkt_f", kid: key.kid }), "bad_signature"],
    ];
    for (const [jwt, reason] of cases) expect(await verifyTicket(jwt, v, fresh())).toMatchObject({ verdict: "INVALID", reason });
  });

  it("INVALID: another event, another issuer, expired, issued in the future", async ({ expect }) => {
    const key = await configuredKey();
    const v = await prepareVerifier(bundle([key]));
    const cases: [TicketOpts, string][] = [
      [{ evt: "evt_someotherevent000000" }, "wrong_event"],
      [{ iss: "https://evil.example" }, "wrong_issuer"],
      [{ exp: NOW / 1000 - HOUR }, "expired"],
      [{ iat: NOW / 1000 + HOUR }, "not_yet_valid"],
    ];
    for (const [opts, reason] of cases)
      expect(await verifyTicket(await sign(key, { jti: "tkt_x", ...opts }), v, fresh())).toMatchObject({
        verdict: "INVALID",
        reason,
        ticketId: "tkt_x",
      });
  });

  it("key rotation: tickets of both keys in the JWKS verify; a key dropped from the JWKS no longer does", async ({ expect }) => {
    const old = await configuredKey();
    const next = await freshKey("rotated-2");
    const both = await prepareVerifier(bundle([next, old]));
    const oldTicket = await sign(old, { jti: "tkt_old" });
    const newTicket = await sign(next, { jti: "tkt_new" });
    expect((await verifyTicket(oldTicket, both, fresh())).verdict).toBe("VALID");
    expect((await verifyTicket(newTicket, both, fresh())).verdict).toBe("VALID");
    const onlyNew = await prepareVerifier(bundle([next]));
    expect(await verifyTicket(oldTicket, onlyNew, fresh())).toMatchObject({ verdict: "INVALID", reason: "unknown_key" });
  });

  it("ignores private and non-Ed25519 keys in the JWKS", async ({ expect }) => {
    const key = await configuredKey();
    const [privateJwk] = JSON.parse(env.TICKET_SIGNING_KEYS) as JWK[];
    const v = await prepareVerifier(bundle([], { jwks: { keys: [privateJwk!, { kty: "oct", k: "c2VjcmV0", kid: key.kid }] } }));
    expect(v.keys.size).toBe(0);
    expect(await verifyTicket(await sign(key), v, fresh())).toMatchObject({ verdict: "INVALID", reason: "unknown_key" });
  });
});
