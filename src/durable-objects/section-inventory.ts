import { DurableObject } from "cloudflare:workers";

export class SectionInventory extends DurableObject<Env> {}
