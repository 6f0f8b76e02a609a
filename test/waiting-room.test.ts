import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { TICK_MS, type WaitingRoom } from "../src/durable-objects/waiting-room";
import type { WaitingRoomConfig } from "../src/shared/waiting-room";
import { pollAfterSeconds } from "../src/worker/waiting-room/polling";

// Fake time lives far in the future so that alarms the object schedules for itself never fire
// on their own during a test: every tick is driven explicitly with runDurableObjectAlarm.
const ON_SALE = Date.now() + 365 * 24 * 3600_000;

function room(cfg: Partial<WaitingRoomConfig> = {}) {
  const stub = env.WAITING_ROOM.get(env.WAITING_ROOM.idFromName(crypto.randomUUID()));
  const config: WaitingRoomConfig = { enabled: true, onSaleAt: ON_SALE, admitPerMinute: 600, sessionSeconds: 600, ...cfg };
  const clock = { now: ON_SALE - 60_000 };
  const ready = runInDurableObject(stub, (instance: WaitingRoom) => {
    instance.clock = () => clock.now;
  });
  return { stub, config, clock, ready };
}

/** Ranks with ties averaged (for Spearman's rho). */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

function spearman(a: number[], b: number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}

async function tick(r: ReturnType<typeof room>, ms = TICK_MS) {
  r.clock.now += ms;
  const before = (await r.stub.stats()).admitted;
  await runDurableObjectAlarm(r.stub);
  return (await r.stub.stats()).admitted - before;
}

describe("fairness", () => {
  it("admits 1,000 early arrivals in random order, then later arrivals first come first served", { timeout: 120_000 }, async ({ expect }) => {
    const r = room({ admitPerMinute: 600 }); // 20 per 2 s tick
    await r.ready;
    const early = Array.from({ length: 1000 }, (_, i) => `usr_early_${i}`);
    // Calls go straight to the instance (no RPC hop per user) to keep 1,000 users quick.
    const queueIds = new Map<string, string>();
    const positions = new Map<string, number>();
    await runInDurableObject(r.stub, async (instance: WaitingRoom) => {
      for (const [i, user] of early.entries()) {
        r.clock.now = ON_SALE - 60_000 + i; // arrival order: one millisecond apart
        const joined = await instance.join(user, r.config);
        if (!joined.ok) throw new Error("join refused");
        queueIds.set(user, joined.queueId);
      }
      // Many tabs: joining again is the same place, not another lottery ticket.
      for (const user of early.slice(0, 20)) {
        const again = await instance.join(user, r.config);
        expect(again.ok && again.queueId).toBe(queueIds.get(user));
      }
      for (const user of early) {
        const s = await instance.status(queueIds.get(user)!, user);
        if (!s.ok || s.status !== "waiting") throw new Error(`unexpected status ${JSON.stringify(s)}`);
        positions.set(user, s.position);
      }
    });
    expect((await r.stub.stats()).early).toBe(1000);
    // Positions before the sale are a permutation of 1..1000.
    expect([...positions.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));

    // Nobody is admitted before the sale opens.
    expect(await runDurableObjectAlarm(r.stub)).toBe(true);
    expect((await r.stub.stats()).admitted).toBe(0);

    r.clock.now = ON_SALE + 1;
    const late = Array.from({ length: 50 }, (_, i) => `usr_late_${i}`);
    for (const user of late) {
      r.clock.now += 1;
      const joined = await r.stub.join(user, r.config);
      if (!joined.ok || joined.status !== "waiting") throw new Error("late join failed");
      queueIds.set(user, joined.queueId);
      expect(joined.position).toBe(1000 + late.indexOf(user) + 1);
    }

    let ticks = 0;
    while ((await r.stub.stats()).waiting > 0) {
      expect(await tick(r)).toBeLessThanOrEqual(20);
      if (++ticks > 100) throw new Error("queue does not drain");
    }
    expect(ticks).toBe(Math.ceil(1050 / 20));

    const admittedAt = new Map<string, number>();
    await runInDurableObject(r.stub, async (instance: WaitingRoom) => {
      for (const user of [...early, ...late]) {
        const s = await instance.status(queueIds.get(user)!, user);
        if (!s.ok || s.status !== "admitted") throw new Error(`not admitted: ${JSON.stringify(s)}`);
        admittedAt.set(user, s.admittedAt);
      }
    });
    // Admission follows the announced positions exactly: the k-th tick admits positions 20k-19..20k.
    const firstTick = Math.min(...admittedAt.values());
    for (const user of early) {
      const tickIndex = (admittedAt.get(user)! - firstTick) / TICK_MS;
      expect(Math.floor((positions.get(user)! - 1) / 20)).toBe(tickIndex);
    }
    // Arrival order vs admission order: Spearman's rho for a random permutation of 1,000 has a
    // standard deviation of ~0.032; arrival-order admission would give ~1. |rho| < 0.15 is a
    // 4.7-sigma bound, so this fails for any order that tracks arrival.
    const rho = spearman(early.map((_, i) => i), early.map((u) => admittedAt.get(u)!));
    expect(Math.abs(rho)).toBeLessThan(0.15);
    // Every early arrival before every later one; later ones in arrival order.
    const lastEarly = Math.max(...early.map((u) => admittedAt.get(u)!));
    const lateTimes = late.map((u) => admittedAt.get(u)!);
    expect(Math.min(...lateTimes)).toBeGreaterThanOrEqual(lastEarly);
    expect(lateTimes).toEqual([...lateTimes].sort((a, b) => a - b));
  });

  it("a fairness check on arrival-order admission would fail (the statistic has power)", ({ expect }) => {
    const arrival = Array.from({ length: 1000 }, (_, i) => i);
    const byTickOfTwenty = arrival.map((i) => Math.floor(i / 20));
    expect(Math.abs(spearman(arrival, byTickOfTwenty))).toBeGreaterThan(0.9);
  });
});

