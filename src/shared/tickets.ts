/**
 * The signed ticket as it travels: the JWT the box office issues and the scanner verifies
 * offline, and the public keys that verify it. Types only: the browser apps import them with
 * `import type`.
 */

/** The public half of a ticket signing key, as published in `/.well-known/jwks.json` and in the gate bundle. */
export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

/**
 * The claims of a ticket JWT (contract "Tickets"): a compact JWS, `alg` EdDSA, `kid` in the
 * protected header. Times are epoch seconds.
 */
export interface TicketJwtClaims {
  iss: string;
  /** The ticket id. */
  jti: string;
  /** The event id. */
  evt: string;
  /** The section key. */
  sec: string;
  /** The seat label, null for general admission. */
  seat: string | null;
  /** The order id. */
  ord: string;
  iat: number;
  exp: number;
}
