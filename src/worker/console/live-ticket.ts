import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { z } from "zod";

/**
 * Short-lived tickets for the organizer's live dashboard socket. Browsers cannot set
 * `Authorization` on a WebSocket and a session token must never sit in a URL, so the stats
 * answer carries a `live_url` whose `?ticket=` opens that one event's socket for about a minute.
 */
export const LIVE_TICKET_SECONDS = 60;

const TYP = "dashboard-live+jwt";
const AUDIENCE = "dashboard-live";

const Claims = z.object({ sub: z.string().min(1), evt: z.string().min(1) });

let cachedKey: { secret: string; key: Promise<CryptoKey> } | undefined;

/** An HMAC key of its own (HKDF from SESSION_SECRET): a ticket never verifies as a session token. */
function ticketKey(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    const encode = (s: string) => new TextEncoder().encode(s);
    const key = crypto.subtle
      .importKey("raw", encode(secret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encode("ticketing/console"), info: encode("dashboard-live-ticket/v1") },
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

export async function liveUrl(env: Pick<Env, "SESSION_SECRET" | "PUBLIC_ORIGIN">, organizerId: string, eventId: string, now = Date.now()) {
  const iat = Math.floor(now / 1000);
  const ticket = await new SignJWT({ evt: eventId })
    .setProtectedHeader({ alg: "HS256", typ: TYP })
    .setSubject(organizerId)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LIVE_TICKET_SECONDS)
    .sign(await ticketKey(env.SESSION_SECRET));
  const url = new URL(`/api/v1/admin/events/${encodeURIComponent(eventId)}/live`, env.PUBLIC_ORIGIN);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("ticket", ticket);
  return url.toString();
}

/** The organizer a ticket was issued to, if it is valid, unexpired and for this event. */
export async function checkLiveTicket(env: Pick<Env, "SESSION_SECRET">, ticket: string, eventId: string, now = Date.now()): Promise<string | null> {
  if (ticket.length > 1024) return null;
  try {
    const { payload } = await jwtVerify(ticket, await ticketKey(env.SESSION_SECRET), {
      algorithms: ["HS256"],
      typ: TYP,
      audience: AUDIENCE,
      requiredClaims: ["exp", "iat"],
      maxTokenAge: LIVE_TICKET_SECONDS,
      currentDate: new Date(now),
    });
    const claims = Claims.safeParse(payload);
    return claims.success && claims.data.evt === eventId ? claims.data.sub : null;
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) return null;
    throw err;
  }
}
