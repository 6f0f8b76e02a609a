/**
 * LiveFeed: one shard of an event's live seat map, named `${eventId}:${shard}`
 * (`liveFeedName` in src/shared/inventory/hold-id.ts). Viewers' WebSockets live here, not in
 * the section objects, so that a hot section's holds never wait on its audience: a section
 * sends each change message once per subscribed shard, and the shard fans it out.
 *
 * - A viewer watches one section (`?section=KEY`) or the whole venue over ONE socket: its
 *   socket carries a tag per choice (`s:KEY` or `all`) and its choice in the attachment, so
 *   the object can hibernate with its sockets open and idle viewers cost nothing.
 * - The shard subscribes to a section the first time one of its viewers needs it
 *   (SectionInventory.subscribe, which answers the section with its seq) and keeps that
 *   section in memory, applying each message in seq order, so later viewers' snapshots and
 *   resyncs cost the section nothing. A message that skips a seq drops the copy (its viewers
 *   see the gap and resync, which subscribes again). Memory goes with hibernation; messages
 *   are still passed on, and the next snapshot subscribes again.
 * - When a message finds no viewer of its section, `publish` answers false and the section
 *   stops sending here.
 *
 * RPC surface: publish(message): boolean. HTTP (from the Worker route only):
 *   GET /?event=ID&feed=NAME[&section=KEY] with `Upgrade: websocket` and the event's sections
 *   (`[{key, name}]`, JSON) in `X-Live-Sections`.
 */
import { DurableObject } from "cloudflare:workers";
import { sectionObjectName } from "../shared/inventory/hold-id";
import type { LiveChangesMessage, LiveClientMessage, LiveSection, LiveSnapshotMessage } from "../shared/inventory/live";
import type { LiveSectionState } from "../shared/inventory/types";

export type LiveFeedSection = { key: string; name: string };

/** What the shard knows of its event; kept in storage, so a woken shard can answer a resync. */
type FeedEvent = { eventId: string; feed: string; sections: LiveFeedSection[] };

type Attachment = { section: string | null };

/** A section as the shard last heard of it; `json` is its serialized form, kept until the next change. */
type Copy = { section: LiveSection; seatAt: Map<string, number>; json: string | null };

export class LiveFeed extends DurableObject<Env> {
  private event: FeedEvent | null = null;
  private copies = new Map<string, Copy>();
  private loading = new Map<string, Promise<Copy | null>>();
  /** Viewers between subscribing and having their socket accepted: not yet in getWebSockets. */
  private joining = 0;

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("WebSocket only", { status: 426 });
    const url = new URL(request.url);
    const event: FeedEvent = {
      eventId: url.searchParams.get("event")!,
      feed: url.searchParams.get("feed")!,
      sections: JSON.parse(request.headers.get("X-Live-Sections") ?? "[]") as LiveFeedSection[],
    };
    if (!this.event) {
      this.event = event;
      await this.ctx.storage.put("event", event);
    }
    const only = url.searchParams.get("section");
    // The snapshot is ready before the socket is accepted, so it is the socket's first message.
    this.joining++;
    let snapshot: string;
    try {
      snapshot = await this.snapshot(only);
    } finally {
      this.joining--;
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [only === null ? "all" : `s:${only}`]);
    server.serializeAttachment({ section: only } satisfies Attachment);
    server.send(snapshot);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A section's change message; false when no viewer here watches that section any more. */
  publish(message: LiveChangesMessage): boolean {
    const viewers = [...this.ctx.getWebSockets("all"), ...this.ctx.getWebSockets(`s:${message.section}`)];
    if (viewers.length === 0 && this.joining === 0) {
      this.copies.delete(message.section);
      return false;
    }
    const copy = this.copies.get(message.section);
    if (copy) {
      // Already in the snapshot this copy was taken from (and sent to viewers): not news.
      if (message.seq <= copy.section.seq) return true;
      if (message.seq === copy.section.seq + 1) apply(copy, message);
      else this.copies.delete(message.section);
    }
    const text = JSON.stringify(message);
    for (const ws of viewers) {
      try {
        ws.send(text);
      } catch {
        // Closing socket: its close handler cleans up.
      }
    }
    return true;
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    let message: LiveClientMessage | null = null;
    try {
      message = typeof data === "string" ? (JSON.parse(data) as LiveClientMessage) : null;
    } catch {
      message = null;
    }
    if (message?.type !== "resync") return;
    const { section } = ws.deserializeAttachment() as Attachment;
    // A copy is current: a message that skipped a seq dropped it, so this subscribes again.
    ws.send(await this.snapshot(section));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // Already closed.
    }
  }

  private async loadEvent(): Promise<FeedEvent> {
    this.event ??= (await this.ctx.storage.get<FeedEvent>("event")) ?? null;
    if (!this.event) throw new Error("live feed: no event");
    return this.event;
  }

  /**
   * The snapshot message, as text. Each section is serialized once per change, not once per
   * viewer: a crowd joining a big section between two changes costs one serialization.
   */
  private async snapshot(only: string | null): Promise<string> {
    const event = await this.loadEvent();
    const wanted = only === null ? event.sections : event.sections.filter((s) => s.key === only);
    const copies = (await Promise.all(wanted.map((s) => this.copy(event, s)))).filter((c): c is Copy => c !== null);
    const sections = copies.map((c) => (c.json ??= JSON.stringify(c.section)));
    // The LiveSnapshotMessage, with its sections already serialized.
    return `{"type":${JSON.stringify("snapshot" satisfies LiveSnapshotMessage["type"])},"sections":[${sections.join(",")}]}`;
  }

  /** The shard's copy of a section, subscribing to it on first use (one call however many viewers wait). */
  private copy(event: FeedEvent, s: LiveFeedSection): Promise<Copy | null> {
    const have = this.copies.get(s.key);
    if (have) return Promise.resolve(have);
    let pending = this.loading.get(s.key);
    if (!pending) {
      const load: Promise<Copy | null> = this.env.INVENTORY.getByName(sectionObjectName(event.eventId, s.key))
        .subscribe(event.feed)
        .then((state: LiveSectionState | null) => {
          const copy = state && toCopy(state, s.name);
          if (copy) this.copies.set(s.key, copy);
          return copy;
        })
        .finally(() => this.loading.delete(s.key));
      this.loading.set(s.key, load);
      pending = load;
    }
    return pending;
  }
}

function toCopy(state: LiveSectionState, name: string): Copy {
  const section: LiveSection = {
    key: state.key,
    name,
    kind: state.kind,
    capacity: state.capacity,
    available: state.available,
    ...(state.kind === "ga" ? { price_cents: state.price_cents ?? 0 } : { seats: state.seats ?? [] }),
    seq: state.seq,
  };
  return { section, seatAt: new Map((section.seats ?? []).map((seat, i) => [seat.seat_id, i])), json: null };
}

function apply(copy: Copy, message: LiveChangesMessage): void {
  copy.json = null;
  copy.section.seq = message.seq;
  copy.section.available = message.available;
  for (const change of message.seats ?? []) {
    const i = copy.seatAt.get(change.seat_id);
    if (i !== undefined) copy.section.seats![i]!.status = change.status;
  }
}
