import { SignJWT, jwtVerify, errors as joseErrors } from "jose";

/**
 * Short-lived tickets that open one WebSocket. Browsers cannot set `Authorization` on a
 * WebSocket, and a session token in a URL ends up in access logs, proxies and history, so an
 * answer carries a socket URL whose `?ticket=` is good for about a minute and for nothing else.
 *
 * Each kind of ticket has its own explicit type and audience (RFC 8725 §3.11) and its own HMAC
 * key derived from `SESSION_SECRET` with HKDF: rotating the session secret ends every ticket,
 * yet a ticket never verifies as a session token, nor as a ticket of another kind.
 */
export interface SocketTicketKind {
  typ: string;
  audience: string;
  /** HKDF salt and info: together they make this kind's key. */
  salt: string;
  info: string;
  /** Lifetime: enough to open the socket right after the answer that carried the ticket. */
  seconds: number;
}

export type SocketTicketCheck =
  | { ok: true; sub: string; payload: Record<string, unknown> }
  | { ok: false; reason: "invalid" | "expired" };

/** Longest ticket text checked at all: a compact JWS of sane length, refused before any crypto. */
const MAX_TICKET_LENGTH = 1024;

export function socketTickets(kind: SocketTicketKind) {
  let cachedKey: { secret: string; key: Promise<CryptoKey> } | undefined;

  function ticketKey(secret: string): Promise<CryptoKey> {
    if (cachedKey?.secret !== secret) {
      const encode = (s: string) => new TextEncoder().encode(s);
      const key = crypto.subtle
        .importKey("raw", encode(secret), "HKDF", false, ["deriveKey"])
        .then((base) =>
          crypto.subtle.deriveKey(
            { name: "HKDF", hash: "SHA-256", salt: encode(kind.salt), info: encode(kind.info) },
            base,
            { name: "HMAC", hash: "SHA-256", length: 256 },
            false,
            ["sign", "verify"],
          ),
        );
      cachedKey = { secret, key };
    }
    return cachedKey.key;
  }

  return {
    /** Signs a ticket for `sub` carrying `claims`, valid `kind.seconds` from `now`. */
    async issue(env: Pick<Env, "SESSION_SECRET">, sub: string, claims: Record<string, string>, now = Date.now()): Promise<string> {
      const iat = Math.floor(now / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: kind.typ })
        .setSubject(sub)
        .setAudience(kind.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + kind.seconds)
        .sign(await ticketKey(env.SESSION_SECRET));
    },

    /** Verifies signature, type, audience and age; the caller checks the claims it needs. */
    async verify(env: Pick<Env, "SESSION_SECRET">, ticket: unknown, now = Date.now()): Promise<SocketTicketCheck> {
      if (typeof ticket !== "string" || ticket.length === 0 || ticket.length > MAX_TICKET_LENGTH) {
        return { ok: false, reason: "invalid" };
      }
      try {
        const { payload } = await jwtVerify(ticket, await ticketKey(env.SESSION_SECRET), {
          algorithms: ["HS256"],
          typ: kind.typ,
          audience: kind.audience,
          requiredClaims: ["exp", "iat"],
          // Even a ticket signed with a longer `exp` (a bug) is refused soon after it was issued.
          maxTokenAge: kind.seconds,
          currentDate: new Date(now),
        });
        if (typeof payload.sub !== "string" || payload.sub.length === 0) return { ok: false, reason: "invalid" };
        return { ok: true, sub: payload.sub, payload };
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: "expired" };
        if (err instanceof joseErrors.JOSEError) return { ok: false, reason: "invalid" };
        throw err;
      }
    },
  };
}

/** The absolute `ws(s)://` address of `path` on the public origin, ticket included. */
export function socketUrl(origin: string, path: string, ticket: string): string {
  const url = new URL(path, origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("ticket", ticket);
  return url.toString();
}
