import { env, exports } from "cloudflare:workers";
import { SignJWT, base64url } from "jose";
import { describe, it } from "vitest";
import { issueAdmissionToken } from "../src/worker/waiting-room/admission-token";
import { issueWsTicket } from "../src/worker/waiting-room/ws-ticket";
import { call } from "./support/http";
import { admitNextTick, publishedEvent, signupBuyer } from "./support/fixtures";
import { socketInbox } from "./support/socket-inbox";

const ROOM = { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 300 } };

/** The path and query of a `ws_url`, to open it through the Worker's fetch as a browser would. */
const socketPath = (wsUrl: string) => {
  const url = new URL(wsUrl);
  return url.pathname + url.search;
};

/** Opens the position socket; `next()` resolves with the next message (parsed), `closed` on close. */
async function openSocket(path: string, headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(`http://localhost${path}`, { headers: { Upgrade: "websocket", ...headers } });
  if (res.status !== 101 || !res.webSocket) return { status: res.status, body: (await res.json()) as any, opened: null };
  const ws = res.webSocket;
  let closeCode: number | undefined;
  const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve((closeCode = e.code))));
  const { next } = socketInbox<unknown>(ws);
  return { status: 101, body: null, opened: { ws, next, closed, closeCode: () => closeCode } };
}

describe("position WebSocket", () => {
  it("sends the position at once and after every admission tick; admitted sockets are told and closed", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: ROOM });
    const buyers = await Promise.all([signupBuyer(), signupBuyer(), signupBuyer()]);
    const places: { queue_id: string }[] = [];
    for (const b of buyers) places.push((await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: b.token })).body);
    const path = (i: number) => `/api/v1/events/${ev.eventId}/queue/${places[i]!.queue_id}/ws`;

    // A non-browser client sends its bearer token; a browser opens the ws_url of the status answer.
    const second = (await openSocket(path(1), { Authorization: `Bearer ${buyers[1]!.token}` })).opened;
    const status = await call("GET", `/api/v1/events/${ev.eventId}/queue/${places[2]!.queue_id}`, { token: buyers[2]!.token });
    expect(status.body.ws_url).toMatch(/^wss?:\/\/[^?]+\/queue\/[^/]+\/ws\?ticket=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(status.body.ws_url).not.toContain(buyers[2]!.token);
    const third = (await openSocket(socketPath(status.body.ws_url))).opened;
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

/** The `ticket` of a `ws_url`. */
const ticketOf = (wsUrl: string) => new URL(wsUrl).searchParams.get("ticket")!;

/** A ticket whose payload was rewritten after signing (the signature is the original's). */
function rewritePayload(ticket: string, change: Record<string, unknown>) {
  const [header, payload, signature] = ticket.split(".");
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!)));
  return [header, base64url.encode(JSON.stringify({ ...claims, ...change })), signature].join(".");
}

/** One owner waiting in the rooms of two events, and another buyer in the first; built once. */
let scene: ReturnType<typeof buildScene> | undefined;
async function buildScene() {
  const [a, b] = await Promise.all([publishedEvent({ overrides: ROOM }), publishedEvent({ overrides: ROOM })]);
  const [owner, other] = await Promise.all([signupBuyer(), signupBuyer()]);
  const join = async (eventId: string, token: string) => (await call("POST", `/api/v1/events/${eventId}/queue`, { token })).body;
  const ownA = await join(a.eventId, owner.token);
  const ownB = await join(b.eventId, owner.token);
  const otherA = await join(a.eventId, other.token);
  return { a, owner, other, ownA, ownB, otherA, path: `/api/v1/events/${a.eventId}/queue/${ownA.queue_id}/ws` };
}
const sceneOnce = () => (scene ??= buildScene());

