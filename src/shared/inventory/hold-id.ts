import { idPattern } from "../ids";

/**
 * Hold ids carry the event id and, for events with sharded ledgers, the ledger shard, so that
 * `/api/v1/holds/:holdId` finds the hold's ledger without a lookup table or the event's facts:
 * `hld_<9 chars ms time><11 random><20 event id chars>[<2 chars shard>]`, all Crockford base32.
 * Ids without the shard suffix (events with `ledger_shards = 0`, made before sharding) name the
 * per-buyer ledger `${eventId}:${userId}`; ids with it name `${eventId}:ledger:<shard>`.
 * The time prefix makes new ids sort after older ones, so the objects' B-tree inserts append
 * instead of landing on random pages (fewer pages per commit). Clients treat ids as opaque;
 * ownership is checked by the ledger, not by guessing resistance.
 */
const EVENT_ID = idPattern("evt");
const HOLD_ID = /^hld_([0-9a-z]{20})([0-9a-z]{20})([0-9a-z]{2})?$/;
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

/** The most shards an event's ledgers may have: what two base32 characters of a hold id can name. */
export const MAX_LEDGER_SHARDS = 1024;

/** A new hold id; `shard` null for a per-buyer ledger (legacy events), else the ledger shard. */
export function makeHoldId(eventId: string, shard: number | null, now = Date.now()): string {
  if (!EVENT_ID.test(eventId)) throw new Error(`makeHoldId: not an event id: ${eventId}`);
  const id = `hld_${timePrefix(now)}${randomChars(11)}${eventId.slice("evt_".length)}`;
  if (shard === null) return id;
  if (!Number.isInteger(shard) || shard < 0 || shard >= MAX_LEDGER_SHARDS) throw new Error(`makeHoldId: bad shard ${shard}`);
  return id + BASE32[shard >> 5]! + BASE32[shard & 31]!;
}

/**
 * The event a hold id belongs to and its ledger shard (null: the per-buyer ledger), or null for
 * anything that is not a hold id.
 */
export function parseHoldId(holdId: string): { eventId: string; shard: number | null } | null {
  const m = HOLD_ID.exec(holdId);
  if (!m) return null;
  if (m[3] === undefined) return { eventId: `evt_${m[2]}`, shard: null };
  const hi = BASE32.indexOf(m[3][0]!);
  const lo = BASE32.indexOf(m[3][1]!);
  return hi < 0 || lo < 0 ? null : { eventId: `evt_${m[2]}`, shard: hi * 32 + lo };
}

/**
 * The ledger shard of a buyer in an event with `shards` ledger shards: FNV-1a (32 bit) of the
 * user id, so it is stable across isolates and deploys (a buyer's quota must always land in the
 * same object) and spreads sequential ids.
 */
export function ledgerShardOf(userId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/**
 * Durable Object names: one SectionInventory per event section; BuyerLedgers either one per
 * event shard (`${eventId}:ledger:<n>`) or, for events made before sharding, one per event and
 * buyer (`${eventId}:${userId}`; user ids start `usr_`, so the two never collide); and a few
 * LiveFeed shards per event (the live seat map's viewers).
 */
export const sectionObjectName = (eventId: string, sectionKey: string) => `${eventId}:${sectionKey}`;
export const ledgerObjectName = (eventId: string, userId: string) => `${eventId}:${userId}`;
export const ledgerShardName = (eventId: string, shard: number) => `${eventId}:ledger:${shard}`;
export const liveFeedName = (eventId: string, shard: number) => `${eventId}:live-${shard}`;
