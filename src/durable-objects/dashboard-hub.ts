import { DurableObject } from "cloudflare:workers";

/** How often the numbers are read again while anyone watches. */
export const DASHBOARD_TICK_MS = 1_000;

type Attachment = { eventId: string };

/**
 * One per event (`getByName(eventId)`): the organizers' live dashboard sockets of that event.
 * While at least one socket is open, an alarm reads the event's numbers once per tick and
 * sends them to every socket, only when they changed; with no socket left the alarm stops.
 * The cost is one read per event per second whoever and however many watch, instead of one
 * poll per viewer, and no write path (checkout, webhooks, inventory expiry alarms, waiting room
 * ticks, gate uploads) has to know the dashboard exists.
 *
 * What a read is comes from the subclass (`read`), which the Worker defines: this object
 * holds the sockets, the ticking and the fan-out.
 */
export abstract class DashboardHub extends DurableObject<Env> {
  /** The last message sent, to send only changes (`generated_at` aside). */
  private lastKey: string | null = null;
  private lastMessage: string | null = null;

  /** The numbers of the event, as one JSON-serializable object; `null` when the event is gone. */
  protected abstract read(eventId: string, now: number): Promise<{ body: unknown; key: string } | null>;

  /** Accepts a socket (the Worker checked the organizer owns `X-Event-Id`) and sends the current numbers at once. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade", { status: 426 });
    const eventId = request.headers.get("X-Event-Id");
    if (!eventId) return new Response("Missing event", { status: 400 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ eventId } satisfies Attachment);
    const message = this.lastMessage ?? (await this.refresh(eventId));
    if (message) server.send(message);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + DASHBOARD_TICK_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async alarm(): Promise<void> {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) {
      // Nobody watches: stop reading. The next socket starts the ticks again.
      this.lastKey = this.lastMessage = null;
      return;
    }
    const { eventId } = sockets[0]!.deserializeAttachment() as Attachment;
    try {
      const before = this.lastKey;
      const message = await this.refresh(eventId);
      if (message && this.lastKey !== before) for (const ws of sockets) this.send(ws, message);
    } catch (err) {
      // A failed read (say a section object restarting) skips one tick, not the dashboard.
      console.error("dashboard read failed", eventId, err);
    }
    await this.ctx.storage.setAlarm(Date.now() + DASHBOARD_TICK_MS);
  }

  private async refresh(eventId: string): Promise<string | null> {
    const read = await this.read(eventId, Date.now());
    if (!read) return null;
    this.lastKey = read.key;
    this.lastMessage = JSON.stringify({ type: "stats", stats: read.body });
    return this.lastMessage;
  }

  private send(ws: WebSocket, message: string) {
    try {
      ws.send(message);
    } catch {
      // Closing already; webSocketClose cleans up.
    }
  }

  /** Any message asks for the current numbers again (a client that thinks it missed one). */
  override async webSocketMessage(ws: WebSocket): Promise<void> {
    try {
      if (this.lastMessage) ws.send(this.lastMessage);
    } catch {
      // The socket went away meanwhile.
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      ws.close(1011, "error");
    } catch {
      // Already closed.
    }
  }
}
