import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { verifySessionToken, type Role } from "../auth/tokens";
import { forbidden, unauthenticated } from "../errors";

/**
 * Requires a valid bearer token; with roles given, the principal must have one of them
 * (401 without a valid token, 403 with the wrong role).
 */
export function requireAuth(...roles: Role[]) {
  return createMiddleware<AppEnv>(async function requireAuthMiddleware(c, next) {
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthenticated();
    const principal = await verifySessionToken(c.env, match[1]);
    if (!principal) throw unauthenticated("The bearer token is invalid or expired.");
    if (roles.length > 0 && !roles.includes(principal.role)) throw forbidden();
    c.set("principal", principal);
    await next();
  });
}