describe("admission rate", () => {
  it("never admits more per tick than the rate allows, carries fractions, and follows rate changes", async ({ expect }) => {
    const r = room({ admitPerMinute: 45 }); // 1.5 per tick
    await r.ready;
    r.clock.now = ON_SALE;
    await r.stub.joinMany(Array.from({ length: 300 }, (_, i) => `usr_${i}`), r.config);

    const perTick: number[] = [];
    for (let i = 0; i < 30; i++) perTick.push(await tick(r)); // one minute
    expect(Math.max(...perTick)).toBeLessThanOrEqual(2);
    expect(perTick.reduce((a, b) => a + b, 0)).toBe(45);

    // A late alarm (ten minutes) is not a burst.
    expect(await tick(r, 10 * 60_000)).toBeLessThanOrEqual(2);
    // An alarm that runs twice at the same instant admits nobody the second time.
    r.clock.now += 0;
    await r.stub.configure(r.config); // re-arms
    expect(await tick(r, 0)).toBe(0);

    // The organizer raises the rate mid-sale: 600/min is 20 per tick from the next tick.
    await r.stub.configure({ ...r.config, admitPerMinute: 600 });
    // A join that read the event before the change carries the old rate: it must not win.
    await r.stub.join("usr_stale_reader", r.config);
    expect(await r.stub.stats()).toMatchObject({ admitPerMinute: 600 });
    const after: number[] = [];
    for (let i = 0; i < 3; i++) after.push(await tick(r));
    expect(after).toEqual([20, 20, 20]);
  });

  it("reports an honest ETA from the rate and the time to opening", async ({ expect }) => {
    const r = room({ admitPerMinute: 120 }); // 2 per second
    await r.ready;
    r.clock.now = ON_SALE - 30_000;
    await r.stub.joinMany(Array.from({ length: 99 }, (_, i) => `usr_${i}`), r.config);
    const me = await r.stub.join("usr_me", r.config);
    if (!me.ok || me.status !== "waiting") throw new Error("join failed");
    // 30 s to opening + position * 0.5 s.
    expect(me.etaSeconds).toBe(Math.ceil(30 + me.position / 2));
  });
});

