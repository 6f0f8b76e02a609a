/**
 * The hold path: the Worker makes one remote call per hold (the buyer's ledger, which calls the
 * sections), and the sale state is the section objects' answer, decided with the seat write.
 */
import { createExecutionContext, evictDurableObject, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { app } from "../src/worker/index";
import { CallLog, instrumentEnv } from "../src/worker/observability/remote-calls";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { newUserId, section } from "./support/inventory-fixtures";
import { makeHoldId } from "../src/shared/inventory/hold-id";

/** One hold through the app in this isolate (so it shares the event facts cache with the others). */
async function hold(e: Env, eventId: string, token: string, body: unknown) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`http://localhost/api/v1/events/${eventId}/holds`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "CF-Connecting-IP": "203.0.113.9" },
      body: JSON.stringify(body),
    }),
    e,
    ctx,
  );
  const json = await res.json<any>();
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: json };
}

const saleRow = (eventId: string, key: string) =>
  runInDurableObject(section(eventId, key), (_i, st) => st.storage.sql.exec("SELECT state, on_sale_at, ends_at FROM sale").toArray()[0]);

const direct = (eventId: string, key: string, req: { seats: string[] } | { quantity: number }) =>
  section(eventId, key).hold({ holdId: makeHoldId(eventId, null), userId: newUserId(), expiresAt: Date.now() + 60_000, ...req });

describe("the remote calls of one hold", () => {
  it("with the event facts warm: the buyer's ledger, once, and no D1 or other object call", async ({ expect }) => {
    const ev = await publishedEvent();
    const [first, buyer] = [await signupBuyer(), await signupBuyer()];
    expect((await hold(env, ev.eventId, first.token, { seats: ["R-A-1"] })).status).toBe(201);

    for (const body of [{ seats: ["R-A-2", "R-A-3"] }, { items: [{ section: "R", seats: ["R-B-1"] }, { section: "GA", quantity: 1 }] }]) {
      const log = new CallLog();
      const res = await hold(instrumentEnv(env, log), ev.eventId, buyer.token, body);
      expect(res.status).toBe(201);
      // Rate limits are the platform binding (no object, no storage); everything else is listed.
      const remote = log.calls.filter((c) => c.method !== "limit").map((c) => `${c.binding}.${c.method}`);
      expect(remote).toEqual(["BUYER_LEDGER.createHold"]);
      expect(log.calls.filter((c) => c.method === "limit").map((c) => c.binding).sort()).toEqual(["RL_HOLD_IP", "RL_HOLD_USER"]);
    }
    expect((await section(ev.eventId, "R").snapshot())?.held).toBe(4);
    expect((await section(ev.eventId, "GA").snapshot())?.held).toBe(1);
  });
});

describe("sale state in the section objects", () => {
  it("publish tells every section its sale window", async ({ expect }) => {
    const ev = await publishedEvent();
    for (const key of ["R", "GA"])
      expect(await saleRow(ev.eventId, key)).toEqual({ state: "published", on_sale_at: ev.event.on_sale_at, ends_at: ev.event.ends_at });
  });

  it("a section refuses a hold outside its window or once cancelled, even while the Worker's facts say on sale", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    expect((await hold(env, ev.eventId, buyer.token, { seats: ["R-A-1"] })).status).toBe(201);
    const hour = 3_600_000;
    const iso = (ms: number) => new Date(Date.now() + ms).toISOString();
    // D1 and the facts cache still say on sale: only the sections know.
    await section(ev.eventId, "R").setSale({ state: "published", onSaleAt: iso(hour), endsAt: iso(2 * hour) });
    const scheduled = await hold(env, ev.eventId, buyer.token, { seats: ["R-A-2"] });
    expect(scheduled.status).toBe(422);
    expect(scheduled.body.error).toMatchObject({ code: "not_on_sale", details: { status: "scheduled" } });

    for (const key of ["R", "GA"]) await section(ev.eventId, key).setSale({ state: "cancelled", onSaleAt: iso(-hour), endsAt: iso(hour) });
    const cancelled = await hold(env, ev.eventId, buyer.token, { items: [{ section: "R", seats: ["R-A-2"] }, { section: "GA", quantity: 1 }] });
    expect(cancelled.status).toBe(422);
    expect(cancelled.body.error).toMatchObject({ code: "not_on_sale", details: { status: "cancelled" } });
    expect(await direct(ev.eventId, "GA", { quantity: 1 })).toEqual({ ok: false, reason: "event_cancelled" });
    // A late publish does not reopen a cancelled section.
    expect(await section(ev.eventId, "R").setSale({ state: "published", onSaleAt: iso(-hour), endsAt: iso(hour) })).toMatchObject({ state: "cancelled" });
    expect((await section(ev.eventId, "R").snapshot())?.held).toBe(1);
    expect((await section(ev.eventId, "GA").snapshot())?.held).toBe(0);
  });

  it("cancel tells every section before it answers: holds racing it either took their seats before, or are refused", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 30 }], gaCapacity: 50 });
    const racing = Array.from({ length: 30 }, (_, i) => direct(ev.eventId, i % 2 ? "R" : "GA", i % 2 ? { seats: [`R-A-${i}`] } : { quantity: 1 }));
    const cancel = await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken });
    expect(cancel.status).toBe(200);
    const raced = await Promise.all(racing);
    for (const r of raced) expect(typeof r === "number" || (typeof r === "object" && r.ok === false && r.reason === "event_cancelled")).toBe(true);
    // Once the cancel has answered, no section takes a hold, whatever the Worker's caches say.
    expect(await direct(ev.eventId, "R", { seats: ["R-A-30"] })).toEqual({ ok: false, reason: "event_cancelled" });
    expect(await direct(ev.eventId, "GA", { quantity: 1 })).toEqual({ ok: false, reason: "event_cancelled" });
    expect(await saleRow(ev.eventId, "R")).toMatchObject({ state: "cancelled" });
    // Repeating the cancel tells them again and still answers.
    expect((await call("POST", `/api/v1/admin/events/${ev.eventId}/cancel`, { token: ev.organizerToken })).status).toBe(200);
  });

  it("a section stored before the sale row reads its event from D1 on its first hold, and keeps it", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const stub = section(ev.eventId, "R");
    await runInDurableObject(stub, (_i, st) => void st.storage.sql.exec("DELETE FROM sale"));
    await evictDurableObject(stub);
    expect((await hold(env, ev.eventId, buyer.token, { seats: ["R-A-1"] })).status).toBe(201);
    expect(await saleRow(ev.eventId, "R")).toEqual({ state: "published", on_sale_at: ev.event.on_sale_at, ends_at: ev.event.ends_at });

    // A draft (a publish half way) is not kept: the section asks again next time.
    await runInDurableObject(stub, (_i, st) => void st.storage.sql.exec("DELETE FROM sale"));
    await evictDurableObject(stub);
    await env.DB.prepare("UPDATE events SET state = 'draft' WHERE id = ?").bind(ev.eventId).run();
    expect(await direct(ev.eventId, "R", { seats: ["R-A-2"] })).toEqual({ ok: false, reason: "not_on_sale", status: "draft" });
    expect(await saleRow(ev.eventId, "R")).toBeUndefined();
    await env.DB.prepare("UPDATE events SET state = 'published' WHERE id = ?").bind(ev.eventId).run();
    expect(typeof (await direct(ev.eventId, "R", { seats: ["R-A-2"] }))).toBe("number");
  });
});
