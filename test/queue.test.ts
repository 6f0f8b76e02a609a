import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import { app } from "../src/worker/index";
import { CallLog, instrumentEnv } from "../src/worker/observability/remote-calls";
import { checkAdmissionToken } from "../src/worker/waiting-room/admission-token";
import { setTurnstileFetch } from "../src/worker/waiting-room/turnstile";
import { call } from "./support/http";
import { admitNextTick, createEvent, createVenue, publishedEvent, signupBuyer, signupOrganizer } from "./support/fixtures";

const WAITING_ROOM = { enabled: true, admit_per_minute: 60, session_seconds: 300 };

const queueEvent = (waitingRoom: Record<string, unknown> = WAITING_ROOM) =>
  publishedEvent({ overrides: { waiting_room: waitingRoom } });

describe("joining and polling", () => {
  it("gives one place per user, with position, ETA and a polling hint, readable only by its owner", async ({ expect }) => {
    const ev = await queueEvent();
    const [a, b] = await Promise.all([signupBuyer(), signupBuyer()]);
    const ja = await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: a.token });
    expect(ja.status).toBe(201);
    expect(ja.body).toMatchObject({ queue_id: expect.any(String), position: 1, eta_seconds: 1 });
    expect(Number(ja.headers.get("Retry-After"))).toBeGreaterThanOrEqual(2);

    const jb = await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: b.token });
    expect(jb.body).toMatchObject({ position: 2, eta_seconds: 2 });
    const again = await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: a.token });
    expect(again.status).toBe(201);
    expect(again.body.queue_id).toBe(ja.body.queue_id);

    const mine = await call("GET", `/api/v1/events/${ev.eventId}/queue/${ja.body.queue_id}`, { token: a.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ status: "waiting", position: 1, eta_seconds: 1 });
    expect(mine.headers.get("Retry-After")).toMatch(/^\d+$/);

    const theirs = await call("GET", `/api/v1/events/${ev.eventId}/queue/${ja.body.queue_id}`, { token: b.token });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe("not_found");
    expect((await call("GET", `/api/v1/events/${ev.eventId}/queue/que_nope`, { token: a.token })).status).toBe(404);
    expect((await call("GET", `/api/v1/events/${ev.eventId}/queue/${ja.body.queue_id}`)).status).toBe(401);
  });

  it("racing joins (many tabs) of one user and of many users: one place each, positions 1..n", async ({ expect }) => {
    const ev = await queueEvent();
    const tabs = await signupBuyer();
    const others = await Promise.all(Array.from({ length: 10 }, () => signupBuyer()));
    const path = `/api/v1/events/${ev.eventId}/queue`;
    const results = await Promise.all([
      ...Array.from({ length: 15 }, () => call("POST", path, { token: tabs.token })),
      ...others.map((u) => call("POST", path, { token: u.token })),
    ]);
    expect(results.every((r) => r.status === 201)).toBe(true);
    const tabIds = new Set(results.slice(0, 15).map((r) => r.body.queue_id));
    expect(tabIds.size).toBe(1);
    const places = new Map(results.map((r) => [r.body.queue_id, r.body.position]));
    expect([...places.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    const stub = env.WAITING_ROOM.get(env.WAITING_ROOM.idFromName(ev.eventId));
    expect(await stub.stats()).toMatchObject({ waiting: 11 });
  });

  it("admits on the alarm and hands out an admission token bound to user and event", async ({ expect }) => {
    const ev = await queueEvent();
    const buyers = await Promise.all([signupBuyer(), signupBuyer(), signupBuyer()]);
    const places = [];
    for (const u of buyers) places.push((await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: u.token })).body);
    expect(await admitNextTick(ev.eventId)).toBe(true);

    const first = await call("GET", `/api/v1/events/${ev.eventId}/queue/${places[0].queue_id}`, { token: buyers[0]!.token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "admitted", admission_token: expect.any(String), expires_at: expect.any(String) });
    expect(first.headers.get("Retry-After")).toBeNull();
    expect(Date.parse(first.body.expires_at)).toBeGreaterThan(Date.now() + 300_000);
    const check = await checkAdmissionToken(env, first.body.admission_token, buyers[0]!.userId, ev.eventId);
    expect(check).toEqual({ ok: true, queueId: places[0].queue_id });

    // 60/min over one 2 s tick admits two; the third now waits at the front.
    const second = await call("GET", `/api/v1/events/${ev.eventId}/queue/${places[1].queue_id}`, { token: buyers[1]!.token });
    expect(second.body.status).toBe("admitted");
    const third = await call("GET", `/api/v1/events/${ev.eventId}/queue/${places[2].queue_id}`, { token: buyers[2]!.token });
    expect(third.body).toMatchObject({ status: "waiting", position: 1 });

    // Joining again once admitted returns the admitted place and its token.
    const rejoin = await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: buyers[0]!.token });
    expect(rejoin.body).toMatchObject({ queue_id: places[0].queue_id, status: "admitted", admission_token: expect.any(String) });
  });

  it("refuses unknown, draft and waiting-room-less events, and anonymous callers", async ({ expect }) => {
    const buyer = await signupBuyer();
    const plain = await publishedEvent();
    const noRoom = await call("POST", `/api/v1/events/${plain.eventId}/queue`, { token: buyer.token });
    expect(noRoom.status).toBe(422);
    expect(noRoom.body.error.code).toBe("waiting_room_disabled");

    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const draft = await createEvent(org.token, venueId, { waiting_room: WAITING_ROOM });
    expect((await call("POST", `/api/v1/events/${draft.event_id}/queue`, { token: buyer.token })).status).toBe(404);
    expect((await call("POST", `/api/v1/events/evt_00000000000000000000/queue`, { token: buyer.token })).status).toBe(404);
    expect((await call("POST", `/api/v1/events/${plain.eventId}/queue`)).status).toBe(401);
    const bad = await call("POST", `/api/v1/events/${plain.eventId}/queue`, { token: buyer.token, rawBody: "{not json" });
    expect(bad.status).toBe(400);
  });
});

