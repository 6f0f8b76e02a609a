/**
 * How stale public reads may be (the contract: "reads may be a few seconds stale; holds never
 * are"). Event facts and seat-map snapshots are fresh for 2 s and served stale, while one
 * refresh runs, for 3 s more: no answer is older than 5 s, and under steady traffic answers are
 * at most about 2 s plus one object read old. `Age` on the answer says how old it is.
 */
export const PUBLIC_READ_FRESH_MS = 2_000;
export const PUBLIC_READ_STALE_MS = 3_000;
