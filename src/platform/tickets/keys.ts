import { importJWK, type CryptoKey } from "jose";
import { z } from "zod";
import type { PublicJwk } from "../../shared/tickets";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: PublicJwk;
}

const PrivateJwk = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1),
});
const PrivateJwks = z.array(PrivateJwk).min(1);

// Parsing and importing is per secret value, not per request.
const loaded = new Map<string, Promise<SigningKey[]>>();

/**
 * The keys of `TICKET_SIGNING_KEYS` (JSON array of Ed25519 private JWKs); the first signs new
 * tickets. Throws on a malformed secret: that is a deployment bug, not a request error.
 */
export function loadSigningKeys(env: Pick<Env, "TICKET_SIGNING_KEYS">): Promise<SigningKey[]> {
  const raw = env.TICKET_SIGNING_KEYS;
  let keys = loaded.get(raw);
  if (!keys) {
    keys = importKeys(raw);
    keys.catch(() => loaded.delete(raw));
    loaded.set(raw, keys);
  }
  return keys;
}

async function importKeys(raw: string): Promise<SigningKey[]> {
  const parsed = PrivateJwks.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`TICKET_SIGNING_KEYS is not a JSON array of Ed25519 private JWKs with kid`);
  return Promise.all(
    parsed.data.map(async (jwk) => ({
      kid: jwk.kid,
      privateKey: (await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")) as CryptoKey,
      publicJwk: { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: jwk.kid, alg: "EdDSA", use: "sig" },
    })),
  );
}

/** The key that signs new tickets. */
export async function currentSigningKey(env: Pick<Env, "TICKET_SIGNING_KEYS">): Promise<SigningKey> {
  const [first] = await loadSigningKeys(env);
  if (!first) throw new Error("TICKET_SIGNING_KEYS is empty");
  return first;
}

/**
 * Records a key's public half the first time it signs, so it outlives its removal from the
 * secret. A statement, not a call: it belongs in the batch that writes the tickets it signed,
 * so no ticket is ever stored without its key and the insert costs no write transaction of its own.
 */
export function rememberSigningKeyStatement(env: Pick<Env, "DB">, key: SigningKey): D1PreparedStatement {
  return env.DB.prepare("INSERT OR IGNORE INTO signing_keys (kid, public_jwk) VALUES (?, ?)").bind(key.kid, JSON.stringify(key.publicJwk));
}

/**
 * The JWKS that verifies every ticket still usable at the gate: the current signing key plus
 * every key that signed a ticket which is neither revoked nor past its `exp`. Rotated keys
 * therefore stay published exactly as long as someone may still present a ticket they signed.
 */
export async function publicJwks(env: Pick<Env, "DB" | "TICKET_SIGNING_KEYS">): Promise<{ keys: PublicJwk[] }> {
  const current = await currentSigningKey(env);
  const { results } = await env.DB.prepare(
    `SELECT k.kid AS kid, k.public_jwk AS public_jwk FROM signing_keys k
     WHERE EXISTS (SELECT 1 FROM tickets t
                   WHERE t.kid = k.kid AND t.status IN ('valid', 'checked_in') AND t.expires_at > ?)
     ORDER BY k.first_used_at`,
  )
    .bind(new Date().toISOString())
    .all<{ kid: string; public_jwk: string }>();
  const keys: PublicJwk[] = [current.publicJwk];
  for (const row of results) {
    if (row.kid !== current.kid) keys.push(JSON.parse(row.public_jwk) as PublicJwk);
  }
  return { keys };
}
