/**
 * What buyers may see of an event (anything but drafts), served through the read cache
 * (`src/worker/cache/`): the event from cached event facts, seat maps from cached section
 * snapshots, so that many readers of a hot section cost its object one read per freshness
 * window, not one each. The API routes and the pages call these same functions. Nothing
 * per-buyer goes through here.
 */
import { PUBLIC_READ_FRESH_MS, PUBLIC_READ_STALE_MS } from "../cache/bounds";
import { ReadThroughCache, type WaitUntil } from "../cache/read-through";
import { notFound } from "../errors";
import { idPattern } from "../../shared/ids";
import type { SeatSnapshot } from "../../shared/inventory/types";
import { eventFacts } from "./event-facts";
import { readSnapshots } from "./inventory";
import type { VenueSectionRow } from "./venues";

const EVENT_ID = idPattern("evt");

/** The event with its venue sections; 404 for unknown ids and drafts. `readAt`: when D1 was read. */
export async function getPublicEvent(env: Pick<Env, "DB">, eventId: string, ctx?: WaitUntil) {
  // Ids that cannot exist cost no read (unknown ids are not cached).
  const facts = EVENT_ID.test(eventId) ? await eventFacts(env, eventId, ctx) : undefined;
  if (!facts || facts.value.event.state === "draft") throw notFound("Event");
  return { event: facts.value.event, sections: facts.value.sections, readAt: facts.readAt };
}

/** One section of a seat map as the API shows it. */
export type PublicSection = {
  key: string;
  name: string;
  kind: "reserved" | "ga";
  capacity: number;
  available: number;
} & ({ price_cents: number } | { seats: SeatSnapshot[] });

export interface SeatMap {
  event_id: string;
  currency: string;
  sections: PublicSection[];
}

const sectionMaps = new ReadThroughCache<PublicSection>({
  name: "seat-map-v1",
  freshMs: PUBLIC_READ_FRESH_MS,
  staleMs: PUBLIC_READ_STALE_MS,
  // About 400 bytes a seat in memory (the objects, the JSON and its bytes): some 60 MB at the
  // cap, inside an isolate's 128 MB. A bigger venue's map still works, with more object reads.
  maxWeight: 150_000,
  weight: (s) => 1 + ("seats" in s ? s.seats.length : 0),
});

async function readSection(env: Pick<Env, "INVENTORY">, eventId: string, section: VenueSectionRow): Promise<PublicSection> {
  const [s] = await readSnapshots(env, eventId, [section]);
  const base = { key: s!.key, name: section.name, kind: s!.kind, capacity: s!.capacity, available: s!.available };
  return s!.kind === "ga" ? { ...base, price_cents: s!.price_cents ?? 0 } : { ...base, seats: s!.seats ?? [] };
}

/**
 * Seat map from the inventory objects, not from D1 rows, through the cache: counts and seat
 * statuses are what a hold saw at most the bound ago (`cache/bounds.ts`). `sectionKey`
 * narrows it to one section (404 when the event has none such). `readAt` is the oldest part's
 * seat read; `json` and `bytes` give the answer's body, assembled from each section's cached JSON.
 */
export async function cachedSeatMap(env: Pick<Env, "DB" | "INVENTORY">, eventId: string, sectionKey?: string, ctx?: WaitUntil) {
  const { event, sections } = await getPublicEvent(env, eventId, ctx);
  // An event cancelled while still a draft never had inventory.
  if (!event.publishedAt) throw notFound("Event");
  const wanted = sectionKey === undefined ? sections : sections.filter((s) => s.key === sectionKey);
  if (wanted.length === 0) throw notFound("Section");
  const parts = await Promise.all(
    wanted.map(async (section) => (await sectionMaps.get(`${event.id}/${section.key}`, () => readSection(env, event.id, section), ctx))!),
  );
  const map: SeatMap = { event_id: event.id, currency: event.currency, sections: parts.map((p) => p.value) };
  const head = `${JSON.stringify({ event_id: event.id, currency: event.currency }).slice(0, -1)},"sections":[`;
  return {
    map,
    readAt: Math.min(...parts.map((p) => p.readAt)),
    json: () => `${head}${parts.map((p) => p.text).join(",")}]}`,
    /** The body as UTF-8, from each section's bytes encoded once per read rather than per answer. */
    bytes: () => concat([encoder.encode(head), ...parts.flatMap((p, i) => (i === 0 ? [utf8(p)] : [COMMA, utf8(p)])), CLOSE]),
  };
}

const encoder = new TextEncoder();
const COMMA = encoder.encode(",");
const CLOSE = encoder.encode("]}");
const encoded = new WeakMap<object, Uint8Array>();

function utf8(part: { text: string }): Uint8Array {
  let bytes = encoded.get(part);
  if (!bytes) encoded.set(part, (bytes = encoder.encode(part.text)));
  return bytes;
}

function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The seat map alone (for pages and other callers that render it themselves). */
export async function seatMap(env: Pick<Env, "DB" | "INVENTORY">, eventId: string, sectionKey?: string, ctx?: WaitUntil): Promise<SeatMap> {
  return (await cachedSeatMap(env, eventId, sectionKey, ctx)).map;
}