describe("sessions", () => {
  it("issues a session that lapses after session_seconds; the user may then queue again at the back", async ({ expect }) => {
    const r = room({ admitPerMinute: 30, sessionSeconds: 120 }); // 1 per tick
    await r.ready;
    r.clock.now = ON_SALE + 1000;
    const a = await r.stub.join("usr_a", r.config);
    const b = await r.stub.join("usr_b", r.config);
    if (!a.ok || !b.ok || b.status !== "waiting") throw new Error("join failed");
    expect(b.position).toBe(2);
    await tick(r);
    const sa = await r.stub.status(a.queueId, "usr_a");
    expect(sa).toMatchObject({ ok: true, status: "admitted", expiresAt: r.clock.now + 120_000 });
    expect(await r.stub.status(b.queueId, "usr_b")).toMatchObject({ status: "waiting", position: 1 });
    // Someone else's queue id is not found.
    expect(await r.stub.status(a.queueId, "usr_b")).toEqual({ ok: false, reason: "not_found" });
    expect(await r.stub.status("que_zzzz", "usr_a")).toEqual({ ok: false, reason: "not_found" });
    // Joining while admitted returns the admitted place.
    expect(await r.stub.join("usr_a", r.config)).toMatchObject({ status: "admitted", queueId: a.queueId });

    r.clock.now += 121_000;
    expect(await r.stub.status(a.queueId, "usr_a")).toMatchObject({ status: "expired" });
    const again = await r.stub.join("usr_a", r.config);
    expect(again).toMatchObject({ ok: true, status: "waiting", position: 2 });
    expect(again.ok && again.queueId).not.toBe(a.queueId);
  });

  it("with a cap on live sessions, admits only as sessions lapse, never above the rate", async ({ expect }) => {
    const r = room({ admitPerMinute: 600, sessionSeconds: 60, maxActiveSessions: 25 }); // 20 per tick
    await r.ready;
    r.clock.now = ON_SALE + 1;
    await r.stub.joinMany(Array.from({ length: 100 }, (_, i) => `usr_${i}`), r.config);
    expect(await tick(r)).toBe(20);
    expect(await tick(r)).toBe(5); // cap reached
    expect(await tick(r)).toBe(0);
    expect(await r.stub.stats()).toMatchObject({ activeSessions: 25, waiting: 75 });
    // Sessions lapse 60 s after their tick, freeing places for the next in line; the rate
    // still rules (a minute without admissions is not a burst).
    const firstTick = ON_SALE + 1 + TICK_MS;
    r.clock.now = firstTick + 60_000 - TICK_MS;
    expect(await tick(r)).toBe(20); // the first tick's 20 lapsed
    expect(await tick(r)).toBe(5); // the second tick's 5 lapsed
    expect(await tick(r)).toBe(0);
    // The organizer lifts the cap.
    await r.stub.configure({ ...r.config, maxActiveSessions: null });
    expect(await tick(r)).toBe(20);
  });

  it("refuses joins while the room is disabled", async ({ expect }) => {
    const r = room({ enabled: false });
    await r.ready;
    expect(await r.stub.join("usr_x", r.config)).toEqual({ ok: false, reason: "disabled" });
  });
});

describe("ETA with a live-session cap", () => {
  /**
   * Runs the queue dry tick by tick. Before every tick it notes, for each waiting place, the
   * instant its ETA promises (and the rate-only promise), and after each tick when places were
   * admitted; returns how late each admission came against each promise made for it.
   */
  async function admissionsAgainstEtas(r: ReturnType<typeof room>, places: Map<string, string>) {
    const promises: { user: string; eta: number; rateOnly: number }[] = [];
    const admittedAt = new Map<string, number>();
    for (let ticks = 0; admittedAt.size < places.size; ticks++) {
      if (ticks > 1000) throw new Error("queue does not drain");
      await runInDurableObject(r.stub, async (instance: WaitingRoom) => {
        for (const [user, queueId] of places) {
          const s = await instance.status(queueId, user);
          if (!s.ok) throw new Error("place gone");
          if (s.status === "waiting") {
            const stats = await instance.stats();
            const rateOnly = Math.max(0, r.config.onSaleAt - r.clock.now) / 1000 + (s.position * 60) / stats.admitPerMinute;
            promises.push({ user, eta: r.clock.now + s.etaSeconds * 1000, rateOnly: r.clock.now + Math.ceil(rateOnly) * 1000 });
          } else if (s.status === "admitted" && !admittedAt.has(user)) admittedAt.set(user, s.admittedAt);
        }
      });
      await tick(r);
    }
    return promises.map((p) => ({ late: admittedAt.get(p.user)! - p.eta, lateVsRate: admittedAt.get(p.user)! - p.rateOnly }));
  }

  it.for([
    { name: "a burst fills the cap, then each round waits for sessions to end", rate: 600, session: 60, cap: 25, users: 100, lowerCapTo: null },
    { name: "the cap binds only a little (rounds last 50 s of a 60 s session)", rate: 120, session: 60, cap: 100, users: 260, lowerCapTo: null },
    { name: "the cap is lowered below the live sessions mid-sale", rate: 600, session: 60, cap: null, users: 100, lowerCapTo: 25 },
  ])("$name: every ETA given is met within one tick", { timeout: 60_000 }, async (c, { expect }) => {
    const r = room({ admitPerMinute: c.rate, sessionSeconds: c.session, maxActiveSessions: c.cap });
    await r.ready;
    r.clock.now = ON_SALE - 10_000; // the first ETAs include the wait for the opening
    const places = new Map<string, string>();
    for (let i = 0; i < c.users; i++) {
      const joined = await r.stub.join(`usr_${i}`, r.config);
      if (!joined.ok) throw new Error("join refused");
      places.set(`usr_${i}`, joined.queueId);
    }
    if (c.lowerCapTo !== null) {
      while ((await r.stub.stats()).activeSessions < c.lowerCapTo + 15) await tick(r);
      r.config = { ...r.config, maxActiveSessions: c.lowerCapTo };
      await r.stub.configure(r.config);
      for (const [user, queueId] of [...places]) {
        const s = await r.stub.status(queueId, user);
        if (!s.ok || s.status !== "waiting") places.delete(user); // admitted under no cap
      }
    }
    const results = await admissionsAgainstEtas(r, places);
    expect(results.length).toBeGreaterThan(c.users);
    // An ETA is never more than its rounding (under a second) early, nor more than a tick late.
    expect(Math.min(...results.map((x) => x.late))).toBeGreaterThan(-1000);
    expect(Math.max(...results.map((x) => x.late))).toBeLessThanOrEqual(TICK_MS);
    // The rate alone would promise admissions a good part of a session too early here.
    expect(Math.max(...results.map((x) => x.lateVsRate))).toBeGreaterThan(c.session * 1000 * 0.15);
  });
});

