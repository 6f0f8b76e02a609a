/**
 * Bench-only Worker for the platform's own ceiling on the hold path (bench/event-holds.bench.mjs):
 * `/plain` answers without any call; `/chain?k=N` makes two chained no-op object calls, Worker ->
 * a per-buyer object -> a per-section object, the least a hold with a per-buyer limit can be.
 * The objects are SQLite-backed like the app's, and do no storage work.
 */
import { DurableObject } from "cloudflare:workers";

interface ChainEnv {
  NOOP: DurableObjectNamespace<NoopObject>;
}

export class NoopObject extends DurableObject<ChainEnv> {
  /** With `next`, calls that object in turn (the buyer's ledger calling a section). */
  async ping(next?: string): Promise<number> {
    if (next) return this.env.NOOP.getByName(next).ping();
    return 1;
  }
}

export default {
  async fetch(request: Request, env: ChainEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/plain") return new Response(null, { status: 204 });
    if (url.pathname === "/chain") {
      const k = Number(url.searchParams.get("k"));
      const buyers = Number(url.searchParams.get("buyers") ?? 2000);
      const sections = Number(url.searchParams.get("sections") ?? 20);
      await env.NOOP.getByName(`buyer-${k % buyers}`).ping(`section-${k % sections}`);
      return new Response(null, { status: 204 });
    }
    return new Response("not found", { status: 404 });
  },
};
