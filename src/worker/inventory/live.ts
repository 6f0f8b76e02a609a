/**
 * The live seat map's entry: a viewer's WebSocket goes to one LiveFeed shard of the event,
 * picked at random, so an event's audience spreads over the shards and each section sends
 * each change once per shard that has viewers of it (README, "Live seat map").
 */
import { liveFeedName } from "../../shared/inventory/hold-id";
import type { LiveFeedSection } from "../../durable-objects/live-feed";
import { getPublicEvent } from "../catalog/public-events";
import { notFound } from "../errors";

/** Shards per event: more spread a big audience's sends over more objects, at one more call per change each. */
export const LIVE_FEED_SHARDS = 4;

export async function openLiveSeats(env: Pick<Env, "DB" | "LIVE_FEED">, eventId: string, sectionKey: string | undefined): Promise<Response> {
  const { event, sections } = await getPublicEvent(env, eventId);
  // An event cancelled while still a draft never had inventory.
  if (!event.publishedAt) throw notFound("Event");
  if (sectionKey !== undefined && !sections.some((s) => s.key === sectionKey)) throw notFound("Section");
  const feed = liveFeedName(event.id, Math.floor(Math.random() * LIVE_FEED_SHARDS));
  const url = new URL("https://live-feed/");
  url.searchParams.set("event", event.id);
  url.searchParams.set("feed", feed);
  if (sectionKey !== undefined) url.searchParams.set("section", sectionKey);
  const list: LiveFeedSection[] = sections.map((s) => ({ key: s.key, name: s.name }));
  return env.LIVE_FEED.getByName(feed).fetch(url, { headers: { Upgrade: "websocket", "X-Live-Sections": JSON.stringify(list) } });
}
