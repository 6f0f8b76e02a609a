import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { verifySessionToken, type Principal, type Role } from "../auth/tokens";
import { forbidden, unauthenticated } from "../errors";
import { crossSiteRefused, isSameOriginRequest, sessionCookieToken } from "./session";

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
}

/** The principal a bearer token stands for; 401 when it is invalid or expired. */
export async function authenticate(env: Pick<Env, "SESSION_SECRET">, token: string): Promise<Principal> {
  const principal = await verifySessionToken(env, token);
  if (!principal) throw unauthenticated("The bearer token is invalid or expired.");
  return principal;
}

/**
 * Requires a valid bearer token; with roles given, the principal must have one of them
 * (401 without a valid token, 403 with the wrong role). A request without an Authorization
 * header may instead carry the pages' session cookie, and then an unsafe one must pass the
 * CSRF rule (`middleware/session.ts`): the storefront's scripts call the API this way.
 */
export function requireAuth(...roles: Role[]) {
  return createMiddleware<AppEnv>(async function requireAuthMiddleware(c, next) {
    const header = c.req.header("Authorization");
    let token = bearerToken(header);
    if (header === undefined) {
      token = sessionCookieToken(c);
      if (token && !isSameOriginRequest(c)) throw crossSiteRefused();
    }
    if (!token) throw unauthenticated();
    const principal = await authenticate(c.env, token);
    if (roles.length > 0 && !roles.includes(principal.role)) throw forbidden();
    c.set("principal", principal);
    await next();
  });
}
