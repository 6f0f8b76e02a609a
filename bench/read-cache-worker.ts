/**
 * Bench-only Worker: the real app (every route, object and binding), with INVENTORY wrapped to
 * count the calls the app makes, plus a load driver. `/bench/drive` runs N seat-map reads from
 * C concurrent loops inside workerd, each a full request through the app's router with its own
 * `CF-Connecting-IP`, either the real route (cached) or the same read straight from the objects
 * (what the route did before the read cache: a D1 read and one object read per section).
 * Driving from inside workerd keeps Node's HTTP client out of the figures.
 * Built and run by bench/read-cache.bench.mjs.
 */
import { eventJson } from "../src/worker/catalog/event-json";
import { getEvent } from "../src/platform/db/event-rows";
import { readSnapshots } from "../src/worker/catalog/inventory";
import { sectionsOf } from "../src/worker/catalog/venues";
import worker from "../src/worker/index";

export { BuyerLedger, CheckoutSaga, LiveFeed, RateLimiter, SectionInventory, WaitingRoom } from "../src/worker/index";

const calls = new Map<string, number>();

/** env with INVENTORY counting each RPC method call on its stubs. */
function counted(env: Env): Env {
  const inventory = new Proxy(env.INVENTORY, {
    get(target, prop) {
      const original = Reflect.get(target, prop, target);
      if (typeof original !== "function") return original;
      if (prop !== "getByName" && prop !== "get") return original.bind(target);
      return (...args: unknown[]) =>
        new Proxy(Reflect.apply(original, target, args) as object, {
          get(stub, method) {
            const fn = Reflect.get(stub, method);
            if (typeof method !== "string" || typeof fn !== "function") return fn;
            return (...callArgs: unknown[]) => {
              calls.set(method, (calls.get(method) ?? 0) + 1);
              return Reflect.apply(fn, stub, callArgs);
            };
          },
        });
    },
  });
  return new Proxy(env, { get: (target, prop) => (prop === "INVENTORY" ? inventory : Reflect.get(target, prop, target)) });
}

/** The seat map as GET .../seats answered it before the read cache: D1, then every object. */
async function direct(env: Env, eventId: string, sectionKey: string | null): Promise<Response> {
  const event = await getEvent(env, eventId);
  if (!event) return new Response("no event", { status: 404 });
  const all = (await sectionsOf(env, [event.venueId])).get(event.venueId) ?? [];
  const wanted = sectionKey === null ? all : all.filter((s) => s.key === sectionKey);
  const snaps = await readSnapshots(env, event.id, wanted);
  return Response.json({
    event_id: event.id,
    currency: event.currency,
    sections: snaps.map((s, i) => ({
      key: s.key,
      name: wanted[i]!.name,
      kind: s.kind,
      capacity: s.capacity,
      available: s.available,
      ...(s.kind === "ga" ? { price_cents: s.price_cents } : { seats: s.seats ?? [] }),
    })),
  });
}

export default {
  async fetch(request: Request, rawEnv: Env, ctx: ExecutionContext): Promise<Response> {
    const env = counted(rawEnv);
    const url = new URL(request.url);
    const param = (name: string) => url.searchParams.get(name);
    if (url.pathname === "/bench/direct") return direct(env, param("event")!, param("section"));
    if (url.pathname === "/bench/calls") {
      const out = Object.fromEntries(calls);
      calls.clear();
      return Response.json(out);
    }
    if (url.pathname === "/bench/event") {
      const event = await getEvent(env, param("event")!);
      return Response.json(event ? eventJson(event, []) : null);
    }
    if (url.pathname === "/bench/drive") {
      // mode=cached: the real route; mode=direct: the same read without the cache; mode=noop:
      // a request the router answers at once (404), the ceiling of this Worker on this machine.
      const mode = param("mode");
      const eventId = param("event")!;
      const sections = param("sections")!.split(",");
      const total = Number(param("n"));
      const clients = Number(param("clients"));
      let next = 0;
      let failures = 0;
      let maxAge = 0;
      const addresses = new Set<string>();
      const client = async () => {
        for (let i = next++; i < total; i = next++) {
          const section = sections[i % sections.length]!;
          // A reader per request: addresses from 10.0.0.0/8, spread over about 16 million.
          const ip = `10.${(i * 7919) & 255}.${(i >> 8) & 255}.${i & 255}`;
          addresses.add(ip);
          const path = mode === "noop" ? "/api/v1/no-such-route" : `/api/v1/events/${eventId}/seats?section=${section}`;
          const res =
            mode === "direct"
              ? await direct(env, eventId, section)
              : await worker.fetch(new Request(`http://bench.local${path}`, { headers: { "CF-Connecting-IP": ip } }), env, ctx);
          // Bytes, as a client on the network would get them; only the start is decoded, to check it.
          const body = new Uint8Array(await res.arrayBuffer());
          if (mode === "noop" ? res.status !== 404 : res.status !== 200 || !new TextDecoder().decode(body.subarray(0, 200)).includes(`"key":"${section}"`)) failures++;
          maxAge = Math.max(maxAge, Number(res.headers.get("Age") ?? 0));
        }
      };
      await Promise.all(Array.from({ length: clients }, client));
      // Timed by the caller: workerd's clock stands still while a request does no I/O.
      return Response.json({ failures, max_age_s: maxAge, addresses: addresses.size });
    }
    return worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
