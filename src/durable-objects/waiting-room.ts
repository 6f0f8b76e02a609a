import { DurableObject } from "cloudflare:workers";

export class WaitingRoom extends DurableObject<Env> {}
