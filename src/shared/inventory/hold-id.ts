import { idPattern } from "../ids";

/**
 * Hold ids carry the event id so that `/api/v1/holds/:holdId` can find the buyer's ledger
 * (`${eventId}:${userId}`) without a lookup table:
 * `hld_<9 chars ms time><11 random><20 event id chars>`, all Crockford base32.
 * The time prefix makes new ids sort after older ones, so the objects' B-tree inserts append
 * instead of landing on random pages (fewer pages per commit). Clients treat ids as opaque;
 * ownership is checked by the ledger, not by guessing resistance.
 */
const EVENT_ID = idPattern("evt");
const HOLD_ID = /^hld_([0-9a-z]{20})([0-9a-z]{20})$/;
const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";

function timePrefix(ms: number): string {
  let out = "";
  for (let i = 0; i < 9; i++) {
    out = BASE32[ms % 32]! + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * Random bytes drawn from the CSPRNG a kilobyte at a time: one `getRandomValues` call per
 * hold id cost more than the rest of making the id (the ledger makes one per hold). Filled lazily: Workers forbid randomness at module load.
 */
const pool = new Uint8Array(1024);
let poolAt = pool.length;

function randomChars(n: number): string {
  if (poolAt + n > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  let out = "";
  for (let i = 0; i < n; i++) out += BASE32[pool[poolAt++]! & 31];
  return out;
}

export function makeHoldId(eventId: string, now = Date.now()): string {
  if (!EVENT_ID.test(eventId)) throw new Error(`makeHoldId: not an event id: ${eventId}`);
  return `hld_${timePrefix(now)}${randomChars(11)}${eventId.slice("evt_".length)}`;
}

/** The event a hold id belongs to, or null for anything that is not a hold id. */
export function parseHoldId(holdId: string): { eventId: string } | null {
  const m = HOLD_ID.exec(holdId);
  return m ? { eventId: `evt_${m[2]}` } : null;
}

/**
 * Durable Object names: one SectionInventory per event section, one BuyerLedger per event and
 * buyer, and a few LiveFeed shards per event (the live seat map's viewers).
 */
export const sectionObjectName = (eventId: string, sectionKey: string) => `${eventId}:${sectionKey}`;
export const ledgerObjectName = (eventId: string, userId: string) => `${eventId}:${userId}`;
export const liveFeedName = (eventId: string, shard: number) => `${eventId}:live-${shard}`;
