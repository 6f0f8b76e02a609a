/** `db()`: one drizzle instance per D1 binding object (building one walks the whole schema). */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { db } from "../src/platform/db/client";
import { events } from "../src/platform/db/schema";
import { CallLog, instrumentEnv } from "../src/worker/observability/remote-calls";

describe("db()", () => {
  it("reuses the instance of a binding, and a wrapped binding gets its own that still goes through the wrapper", async ({ expect }) => {
    expect(db(env)).toBe(db({ DB: env.DB }));

    const log = new CallLog();
    const wrapped = instrumentEnv(env, log);
    expect(db(wrapped)).not.toBe(db(env));
    expect(db(wrapped)).toBe(db(wrapped));
    await db(wrapped).select({ id: events.id }).from(events).limit(1).all();
    expect(log.calls.map((c) => c.binding)).toEqual(["DB"]);
    // The unwrapped instance is not counted.
    await db(env).select({ id: events.id }).from(events).limit(1).all();
    expect(log.calls).toHaveLength(1);
  });
});