describe("organizer controls", () => {
  it("changes rate, session length and on/off during the sale, only on its own events", async ({ expect }) => {
    const ev = await queueEvent();
    const buyer = await signupBuyer();
    await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: buyer.token });
    const path = `/api/v1/admin/events/${ev.eventId}/waiting-room`;

    const res = await call("PATCH", path, { token: ev.organizerToken, body: { admit_per_minute: 1200 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      event_id: ev.eventId,
      waiting_room: { enabled: true, admit_per_minute: 1200, session_seconds: 300 },
      queue: { waiting: 1, admitted: 0 },
    });
    const stub = env.WAITING_ROOM.get(env.WAITING_ROOM.idFromName(ev.eventId));
    expect(await stub.stats()).toMatchObject({ admitPerMinute: 1200, sessionSeconds: 300 });
    const pub = await call("GET", `/api/v1/events/${ev.eventId}`);
    expect(pub.body.waiting_room).toMatchObject({ admit_per_minute: 1200 });

    const other = await signupOrganizer();
    expect((await call("PATCH", path, { token: other.token, body: { admit_per_minute: 1 } })).status).toBe(404);
    expect((await call("PATCH", path, { token: buyer.token, body: { admit_per_minute: 1 } })).status).toBe(403);
    for (const body of [{}, { admit_per_minute: 0 }, { session_seconds: 5 }, { enabled: "yes" }, { surprise: 1 }]) {
      const r = await call("PATCH", path, { token: ev.organizerToken, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    expect(await stub.stats()).toMatchObject({ admitPerMinute: 1200 });

    expect((await call("PATCH", path, { token: ev.organizerToken, body: { enabled: false } })).status).toBe(200);
    const late = await signupBuyer();
    const refused = await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: late.token });
    expect(refused.status).toBe(422);
  });

  it("sets and lifts a cap on live sessions (extension), pushed to the room", async ({ expect }) => {
    const ev = await queueEvent();
    const path = `/api/v1/admin/events/${ev.eventId}/waiting-room`;
    const stub = env.WAITING_ROOM.get(env.WAITING_ROOM.idFromName(ev.eventId));
    const set = await call("PATCH", path, { token: ev.organizerToken, body: { max_active_sessions: 50 } });
    expect(set.status).toBe(200);
    expect(set.body.waiting_room).toMatchObject({ max_active_sessions: 50, admit_per_minute: 60 });
    expect(await stub.stats()).toMatchObject({ maxActiveSessions: 50 });
    // Joins carry the settings they read from D1; they never undo a PATCH.
    const buyer = await signupBuyer();
    await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: buyer.token });
    expect(await stub.stats()).toMatchObject({ maxActiveSessions: 50 });
    expect((await call("PATCH", path, { token: ev.organizerToken, body: { max_active_sessions: 0 } })).status).toBe(400);
    const lifted = await call("PATCH", path, { token: ev.organizerToken, body: { max_active_sessions: null } });
    expect(lifted.body.waiting_room.max_active_sessions).toBeNull();
    expect(await stub.stats()).toMatchObject({ maxActiveSessions: null });
  });

  it("can switch a waiting room on for an event created without one", async ({ expect }) => {
    const ev = await publishedEvent();
    const res = await call("PATCH", `/api/v1/admin/events/${ev.eventId}/waiting-room`, { token: ev.organizerToken, body: { enabled: true } });
    expect(res.body.waiting_room).toEqual({ enabled: true, admit_per_minute: 100, session_seconds: 600 });
    const buyer = await signupBuyer();
    expect((await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: buyer.token })).status).toBe(201);
  });
});

