import { SignJWT, jwtVerify, errors as joseErrors } from "jose";

const AUDIENCE = "admission";
const key = (secret: string) => new TextEncoder().encode(secret);

export interface AdmissionClaims {
  userId: string;
  eventId: string;
  queueId: string;
  /** Epoch milliseconds; the token is useless after it. */
  expiresAt: number;
}

/** Signs the admission token of an admitted place (HS256 with `ADMISSION_SECRET`). */
export async function issueAdmissionToken(env: Pick<Env, "ADMISSION_SECRET">, claims: AdmissionClaims): Promise<string> {
  return new SignJWT({ evt: claims.eventId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.userId)
    .setAudience(AUDIENCE)
    .setJti(claims.queueId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(claims.expiresAt / 1000))
    .sign(key(env.ADMISSION_SECRET));
}

export type AdmissionCheck =
  | { ok: true; queueId: string }
  | { ok: false; reason: "expired" | "invalid" | "wrong_user" | "wrong_event" };

/** Checks a presented admission token against the caller and the event. */
export async function checkAdmissionToken(
  env: Pick<Env, "ADMISSION_SECRET">,
  token: string,
  userId: string,
  eventId: string,
): Promise<AdmissionCheck> {
  try {
    const { payload } = await jwtVerify(token, key(env.ADMISSION_SECRET), { audience: AUDIENCE, algorithms: ["HS256"] });
    if (typeof payload.exp !== "number" || typeof payload.jti !== "string") return { ok: false, reason: "invalid" };
    if (payload.evt !== eventId) return { ok: false, reason: "wrong_event" };
    if (payload.sub !== userId) return { ok: false, reason: "wrong_user" };
    return { ok: true, queueId: payload.jti };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: "expired" };
    if (err instanceof joseErrors.JOSEError) return { ok: false, reason: "invalid" };
    throw err;
  }
}
