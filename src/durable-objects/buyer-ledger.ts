import { DurableObject } from "cloudflare:workers";

export class BuyerLedger extends DurableObject<Env> {}