describe("Turnstile", () => {
  afterEach(() => setTurnstileFetch());

  /** Calls the app with TURNSTILE_SECRET configured (the checked-in config has none). */
  const withSecret = (path: string, token: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
    app.request(
      path,
      {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...init.headers },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      },
      { ...env, TURNSTILE_SECRET: "turnstile-test-secret" },
    );

  it("is off without a secret: joining needs no challenge and never calls siteverify", async ({ expect }) => {
    let calls = 0;
    setTurnstileFetch(async () => {
      calls++;
      return Response.json({ success: false });
    });
    const ev = await queueEvent();
    const buyer = await signupBuyer();
    expect((await call("POST", `/api/v1/events/${ev.eventId}/queue`, { token: buyer.token })).status).toBe(201);
    expect(calls).toBe(0);
  });

  it("when configured, joins only with a token siteverify accepts", async ({ expect }) => {
    const seen: Record<string, string>[] = [];
    let verdict: boolean | "down" = false;
    setTurnstileFetch(async (url, init) => {
      expect(url).toBe("https://challenges.cloudflare.com/turnstile/v0/siteverify");
      seen.push(Object.fromEntries(init.body as FormData) as Record<string, string>);
      if (verdict === "down") throw new Error("network down");
      return Response.json({ success: verdict });
    });
    const ev = await queueEvent();
    const buyer = await signupBuyer();
    const path = `/api/v1/events/${ev.eventId}/queue`;

    const missing = await withSecret(path, buyer.token);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error: { code: "turnstile_failed" } });
    expect(seen).toHaveLength(0);

    const rejected = await withSecret(path, buyer.token, { body: { turnstile_token: "bad" }, headers: { "CF-Connecting-IP": "203.0.113.9" } });
    expect(rejected.status).toBe(403);
    expect(seen[0]).toEqual({ secret: "turnstile-test-secret", response: "bad", remoteip: "203.0.113.9" });

    verdict = "down";
    const down = await withSecret(path, buyer.token, { body: { turnstile_token: "good" } });
    expect(down.status).toBe(503);
    expect(down.headers.get("Retry-After")).toBe("5");

    verdict = true;
    const ok = await withSecret(path, buyer.token, { headers: { "CF-Turnstile-Response": "good" } });
    expect(ok.status).toBe(201);
    expect(seen.at(-1)).toMatchObject({ response: "good" });
  });
});

describe("the remote calls of a queue join and poll", () => {
  /** Through the app in this isolate, so it shares the event facts cache with the other calls. */
  async function viaApp(e: Env, method: string, path: string, token: string) {
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request(`http://localhost${path}`, { method, headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": "203.0.113.7" } }),
      e,
      ctx,
    );
    const body = await res.json<any>();
    await waitOnExecutionContext(ctx);
    return { status: res.status, body };
  }

  it("with the event facts warm: the waiting room, once, and no D1 read", async ({ expect }) => {
    const ev = await queueEvent();
    const [first, buyer] = await Promise.all([signupBuyer(), signupBuyer()]);
    const path = `/api/v1/events/${ev.eventId}/queue`;
    expect((await viaApp(env, "POST", path, first.token)).status).toBe(201);

    const remote = (log: CallLog) => log.calls.filter((c) => c.method !== "limit").map((c) => `${c.binding}.${c.method}`);
    const joinLog = new CallLog();
    const join = await viaApp(instrumentEnv(env, joinLog), "POST", path, buyer.token);
    expect(join.status).toBe(201);
    expect(remote(joinLog)).toEqual(["WAITING_ROOM.join"]);

    const pollLog = new CallLog();
    const poll = await viaApp(instrumentEnv(env, pollLog), "GET", `${path}/${join.body.queue_id}`, buyer.token);
    expect(poll.status).toBe(200);
    expect(poll.body).toMatchObject({ queue_id: join.body.queue_id, status: "waiting" });
    expect(remote(pollLog)).toEqual(["WAITING_ROOM.status"]);
  });

  it("a cancel is seen at once by the next join in the isolate that cancelled", async ({ expect }) => {
    const ev = await queueEvent();
    const buyer = await signupBuyer();
    const path = `/api/v1/events/${ev.eventId}/queue`;
    expect((await viaApp(env, "POST", path, buyer.token)).status).toBe(201);
    const ctx = createExecutionContext();
    const cancel = await app.fetch(
      new Request(`http://localhost/api/v1/admin/events/${ev.eventId}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${ev.organizerToken}` } }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(cancel.status).toBe(200);
    expect((await viaApp(env, "POST", path, buyer.token)).status).toBe(404);
  });
});
