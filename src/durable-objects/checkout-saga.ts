import { DurableObject } from "cloudflare:workers";

export class CheckoutSaga extends DurableObject<Env> {}
