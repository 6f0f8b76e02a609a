import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { issueSessionToken, verifySessionToken } from "../src/worker/auth/tokens";
import { checkWsTicket, issueWsTicket, WS_TICKET_SECONDS, wsUrl } from "../src/worker/waiting-room/ws-ticket";

const claims = { userId: "usr_ticket", eventId: "evt_ticket", queueId: "que_ticket" };
const socket = { eventId: claims.eventId, queueId: claims.queueId };

describe("queue WebSocket tickets (module)", () => {
  it("name their user, and last WS_TICKET_SECONDS from issue, not a second more", async ({ expect }) => {
    const issuedAt = Date.UTC(2026, 10, 22, 8, 0, 0);
    const ticket = await issueWsTicket(env, claims, issuedAt);
    const at = (seconds: number) => checkWsTicket(env, ticket, socket, issuedAt + seconds * 1000);
    expect(await at(0)).toEqual({ ok: true, userId: claims.userId });
    expect(await at(WS_TICKET_SECONDS - 1)).toEqual({ ok: true, userId: claims.userId });
    expect(await at(WS_TICKET_SECONDS)).toEqual({ ok: false, reason: "expired" });
    expect(await at(3600)).toEqual({ ok: false, reason: "expired" });
  });

  it("are bound to the event and the place", async ({ expect }) => {
    const ticket = await issueWsTicket(env, claims);
    expect(await checkWsTicket(env, ticket, { ...socket, eventId: "evt_other" })).toEqual({ ok: false, reason: "wrong_event" });
    expect(await checkWsTicket(env, ticket, { ...socket, queueId: "que_other" })).toEqual({ ok: false, reason: "wrong_queue" });
  });

  it("and session tokens are not interchangeable, and a rotated SESSION_SECRET ends tickets", async ({ expect }) => {
    const ticket = await issueWsTicket(env, claims);
    const session = await issueSessionToken(env, { role: "buyer", userId: claims.userId });
    expect(await verifySessionToken(env, ticket)).toBeNull();
    expect(await checkWsTicket(env, session, socket)).toEqual({ ok: false, reason: "invalid" });
    const rotated = { SESSION_SECRET: `${env.SESSION_SECRET}-rotated` };
    expect(await checkWsTicket(rotated, ticket, socket)).toEqual({ ok: false, reason: "invalid" });
    expect(await checkWsTicket(rotated, await issueWsTicket(rotated, claims), socket)).toEqual({ ok: true, userId: claims.userId });
  });

  it.for([undefined, null, 42, "", "a.b.c", "x".repeat(1025)])("refuse %j as invalid without throwing", async (input, { expect }) => {
    expect(await checkWsTicket(env, input, socket)).toEqual({ ok: false, reason: "invalid" });
  });

  it("ws_url follows PUBLIC_ORIGIN's scheme and carries only the ticket", async ({ expect }) => {
    const secure = new URL(await wsUrl({ ...env, PUBLIC_ORIGIN: "https://tickets.example" }, claims));
    expect(secure.origin).toBe("wss://tickets.example");
    expect(secure.pathname).toBe(`/api/v1/events/${claims.eventId}/queue/${claims.queueId}/ws`);
    expect([...secure.searchParams.keys()]).toEqual(["ticket"]);
    expect(await checkWsTicket(env, secure.searchParams.get("ticket"), socket)).toMatchObject({ ok: true });
    expect(new URL(await wsUrl({ ...env, PUBLIC_ORIGIN: "http://localhost:8787" }, claims)).protocol).toBe("ws:");
  });
});
