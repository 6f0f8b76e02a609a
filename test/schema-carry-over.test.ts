import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { MIGRATIONS as LIMITER_STEPS, type RateLimiter } from "../src/durable-objects/rate-limiter";
import { MIGRATIONS as ROOM_STEPS, TICK_MS, type WaitingRoom } from "../src/durable-objects/waiting-room";
import type { WaitingRoomConfig } from "../src/shared/waiting-room";

// Far ahead, so alarms the objects set for themselves never fire on their own during a test.
const LATER = Date.now() + 365 * 24 * 3600_000;

/**
 * Rewrites an object's storage as the waiting room's and rate limiter's own runner left it
 * before they used the shared `migrate`: the first `steps` run as they are, their count in a
 * one-column `_schema` table, no `_schema_version`.
 */
async function storeTheOldWay(state: DurableObjectState, steps: readonly string[], rows: (sql: SqlStorage) => void) {
  await state.storage.deleteAll();
  const sql = state.storage.sql;
  sql.exec("CREATE TABLE _schema (version INTEGER NOT NULL)");
  for (const step of steps) sql.exec(step);
  sql.exec("INSERT INTO _schema (version) VALUES (?)", steps.length);
  rows(sql);
}

function bookkeeping(state: DurableObjectState) {
  const sql = state.storage.sql;
  return {
    legacy: sql.exec("SELECT name FROM sqlite_master WHERE name = '_schema'").toArray().length,
    version: sql.exec<{ version: number }>("SELECT version FROM _schema_version").toArray(),
  };
}

describe("objects stored under the old `_schema` bookkeeping", () => {
  it.for([1, ROOM_STEPS.length])(
    "a waiting room at old version %i continues from there after a restart: same places, new joins, admission",
    async (version, { expect }) => {
      const stub = env.WAITING_ROOM.get(env.WAITING_ROOM.idFromName(crypto.randomUUID()));
      const lateOrd = (n: number) => 2 ** 52 + n; // the n-th join after the sale opened
      await runInDurableObject(stub, (_: WaitingRoom, state) =>
        storeTheOldWay(state, ROOM_STEPS.slice(0, version), (sql) => {
          sql.exec(
            "UPDATE state SET enabled = 1, on_sale_at = ?, admit_per_minute = 60, session_seconds = 600, sealed = 1, late = 2 WHERE id = 1",
            LATER,
          );
          sql.exec(
            "INSERT INTO places (id, user_id, ord, joined_at) VALUES (1, 'usr_old_1', ?, ?), (2, 'usr_old_2', ?, ?)",
            lateOrd(1), LATER + 10, lateOrd(2), LATER + 20,
          );
        }),
      );
      await evictDurableObject(stub);

      const clock = { now: LATER + 1_000 };
      await runInDurableObject(stub, (instance: WaitingRoom, state) => {
        instance.clock = () => clock.now;
        expect(bookkeeping(state)).toEqual({ legacy: 0, version: [{ version: ROOM_STEPS.length }] });
      });
      const cfg: WaitingRoomConfig = { enabled: true, onSaleAt: LATER, admitPerMinute: 60, sessionSeconds: 600 };
      expect(await stub.status("que_2", "usr_old_2")).toMatchObject({ ok: true, status: "waiting", position: 2 });
      expect(await stub.join("usr_old_1", cfg)).toMatchObject({ ok: true, queueId: "que_1", position: 1 });
      expect(await stub.join("usr_new", cfg)).toMatchObject({ ok: true, status: "waiting", position: 3 });

      clock.now += TICK_MS; // 60/min: two admissions per tick
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      expect(await stub.status("que_1", "usr_old_1")).toMatchObject({ status: "admitted", expiresAt: clock.now + 600_000 });
      expect(await stub.status("que_2", "usr_old_2")).toMatchObject({ status: "admitted" });
      // Steps after the stored version ran: the session cap (step 2) works.
      expect(await stub.stats()).toMatchObject({ late: 3, admitted: 2, waiting: 1, activeSessions: 2 });
    },
  );

  it("a rate limiter keeps its stored bucket and counts on", async ({ expect }) => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(crypto.randomUUID()));
    const clock = { now: LATER };
    // A key that spent its whole allowance of 3 per 60 s just now.
    await runInDurableObject(stub, (_: RateLimiter, state) =>
      storeTheOldWay(state, LIMITER_STEPS, (sql) => sql.exec("INSERT INTO bucket (id, tat) VALUES (1, ?)", clock.now + 60_000)),
    );
    await evictDurableObject(stub);

    await runInDurableObject(stub, (instance: RateLimiter, state) => {
      instance.clock = () => clock.now;
      expect(bookkeeping(state)).toEqual({ legacy: 0, version: [{ version: LIMITER_STEPS.length }] });
    });
    expect(await stub.hit(3, 60)).toEqual({ ok: false, retryAfterSeconds: 20 });
    clock.now += 20_000;
    expect(await stub.hit(3, 60)).toEqual({ ok: true, remaining: 0 });
  });
});
