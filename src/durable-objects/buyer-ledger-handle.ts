import { ledgerObjectName, ledgerShardName, ledgerShardOf, parseHoldId } from "../shared/inventory/hold-id";

type LedgerEnv = Pick<Env, "BUYER_LEDGER">;

/**
 * The ledger a buyer's new hold in an event goes to: its shard when the event's ledgers are
 * sharded (`shards` > 0), else the buyer's own ledger (events made before sharding). Returns
 * the shard too, which the ledger writes into the hold id.
 */
export function ledgerForNewHold(env: LedgerEnv, eventId: string, userId: string, shards: number) {
  const shard = shards > 0 ? ledgerShardOf(userId, shards) : null;
  const name = shard === null ? ledgerObjectName(eventId, userId) : ledgerShardName(eventId, shard);
  return { stub: env.BUYER_LEDGER.getByName(name), shard };
}

/**
 * The ledger that holds an existing hold, from its id alone (no lookup, no event facts), or
 * null for a string that is not a hold id. For a legacy id it is `userId`'s own ledger, so
 * another user's hold is simply not there; a shard checks the owner on every call.
 */
export function ledgerOfHold(env: LedgerEnv, holdId: string, userId: string) {
  const parsed = parseHoldId(holdId);
  if (!parsed) return null;
  const name = parsed.shard === null ? ledgerObjectName(parsed.eventId, userId) : ledgerShardName(parsed.eventId, parsed.shard);
  return env.BUYER_LEDGER.getByName(name);
}
