/**
 * Where to go after logging in: only a path on this site. Anything else (another origin,
 * `//host`, `/\host`, a scheme) would make the log-in form an open redirect.
 */
export function safeNext(value: unknown, fallback = "/me"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return fallback;
  return value;
}
