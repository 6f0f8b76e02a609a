import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { z } from "zod";
import type { StaffTokenClaims } from "../../shared/gate";

export const Role = z.enum(["buyer", "organizer", "staff"]);
export type Role = z.infer<typeof Role>;

/** Who is calling. Staff principals are gate devices bound to one event. */
export const Principal = z.discriminatedUnion("role", [
  z.object({ role: z.literal("buyer"), userId: z.string() }),
  z.object({ role: z.literal("organizer"), userId: z.string() }),
  z.object({ role: z.literal("staff"), userId: z.string(), deviceId: z.string(), eventId: z.string() }),
]);
export type Principal = z.infer<typeof Principal>;

const SESSION_AUDIENCE = "session";
const USER_SESSION_SECONDS = 7 * 24 * 3600;

const key = (secret: string) => new TextEncoder().encode(secret);

/**
 * The HMAC key that verifies session tokens, imported once per isolate and secret: given raw
 * bytes, jose imports a CryptoKey on every verify, and every authenticated request verifies.
 * The key is kept, not the import's promise (a promise is not shared across requests).
 */
let verifyKey: { secret: string; key: CryptoKey } | undefined;
async function sessionVerifyKey(secret: string): Promise<CryptoKey> {
  if (verifyKey?.secret === secret) return verifyKey.key;
  const imported = await crypto.subtle.importKey("raw", key(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  verifyKey = { secret, key: imported };
  return imported;
}

/** Signs a bearer token for a principal (HS256 with `SESSION_SECRET`). */
export async function issueSessionToken(
  env: Pick<Env, "SESSION_SECRET">,
  principal: Principal,
  ttlSeconds = USER_SESSION_SECONDS,
): Promise<string> {
  const claims: Record<string, string> = { role: principal.role };
  if (principal.role === "staff")
    Object.assign(claims, { dev: principal.deviceId, evt: principal.eventId } satisfies Pick<StaffTokenClaims, "dev" | "evt">);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(principal.userId)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key(env.SESSION_SECRET));
}

/** Returns the principal, or null for any token that is malformed, forged or expired. */
export async function verifySessionToken(env: Pick<Env, "SESSION_SECRET">, token: string): Promise<Principal | null> {
  try {
    const { payload } = await jwtVerify(token, await sessionVerifyKey(env.SESSION_SECRET), {
      audience: SESSION_AUDIENCE,
      algorithms: ["HS256"],
    });
    const parsed = Principal.safeParse({
      role: payload.role,
      userId: payload.sub,
      deviceId: payload.dev,
      eventId: payload.evt,
    });
    return parsed.success ? parsed.data : null;
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) return null;
    throw err;
  }
}
