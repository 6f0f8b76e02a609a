import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { verifySessionToken, type Principal } from "../auth/tokens";
import { forbidden } from "../errors";

/**
 * The browser session of the web pages: the same HS256 session token the API hands out as a
 * bearer token, kept in an HttpOnly cookie so page scripts never see it.
 */
export const SESSION_COOKIE = "session";
/** Matches the token's own lifetime (`auth/tokens.ts`); the token's `exp` is what counts. */
const SESSION_MAX_AGE = 7 * 24 * 3600;

const isHttps = (c: Context) => new URL(c.req.url).protocol === "https:";

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure when served over https. */
export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    path: "/",
    maxAge: SESSION_MAX_AGE,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c), httpOnly: true, sameSite: "Lax" });
}

/** The session token from the cookie, unverified (for passing on as a bearer token). */
export const sessionCookieToken = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE) || undefined;

/** The principal of a valid session cookie, or null (no cookie, forged, expired). */
export async function cookiePrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const token = sessionCookieToken(c);
  return token ? verifySessionToken(c.env, token) : null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF rule for everything a cookie authenticates: an unsafe request must come from one of our
 * own pages. Browsers say so in `Sec-Fetch-Site` (all current ones send it) or, failing that,
 * in `Origin`, which they send with every cross-origin and every POST request; a request that
 * proves neither is refused. This needs no per-user token in the HTML, so public pages stay
 * cacheable, and SameSite=Lax already keeps the cookie off cross-site subrequests. Clients
 * that are not browsers authenticate with bearer tokens, to which this does not apply.
 */
export function isSameOriginRequest(c: Context<AppEnv>): boolean {
  if (SAFE_METHODS.has(c.req.method)) return true;
  const site = c.req.header("Sec-Fetch-Site");
  if (site !== undefined) return site === "same-origin";
  const origin = c.req.header("Origin");
  if (!origin || origin === "null") return false;
  const own = new Set([new URL(c.req.url).origin, new URL(c.env.PUBLIC_ORIGIN).origin]);
  return own.has(origin);
}

export const crossSiteRefused = () =>
  forbidden("This form was sent from another site; reload the page and try again.", "csrf_rejected");

/**
 * Page middleware: every unsafe request to a page route passes the CSRF rule, whether or not it
 * carries a session yet (log-in and sign-up forms included: a forged log-in is an attack too).
 */
export const pageCsrf = createMiddleware<AppEnv>(async function pageCsrfMiddleware(c, next) {
  if (!isSameOriginRequest(c)) throw crossSiteRefused();
  await next();
});
