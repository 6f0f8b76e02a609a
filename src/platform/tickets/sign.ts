import { SignJWT } from "jose";
import type { TicketJwtClaims } from "../../shared/tickets";
import { currentSigningKey, rememberSigningKeyStatement } from "./keys";

/** What a ticket JWT says, as the signer takes it (its claims: `TicketJwtClaims`); `exp` in epoch seconds. */
export interface TicketClaims {
  ticketId: string;
  eventId: string;
  sectionKey: string;
  seatLabel: string | null;
  orderId: string;
  exp: number;
}

/** Tickets stay verifiable for a day after the event ends (late scans, disputes). */
export const TICKET_GRACE_SECONDS = 24 * 3600;

export function ticketExpiry(eventEndsAt: string): number {
  return Math.floor(Date.parse(eventEndsAt) / 1000) + TICKET_GRACE_SECONDS;
}

/**
 * Signs tickets with the current key: a compact JWS, `alg` EdDSA, `kid` in the header.
 * `remember` records the key (`INSERT OR IGNORE`): put it in the batch that writes the tickets.
 */
export async function ticketSigner(env: Pick<Env, "DB" | "TICKET_SIGNING_KEYS" | "TICKET_ISSUER">) {
  const key = await currentSigningKey(env);
  return {
    kid: key.kid,
    remember: rememberSigningKeyStatement(env, key),
    sign: (c: TicketClaims): Promise<string> =>
      new SignJWT({ evt: c.eventId, sec: c.sectionKey, seat: c.seatLabel, ord: c.orderId } satisfies Pick<
        TicketJwtClaims,
        "evt" | "sec" | "seat" | "ord"
      >)
        .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" })
        .setIssuer(env.TICKET_ISSUER)
        .setJti(c.ticketId)
        .setIssuedAt()
        .setExpirationTime(c.exp)
        .sign(key.privateKey),
  };
}
