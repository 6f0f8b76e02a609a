/**
 * The live dashboard socket: current numbers at once, pushed again when a sale changes them,
 * one read per tick for all viewers of an event, and only for the event's organizer.
 */
import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer, signupOrganizer } from "./support/fixtures";
import { call } from "./support/http";
import { paidOrder } from "./support/checkout";
import { socketInbox } from "./support/socket-inbox";

async function openLive(path: string, headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(`http://localhost${path}`, { headers: { Upgrade: "websocket", ...headers } });
  if (res.status !== 101 || !res.webSocket) return { status: res.status, body: (await res.json()) as any, socket: null };
  const ws = res.webSocket;
  const { next, pending } = socketInbox(ws);
  /** The next message that satisfies `ok` (the real alarm also ticks, so a hold may show up first). */
  const until = async (ok: (m: any) => boolean) => {
    for (;;) {
      const m = await next();
      if (ok(m)) return m;
    }
  };
  return { status: 101, body: null, socket: { ws, next, pending, until } };
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

describe("live dashboard socket", () => {
  it("sends the numbers at once, and again to every viewer after a sale, not when nothing changed", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 20 });
    const stats = await call("GET", `/api/v1/admin/events/${ev.eventId}/stats`, { token: ev.organizerToken });
    expect(stats.body.live_url).toMatch(/^wss?:\/\/[^?]+\/api\/v1\/admin\/events\/[^/]+\/live\?ticket=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stats.body.live_url).not.toContain(ev.organizerToken);

    const a = (await openLive(pathOf(stats.body.live_url))).socket;
    const b = (await openLive(`/api/v1/admin/events/${ev.eventId}/live`, { Authorization: `Bearer ${ev.organizerToken}` })).socket;
    if (!a || !b) throw new Error("sockets did not open");
    const first = await a.next();
    expect(first).toMatchObject({ type: "stats", stats: { event_id: ev.eventId, orders: 0, revenue_cents: 0, currency: "usd" } });
    expect((await b.next()).stats.orders).toBe(0);

    const hub = env.DASHBOARD.getByName(ev.eventId);
    // Nothing changed: ticks send nothing. (The object's own alarm ticks every second too, so
    // the test fires one and also lets a real one pass; whether the manual one finds the alarm
    // armed depends on that race, so its result is not asserted.)
    await runDurableObjectAlarm(hub);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(a.pending()).toBe(0);

    const buyer = await signupBuyer();
    await paidOrder(ev, buyer, { section: "GA", quantity: 2 });
    await runDurableObjectAlarm(hub);
    const paid = (m: any) => m.stats.orders === 1;
    const [pa, pb] = await Promise.all([a.until(paid), b.until(paid)]);
    expect(pa.stats).toMatchObject({ orders: 1, revenue_cents: 5000, totals: { tickets_sold: 2 } });
    expect(pb.stats.revenue_cents).toBe(5000);
    expect(pa.stats.series.per_minute.at(-1).revenue_cents + pa.stats.series.per_minute.at(-2).revenue_cents).toBe(5000);

    // Once every viewer has gone the ticks stop.
    a.ws.close(1000, "bye");
    b.ws.close(1000, "bye");
    await new Promise((r) => setTimeout(r, 1_500));
    await runDurableObjectAlarm(hub);
    expect(await runDurableObjectAlarm(hub)).toBe(false);
  });

  it("is for the event's organizer only", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [], gaCapacity: 5 });
    const other = await signupOrganizer();
    const buyer = await signupBuyer();
    const path = `/api/v1/admin/events/${ev.eventId}/live`;
    expect((await openLive(path)).status).toBe(401);
    expect((await openLive(`${path}?ticket=forged`)).status).toBe(401);
    expect((await openLive(path, { Authorization: `Bearer ${other.token}` })).status).toBe(404);
    expect((await openLive(path, { Authorization: `Bearer ${buyer.token}` })).status).toBe(403);
    // Another organizer's ticket is for their own event, not this one.
    const otherEv = await publishedEvent({ rows: [], gaCapacity: 5, organizer: other });
    const otherUrl = (await call("GET", `/api/v1/admin/events/${otherEv.eventId}/stats`, { token: other.token })).body.live_url;
    const ticket = new URL(otherUrl).searchParams.get("ticket");
    expect((await openLive(`${path}?ticket=${ticket}`)).status).toBe(401);
    // Not a socket: 426.
    expect((await call("GET", path, { token: ev.organizerToken })).status).toBe(426);
  });
});
