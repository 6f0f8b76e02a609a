/**
 * Keyset paging shared by the listings (event search, a buyer's orders): the cursor is the
 * last row's sort key, `[key, id]`, as base64url JSON. Opaque to clients; each listing checks
 * the decoded values itself, so a cursor of another listing is refused, not misapplied.
 */
import { base64url } from "jose";
import { z } from "zod";

/** Query strings carry empty values (`?cursor=`) for "not given". */
export const optionalParam = <S extends z.ZodType>(s: S) => z.preprocess((v) => (v === "" ? undefined : v), s.optional());

export type KeyCursor = readonly [key: string, id: string];

export function encodeKeyCursor(cursor: KeyCursor): string {
  return base64url.encode(JSON.stringify(cursor));
}

/** The `[key, id]` pair, or null when `text` is not a cursor made by `encodeKeyCursor`. */
export function decodeKeyCursor(text: string): KeyCursor | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(text)));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") return [value[0], value[1]];
  } catch {
    // Falls through: not one of ours.
  }
  return null;
}
