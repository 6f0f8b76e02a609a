/**
 * Salted PBKDF2-SHA256 password hashes through WebCrypto, stored as
 * `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>`. The iteration count is stored
 * with each hash so it can be raised later without invalidating existing passwords.
 */

import { base64url } from "jose";

const SCHEME = "pbkdf2-sha256";
// workerd refuses PBKDF2 with more than 100,000 iterations (NotSupportedError), so this is
// the strongest setting the runtime allows.
const ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

const enc = new TextEncoder();

function fromB64url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    return base64url.decode(s);
  } catch {
    return null;
  }
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, ITERATIONS);
  return `${SCHEME}$${ITERATIONS}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
}

/** True when `password` matches `stored`; compares in constant time. Malformed hashes never match. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, saltText, hashText, ...rest] = stored.split("$");
  const iterations = Number(iter);
  if (scheme !== SCHEME || rest.length > 0 || !Number.isInteger(iterations) || iterations < 1 || iterations > ITERATIONS)
    return false;
  const salt = fromB64url(saltText ?? "");
  const expected = fromB64url(hashText ?? "");
  if (!salt || !expected || expected.length !== HASH_BITS / 8) return false;
  const actual = await derive(password, salt, iterations);
  return crypto.subtle.timingSafeEqual(actual, expected);
}

// A hash of a random password nobody knows (generated offline), with the current settings.
// A constant rather than computed per isolate: a promise shared across requests is not allowed.
const DUMMY_HASH = "pbkdf2-sha256$100000$eCTBwZVSeggHWPSFx1AJvQ$u0CTMPWFVcbg6J4ef2hEDVhG1x5u5sB93T0Ot0eJFPA";

/**
 * Spends the same work as a real check, for logins with an unknown email, so response
 * times do not reveal which emails have accounts.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}
