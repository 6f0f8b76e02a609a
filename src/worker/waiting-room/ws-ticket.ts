import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { z } from "zod";

/**
 * Short-lived tickets for the queue position WebSocket.
 *
 * Browsers cannot set `Authorization` on a WebSocket, and a session token in a URL ends up in
 * access logs, proxies and history. So the queue answers of a waiting place carry a `ws_url`
 * whose `?ticket=` is good for about a minute, for one user's one place of one event, and for
 * nothing else: it cannot open another place's socket, and it is not a session token.
 */

/** How long a ticket lives: enough to open the socket right after the answer that carried it. */
export const WS_TICKET_SECONDS = 60;

// Explicit typing (RFC 8725 §3.11) and its own audience, on top of the separate key below.
const TYP = "queue-ws+jwt";
const AUDIENCE = "queue-ws";

export interface WsTicketClaims {
  userId: string;
  eventId: string;
  queueId: string;
}

export type WsTicketCheck =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" | "expired" | "wrong_event" | "wrong_queue" };

/** What comes in as `?ticket=`: a compact JWS of sane length, checked before any crypto. */
const TicketText = z.string().min(1).max(1024);

const TicketPayload = z.object({
  sub: z.string().min(1),
  evt: z.string().min(1),
  qid: z.string().min(1),
});

let cachedKey: { secret: string; key: Promise<CryptoKey> } | undefined;

/**
 * HMAC key derived from `SESSION_SECRET` with HKDF. The ticket stands in for the session on one
 * socket, so rotating the session secret ends both; the derived key means a ticket never
 * verifies as a session token, nor a session token as a ticket.
 */
function ticketKey(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    const encode = (s: string) => new TextEncoder().encode(s);
    const key = crypto.subtle
      .importKey("raw", encode(secret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encode("ticketing/waiting-room"), info: encode("queue-ws-ticket/v1") },
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

/** Signs a ticket for the position socket of `claims.queueId`, valid `WS_TICKET_SECONDS` from `now`. */
export async function issueWsTicket(
  env: Pick<Env, "SESSION_SECRET">,
  claims: WsTicketClaims,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ evt: claims.eventId, qid: claims.queueId })
    .setProtectedHeader({ alg: "HS256", typ: TYP })
    .setSubject(claims.userId)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + WS_TICKET_SECONDS)
    .sign(await ticketKey(env.SESSION_SECRET));
}

/** Checks a presented ticket against the socket it is used for; says who may open it. */
export async function checkWsTicket(
  env: Pick<Env, "SESSION_SECRET">,
  ticket: unknown,
  socket: { eventId: string; queueId: string },
  now = Date.now(),
): Promise<WsTicketCheck> {
  const text = TicketText.safeParse(ticket);
  if (!text.success) return { ok: false, reason: "invalid" };
  try {
    const { payload } = await jwtVerify(text.data, await ticketKey(env.SESSION_SECRET), {
      algorithms: ["HS256"],
      typ: TYP,
      audience: AUDIENCE,
      requiredClaims: ["exp", "iat"],
      // Even a ticket signed with a longer `exp` (a bug) is refused soon after it was issued.
      maxTokenAge: WS_TICKET_SECONDS,
      currentDate: new Date(now),
    });
    const claims = TicketPayload.safeParse(payload);
    if (!claims.success) return { ok: false, reason: "invalid" };
    if (claims.data.evt !== socket.eventId) return { ok: false, reason: "wrong_event" };
    if (claims.data.qid !== socket.queueId) return { ok: false, reason: "wrong_queue" };
    return { ok: true, userId: claims.data.sub };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: "expired" };
    if (err instanceof joseErrors.JOSEError) return { ok: false, reason: "invalid" };
    throw err;
  }
}

/** The absolute `ws(s)://` address of a place's position socket, ticket included. */
export async function wsUrl(env: Pick<Env, "SESSION_SECRET" | "PUBLIC_ORIGIN">, claims: WsTicketClaims, now = Date.now()): Promise<string> {
  const url = new URL(
    `/api/v1/events/${encodeURIComponent(claims.eventId)}/queue/${encodeURIComponent(claims.queueId)}/ws`,
    env.PUBLIC_ORIGIN,
  );
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("ticket", await issueWsTicket(env, claims, now));
  return url.toString();
}
