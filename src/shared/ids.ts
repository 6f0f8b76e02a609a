const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

/** Random, URL-safe, opaque ids such as `evt_3k9...` (100 bits of randomness). */
export function newId(prefix: string, length = 20): string {
  return idFromBytes(prefix, crypto.getRandomValues(new Uint8Array(length)));
}

/** An id of `newId`'s shape whose characters come from the given bytes (one per byte, e.g. a digest). */
export function idFromBytes(prefix: string, bytes: Uint8Array, length = 20): string {
  let out = "";
  for (const b of bytes.subarray(0, length)) out += ALPHABET[b & 31];
  return `${prefix}_${out}`;
}

/** Matches ids made by `newId` with the given prefix (routes reject anything else early). */
export function idPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}_[0-9a-z]{20}$`);
}