describe("positions at scale", () => {
  it("match an exact count of everyone ahead, across many key buckets", { timeout: 120_000 }, async ({ expect }) => {
    const r = room({ admitPerMinute: 6000 });
    await r.ready;
    const users = Array.from({ length: 20_000 }, (_, i) => `usr_${i}`);
    for (let i = 0; i < users.length; i += 5000) await r.stub.joinMany(users.slice(i, i + 5000), r.config);
    r.clock.now = ON_SALE + 1;
    await r.stub.joinMany(["usr_late_1", "usr_late_2"], r.config);
    for (let i = 0; i < 3; i++) await tick(r); // 600 admitted
    expect((await r.stub.stats()).admitted).toBe(600);

    const sample = [...users.filter((_, i) => i % 400 === 0), "usr_late_1", "usr_late_2"];
    await runInDurableObject(r.stub, async (instance: WaitingRoom, state) => {
      for (const user of sample) {
        const got = await instance.join(user, r.config);
        const row = state.storage.sql.exec<{ ord: number; admitted_at: number | null }>("SELECT ord, admitted_at FROM places WHERE user_id = ?", user).one();
        const ahead = state.storage.sql
          .exec<{ n: number }>("SELECT count(*) AS n FROM places WHERE ord < ? AND admitted_at IS NULL", row.ord)
          .one().n;
        expect(got, user).toMatchObject(row.admitted_at === null ? { status: "waiting", position: ahead + 1 } : { status: "admitted" });
      }
    });
  });
});

describe("restarts", () => {
  it("keeps places, positions, admission progress and the rate after the object is evicted", async ({ expect }) => {
    const r = room({ admitPerMinute: 300 }); // 10 per tick
    await r.ready;
    const users = Array.from({ length: 500 }, (_, i) => `usr_${i}`);
    await r.stub.joinMany(users, r.config);
    r.clock.now = ON_SALE + 1;
    await r.stub.join("usr_late", r.config);
    await tick(r);
    const before = new Map<string, unknown>();
    for (const u of [...users.slice(0, 50), "usr_late"]) before.set(u, await r.stub.join(u, r.config));

    await evictDurableObject(r.stub);
    await runInDurableObject(r.stub, (instance: WaitingRoom) => {
      instance.clock = () => r.clock.now;
    });
    for (const [u, view] of before) expect(await r.stub.join(u, r.config)).toEqual(view);
    expect(await r.stub.stats()).toMatchObject({ early: 500, late: 1, admitted: 10, admitPerMinute: 300 });
    expect(await tick(r)).toBe(10);
  });
});

describe("polling hint", () => {
  it("grows with the ETA, stays within 2..45 s, and spreads clients with jitter", ({ expect }) => {
    expect(pollAfterSeconds(1, () => 0)).toBe(2);
    expect(pollAfterSeconds(100, () => 0)).toBe(10);
    expect(pollAfterSeconds(100_000, () => 0)).toBe(30);
    expect(pollAfterSeconds(100_000, () => 0.999)).toBe(45);
    const spread = new Set(Array.from({ length: 200 }, () => pollAfterSeconds(100)));
    expect(spread.size).toBeGreaterThan(3);
    for (const v of spread) expect(v).toBeGreaterThanOrEqual(10);
    for (const v of spread) expect(v).toBeLessThanOrEqual(15);
  });
});