describe("position WebSocket tickets", () => {
  it("come with waiting answers of join and status, and open only their own socket", async ({ expect }) => {
    const { a, owner, ownA, path } = await sceneOnce();
    expect(ticketOf(ownA.ws_url)).toBeTruthy();
    expect(new URL(ownA.ws_url).pathname).toBe(path);
    const status = await call("GET", `/api/v1/events/${a.eventId}/queue/${ownA.queue_id}`, { token: owner.token });
    const socket = (await openSocket(socketPath(status.body.ws_url))).opened;
    if (!socket) throw new Error("socket did not open");
    expect(await socket.next()).toMatchObject({ queue_id: ownA.queue_id, status: "waiting", position: 1 });
    socket.ws.close(1000, "bye");
  });

  type Scene = Awaited<ReturnType<typeof buildScene>>;
  const claims = (s: Scene) => ({ userId: s.owner.userId, eventId: s.a.eventId, queueId: s.ownA.queue_id });
  const refused: [string, (s: Scene) => Promise<{ query?: string; headers?: Record<string, string> }>, string | undefined][] = [
    ["an expired ticket", async (s) => ({ query: `ticket=${await issueWsTicket(env, claims(s), Date.now() - 61_000)}` }), "expired"],
    ["the ticket of the same user's place in another event", async (s) => ({ query: `ticket=${ticketOf(s.ownB.ws_url)}` }), "wrong_event"],
    ["another user's ticket for another place", async (s) => ({ query: `ticket=${ticketOf(s.otherA.ws_url)}` }), "wrong_queue"],
    ["a ticket rewritten to another user", async (s) => ({ query: `ticket=${rewritePayload(ticketOf(s.ownA.ws_url), { sub: s.other.userId })}` }), "invalid"],
    ["a ticket rewritten to another place", async (s) => ({ query: `ticket=${rewritePayload(ticketOf(s.otherA.ws_url), { qid: s.ownA.queue_id })}` }), "invalid"],
    [
      "a ticket with a changed signature",
      async (s) => {
        const t = ticketOf(s.ownA.ws_url);
        const i = t.lastIndexOf(".") + 5; // inside the signature, where every bit counts
        return { query: `ticket=${t.slice(0, i)}${t[i] === "A" ? "B" : "A"}${t.slice(i + 1)}` };
      },
      "invalid",
    ],
    [
      "a ticket signed with the raw SESSION_SECRET instead of the derived key",
      async (s) => {
        const forged = await new SignJWT({ evt: s.a.eventId, qid: s.ownA.queue_id })
          .setProtectedHeader({ alg: "HS256", typ: "queue-ws+jwt" })
          .setSubject(s.owner.userId)
          .setAudience("queue-ws")
          .setIssuedAt()
          .setExpirationTime("60s")
          .sign(new TextEncoder().encode(env.SESSION_SECRET));
        return { query: `ticket=${forged}` };
      },
      "invalid",
    ],
    [
      "an unsigned (alg none) ticket",
      async (s) => {
        const part = (o: object) => base64url.encode(JSON.stringify(o));
        const now = Math.floor(Date.now() / 1000);
        const body = { sub: s.owner.userId, evt: s.a.eventId, qid: s.ownA.queue_id, aud: "queue-ws", iat: now, exp: now + 60 };
        return { query: `ticket=${part({ alg: "none", typ: "queue-ws+jwt" })}.${part(body)}.` };
      },
      "invalid",
    ],
    ["the session token passed as a ticket", async (s) => ({ query: `ticket=${s.owner.token}` }), "invalid"],
    [
      "an admission token passed as a ticket",
      async (s) => ({ query: `ticket=${await issueAdmissionToken(env, { ...claims(s), expiresAt: Date.now() + 300_000 })}` }),
      "invalid",
    ],
    ["an empty ticket", async () => ({ query: "ticket=" }), "invalid"],
    ["a 4,000-character ticket", async () => ({ query: `ticket=${"a".repeat(4000)}` }), "invalid"],
    // Removed in favour of tickets: a session token in the URL is refused even when valid.
    ["the session token as access_token", async (s) => ({ query: `access_token=${s.owner.token}` }), undefined],
    ["a ticket as the bearer token", async (s) => ({ headers: { Authorization: `Bearer ${ticketOf(s.ownA.ws_url)}` } }), undefined],
  ];

  it.for(refused)("refuse %s with 401 before any upgrade", async ([, make, reason], { expect }) => {
    const s = await sceneOnce();
    const { query, headers } = await make(s);
    const res = await openSocket(query ? `${s.path}?${query}` : s.path, headers);
    expect(res.status).toBe(401);
    expect(res.opened).toBeNull();
    expect(res.body.error.code).toBe("unauthenticated");
    expect(res.body.error.details?.reason).toBe(reason);
  });

  it("are not session tokens anywhere else", async ({ expect }) => {
    const { a, ownA } = await sceneOnce();
    const res = await call("GET", `/api/v1/events/${a.eventId}/queue/${ownA.queue_id}`, { token: ticketOf(ownA.ws_url) });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
  });
});
