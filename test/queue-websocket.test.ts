import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { call } from "./support/http";
import { admitNextTick, publishedEvent, signupBuyer } from "./support/fixtures";

const ROOM = { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 300 } };

/** Opens the position socket; `next()` resolves with the next message (parsed), `closed` on close. */
async function openSocket(path: string, headers: Record<string, string>) {
  const res = await exports.default.fetch(`http://localhost${path}`, { headers: { Upgrade: "websocket", ...headers } });
  if (res.status !== 101 || !res.webSocket) return { status: res.status, body: (await res.json()) as any, opened: null };
  const ws = res.webSocket;
  const inbox: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  let closeCode: number | undefined;
  const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve((closeCode = e.code))));
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(e.data as string);
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  ws.accept();
  const next = () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise<unknown>((r) => waiters.push(r)));
  return { status: 101, body: null, opened: { ws, next, closed, closeCode: () => closeCode } };
}

describe("position WebSocket", () => {
  it("sends the position at once and after every admission tick; admitted sockets are told and closed", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: ROOM });
    const buyers = await Promise.all([signupBuyer(), signupBuyer(), signupBuyer()]);
    const places: { queue_id: string }[] = [];
    for (const b of buyers) places.push((await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: b.token })).body);
    const path = (i: number) => `/api/v1/events/${ev.eventId}/queue/${places[i]!.queue_id}/ws`;

    const second = (await openSocket(path(1), { Authorization: `Bearer ${buyers[1]!.token}` })).opened;
    const third = (await openSocket(`${path(2)}?access_token=${buyers[2]!.token}`, {})).opened;
    if (!second || !third) throw new Error("sockets did not open");
    expect(await second.next()).toEqual({ queue_id: places[1]!.queue_id, status: "waiting", position: 2, eta_seconds: 2 });
    expect(await third.next()).toMatchObject({ status: "waiting", position: 3 });

    await admitNextTick(ev.eventId); // 60/min: two per 2 s tick
    expect(await second.next()).toMatchObject({ status: "admitted", expires_at: expect.any(String) });
    expect(await second.closed).toBe(1000);
    expect(await third.next()).toMatchObject({ status: "waiting", position: 1, eta_seconds: 1 });

    // Any message asks for the current status again.
    third.ws.send("status?");
    expect(await third.next()).toMatchObject({ status: "waiting", position: 1 });
    third.ws.close(1000, "bye");
  });

  it("is only for the place's owner, signed in, as a WebSocket", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: ROOM });
    const [owner, other] = await Promise.all([signupBuyer(), signupBuyer()]);
    const place = (await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: owner.token })).body;
    const path = `/api/v1/events/${ev.eventId}/queue/${place.queue_id}/ws`;

    const foreign = await openSocket(path, { Authorization: `Bearer ${other.token}` });
    expect(foreign.status).toBe(404);
    const anonymous = await openSocket(path, {});
    expect(anonymous.status).toBe(401);
    const plain = await call("GET", path, { token: owner.token });
    expect(plain.status).toBe(426);
    expect(plain.body.error.code).toBe("upgrade_required");
  });
});
