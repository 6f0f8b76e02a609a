import { ledgerObjectName } from "../shared/inventory/hold-id";

/** The buyer's ledger for an event (one per event and user). */
export const buyerLedger = (env: Pick<Env, "BUYER_LEDGER">, eventId: string, userId: string) =>
  env.BUYER_LEDGER.getByName(ledgerObjectName(eventId, userId));
