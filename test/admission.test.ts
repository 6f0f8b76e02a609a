import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { WaitingRoom } from "../src/durable-objects/waiting-room";
import { getEvent, type EventRow } from "../src/platform/db/event-rows";
import { ApiError } from "../src/worker/errors";
import { assertAdmitted } from "../src/worker/waiting-room/admission";
import { issueAdmissionToken } from "../src/worker/waiting-room/admission-token";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";

const ROOM = { enabled: true, admit_per_minute: 60, session_seconds: 300 };

async function eventRow(waitingRoom?: typeof ROOM): Promise<EventRow> {
  const ev = await publishedEvent(waitingRoom ? { overrides: { waiting_room: waitingRoom } } : {});
  const row = await getEvent(env, ev.eventId);
  if (!row) throw new Error("event missing");
  return row;
}

/** The refusal assertAdmitted throws, as `{status, code, reason}` (or "admitted"). */
async function outcome(event: EventRow, userId: string, token: string | undefined) {
  try {
    await assertAdmitted(env, event, { role: "buyer", userId }, token);
    return "admitted";
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.status, code: err.code, reason: err.details?.reason, message: err.message };
  }
}

describe("assertAdmitted", () => {
  it("needs nothing for events without a waiting room", async ({ expect }) => {
    const event = await eventRow();
    expect(await outcome(event, "usr_any", undefined)).toBe("admitted");
  });

  it("accepts only an unexpired token for this user and this event", async ({ expect }) => {
    const [event, other] = await Promise.all([eventRow(ROOM), eventRow(ROOM)]);
    const [me, you] = await Promise.all([signupBuyer(), signupBuyer()]);
    const inFiveMinutes = Date.now() + 300_000;
    const mine = await issueAdmissionToken(env, { userId: me.userId, eventId: event.id, queueId: "que_1", expiresAt: inFiveMinutes });
    expect(await outcome(event, me.userId, mine)).toBe("admitted");

    const cases: [string, string | undefined, string, string][] = [
      ["missing", undefined, me.userId, "missing"],
      ["empty", "", me.userId, "missing"],
      ["another user's", mine, you.userId, "wrong_user"],
      [
        "another event's",
        await issueAdmissionToken(env, { userId: me.userId, eventId: other.id, queueId: "que_2", expiresAt: inFiveMinutes }),
        me.userId,
        "wrong_event",
      ],
      [
        "expired",
        await issueAdmissionToken(env, { userId: me.userId, eventId: event.id, queueId: "que_3", expiresAt: Date.now() - 1000 }),
        me.userId,
        "expired",
      ],
      [
        "forged (other secret)",
        await issueAdmissionToken({ ADMISSION_SECRET: "not-the-secret" }, { userId: me.userId, eventId: event.id, queueId: "que_4", expiresAt: inFiveMinutes }),
        me.userId,
        "invalid",
      ],
      [
        "signed with the session secret",
        await issueAdmissionToken({ ADMISSION_SECRET: env.SESSION_SECRET }, { userId: me.userId, eventId: event.id, queueId: "que_5", expiresAt: inFiveMinutes }),
        me.userId,
        "invalid",
      ],
      ["garbage", "not.a.jwt", me.userId, "invalid"],
      ["tampered", mine.slice(0, -2) + (mine.endsWith("AA") ? "BB" : "AA"), me.userId, "invalid"],
    ];
    for (const [label, token, userId, reason] of cases) {
      const got = await outcome(event, userId, token);
      expect(got, label).toMatchObject({ status: 403, code: "admission_required", reason });
      expect(typeof got === "object" && got.message.length > 10, label).toBe(true);
    }
  });
});

describe("POST holds on an event with a waiting room", () => {
  /** Joins the queue, runs one admission tick (clock moved ahead rather than slept), returns the token. */
  async function admit(eventId: string, token: string): Promise<string> {
    const joined = await call("POST", `/api/v1/events/${eventId}/queue`, { token });
    if (joined.status !== 201) throw new Error(`join: ${joined.status}`);
    const stub = env.WAITING_ROOM.get(env.WAITING_ROOM.idFromName(eventId));
    await runInDurableObject(stub, (room: WaitingRoom) => {
      room.clock = () => Date.now() + 10 * 60_000;
    });
    await runDurableObjectAlarm(stub);
    const status = await call("GET", `/api/v1/events/${eventId}/queue/${joined.body.queue_id}`, { token });
    if (status.body.status !== "admitted") throw new Error(`not admitted: ${JSON.stringify(status.body)}`);
    return status.body.admission_token;
  }

  const hold = (eventId: string, token: string, admission?: string) =>
    call("POST", `/api/v1/events/${eventId}/holds`, {
      token,
      body: { section: "GA", quantity: 1 },
      headers: admission === undefined ? {} : { "X-Admission-Token": admission },
    });

  it("needs the holder's own, current admission token for this event", async ({ expect }) => {
    const [ev, otherEv] = await Promise.all([publishedEvent({ overrides: { waiting_room: ROOM } }), publishedEvent({ overrides: { waiting_room: ROOM } })]);
    const [me, you] = await Promise.all([signupBuyer(), signupBuyer()]);
    const mine = await admit(ev.eventId, me.token);
    const forOtherEvent = await admit(otherEv.eventId, me.token);
    const expired = await issueAdmissionToken(env, { userId: me.userId, eventId: ev.eventId, queueId: "que_x", expiresAt: Date.now() - 1000 });

    const refusals: [string, string, string | undefined, string][] = [
      ["missing", me.token, undefined, "missing"],
      ["another user's", you.token, mine, "wrong_user"],
      ["another event's", me.token, forOtherEvent, "wrong_event"],
      ["expired", me.token, expired, "expired"],
      ["forged", me.token, mine.replace(/\.[^.]+$/, ".c2lnbmF0dXJl"), "invalid"],
    ];
    for (const [label, bearer, admission, reason] of refusals) {
      const res = await hold(ev.eventId, bearer, admission);
      expect(res.status, label).toBe(403);
      expect(res.body.error, label).toMatchObject({ code: "admission_required", details: { reason } });
    }
    const stats = await call("GET", `/api/v1/events/${ev.eventId}/seats?section=GA`);
    expect(stats.body.sections[0]).toMatchObject({ available: 100 });

    const ok = await hold(ev.eventId, me.token, mine);
    expect(ok.status).toBe(201);
  });

  it("needs no token when the event has no waiting room", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    expect((await hold(ev.eventId, buyer.token)).status).toBe(201);
  });
});
