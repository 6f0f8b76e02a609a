// Incremental scanner bundles: GET /api/v1/gate/events/:id/bundle?since=<cursor> answers only
// what changed after the cursor (src/worker/gate/changes.ts), every change exactly once across
// consecutive polls, including changes committed while polls run.
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { CheckedIn, GateBundle, GateBundleDelta } from "../src/shared/gate";
import { encodeCursor, MAX_DELTA_CHANGES } from "../src/worker/gate/changes";
import { getOrder, paidOrder } from "./support/checkout";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";

type Device = { device_id: string; token: string };

async function enrol(eventId: string, organizerToken: string, name = "Gate A"): Promise<Device> {
  const res = await call("POST", `/api/v1/admin/events/${eventId}/gate-devices`, { token: organizerToken, body: { name } });
  if (res.status !== 201) throw new Error(`enrol: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const tid = () => `tkt_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;

async function insertTicket(eventId: string) {
  const id = tid();
  await env.DB.prepare(
    `INSERT INTO tickets (id, order_id, order_item_id, user_id, event_id, section_key, seat_label, status, kid, jwt, expires_at)
     VALUES (?, 'ord_x', ?, 'usr_x', ?, 'GA', NULL, 'valid', 'k', 'jwt', '2999-01-01T00:00:00.000Z')`,
  )
    .bind(id, `itm_${id}`, eventId)
    .run();
  return id;
}

/** As checkout's refund does it: the row flips to revoked. */
const revoke = (id: string) =>
  env.DB.prepare("UPDATE tickets SET status = 'revoked', revoked_at = ? WHERE id = ? AND status != 'revoked'")
    .bind(new Date().toISOString(), id)
    .run();

const bundlePath = (eventId: string) => `/api/v1/gate/events/${eventId}/bundle`;

async function fullBundle(eventId: string, dev: Device) {
  const res = await call("GET", bundlePath(eventId), { token: dev.token });
  if (res.status !== 200) throw new Error(`bundle: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as GateBundle;
}

async function poll(eventId: string, dev: Device, cursor: string): Promise<GateBundleDelta> {
  const res = await call("GET", `${bundlePath(eventId)}?since=${encodeURIComponent(cursor)}`, { token: dev.token });
  if (res.status !== 200 || res.body.kind !== "delta") throw new Error(`delta: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function upload(eventId: string, dev: Device, scans: { ticket_id: string; scanned_at: string; verdict?: string }[]) {
  const res = await call("POST", `/api/v1/gate/events/${eventId}/scans`, {
    token: dev.token,
    body: { device_id: dev.device_id, scans: scans.map((s) => ({ verdict: "valid", ...s })) },
  });
  if (res.status !== 200) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** What a device holds after applying deltas on top of a full bundle, as the scanner does. */
function deviceView(base: { revoked: string[]; checked_in: CheckedIn[] }) {
  const revoked = new Set(base.revoked);
  const checkedIn = new Map(base.checked_in.map((c) => [c.ticket_id, c]));
  return {
    revoked,
    checkedIn,
    apply(d: GateBundleDelta) {
      for (const id of d.revoked) revoked.add(id);
      for (const c of d.checked_in) checkedIn.set(c.ticket_id, c);
    },
  };
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe("GET /api/v1/gate/events/:eventId/bundle?since=", () => {
  it("the full bundle carries a cursor; each poll brings exactly the changes made since the last one", async ({ expect }) => {
    const ev = await publishedEvent();
    const a = await enrol(ev.eventId, ev.organizerToken, "Gate A");
    const b = await enrol(ev.eventId, ev.organizerToken, "Gate B");
    const [t1, t2, t3, t4] = [await insertTicket(ev.eventId), await insertTicket(ev.eventId), await insertTicket(ev.eventId), await insertTicket(ev.eventId)];
    await upload(ev.eventId, b, [{ ticket_id: t1, scanned_at: "2030-01-01T20:00:00.000Z" }]);

    const full = await fullBundle(ev.eventId, a);
    expect(full.kind).toBe("full");
    expect(full.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(full.checked_in.map((c) => c.ticket_id)).toEqual([t1]);

    const nothing = await poll(ev.eventId, a, full.cursor);
    expect(nothing).toMatchObject({ kind: "delta", revoked: [], checked_in: [], cursor: full.cursor });

    // Gate B lets t2 in, t3 is refunded; a duplicate-verdict scan is not an entry.
    await upload(ev.eventId, b, [
      { ticket_id: t2, scanned_at: "2030-01-01T20:01:00.000Z" },
      { ticket_id: t4, scanned_at: "2030-01-01T20:01:01.000Z", verdict: "duplicate" },
    ]);
    await revoke(t3);
    const first = await poll(ev.eventId, a, full.cursor);
    expect(first.revoked).toEqual([t3]);
    expect(first.checked_in).toEqual([
      { ticket_id: t2, first_scanned_at: "2030-01-01T20:01:00.000Z", first_device_id: b.device_id, first_device_name: "Gate B", valid_scans: 1 },
    ]);
    expect(first.cursor).not.toBe(full.cursor);

    // Re-sending B's batch stores nothing, so it is no change; A letting t1 in again is one.
    await upload(ev.eventId, b, [{ ticket_id: t2, scanned_at: "2030-01-01T20:01:00.000Z" }]);
    await revoke(t3); // already revoked: no change
    await upload(ev.eventId, a, [{ ticket_id: t1, scanned_at: "2030-01-01T20:02:00.000Z" }]);
    const second = await poll(ev.eventId, a, first.cursor);
    expect(second.revoked).toEqual([]);
    expect(second.checked_in).toEqual([
      { ticket_id: t1, first_scanned_at: "2030-01-01T20:00:00.000Z", first_device_id: b.device_id, first_device_name: "Gate B", valid_scans: 2 },
    ]);

    const third = await poll(ev.eventId, a, second.cursor);
    expect(third).toMatchObject({ revoked: [], checked_in: [], cursor: second.cursor });
    // An old cursor still works: it brings everything after it again (a client that lost an answer).
    const again = await poll(ev.eventId, a, full.cursor);
    expect(sorted(again.checked_in.map((c) => c.ticket_id))).toEqual(sorted([t1, t2]));
    expect(again.revoked).toEqual([t3]);
    expect(again.cursor).toBe(second.cursor);
  });

  it("an offline scan uploaded late that was earlier than the known first entry updates it", async ({ expect }) => {
    const ev = await publishedEvent();
    const a = await enrol(ev.eventId, ev.organizerToken, "Gate A");
    const b = await enrol(ev.eventId, ev.organizerToken, "Gate B");
    const t = await insertTicket(ev.eventId);
    await upload(ev.eventId, b, [{ ticket_id: t, scanned_at: "2030-01-01T20:05:00.000Z" }]);
    const full = await fullBundle(ev.eventId, a);
    await upload(ev.eventId, a, [{ ticket_id: t, scanned_at: "2030-01-01T20:00:00.000Z" }]);
    const d = await poll(ev.eventId, a, full.cursor);
    expect(d.checked_in).toEqual([
      { ticket_id: t, first_scanned_at: "2030-01-01T20:00:00.000Z", first_device_id: a.device_id, first_device_name: "Gate A", valid_scans: 2 },
    ]);
  });

  it("a refund through checkout shows up in the next delta", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const paid = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    const dev = await enrol(ev.eventId, ev.organizerToken);
    const full = await fullBundle(ev.eventId, dev);
    expect(full.revoked).toEqual([]);
    const refund = await call("POST", `/api/v1/admin/orders/${paid.order.order_id}/refund`, { token: ev.organizerToken });
    expect(refund.status).toBe(200);
    const ids = ((await getOrder(buyer, paid.order.order_id)).body.tickets as { ticket_id: string; status: string }[]).map((t) => {
      expect(t.status).toBe("revoked");
      return t.ticket_id;
    });
    const d = await poll(ev.eventId, dev, full.cursor);
    expect(sorted(d.revoked)).toEqual(sorted(ids));
    expect((await poll(ev.eventId, dev, d.cursor)).revoked).toEqual([]);
  });

  it("changes committed while polls run are never skipped: polling during racing writes ends equal to a full bundle", async ({
    expect,
  }) => {
    const ev = await publishedEvent();
    const devices = [await enrol(ev.eventId, ev.organizerToken, "Gate A"), await enrol(ev.eventId, ev.organizerToken, "Gate B")];
    const reader = await enrol(ev.eventId, ev.organizerToken, "Reader");
    const tickets = await Promise.all(Array.from({ length: 60 }, () => insertTicket(ev.eventId)));
    const full = await fullBundle(ev.eventId, reader);
    const view = deviceView(full);
    const revokedSeen = new Map<string, number>();

    let writing = true;
    let cursor = full.cursor;
    let polls = 0;
    const poller = (async () => {
      // Keeps polling while the writers run, and once more after they are done.
      for (let last = false; !last; ) {
        last = !writing;
        const d = await poll(ev.eventId, reader, cursor);
        for (const id of d.revoked) revokedSeen.set(id, (revokedSeen.get(id) ?? 0) + 1);
        view.apply(d);
        cursor = d.cursor;
        polls++;
      }
    })();
    const base = Date.parse("2030-01-01T20:00:00.000Z");
    const writes = tickets.map((t, i) =>
      i % 3 === 0
        ? revoke(t)
        : upload(ev.eventId, devices[i % 2]!, [{ ticket_id: t, scanned_at: new Date(base + i * 1000).toISOString() }]),
    );
    // Half the entries are made twice, by the other gate, earlier: the first entry moves.
    const seconds = tickets
      .filter((_, i) => i % 3 !== 0 && i % 2 === 0)
      .map((t) => upload(ev.eventId, devices[1]!, [{ ticket_id: t, scanned_at: new Date(base - 1000).toISOString() }]));
    await Promise.all([...writes, ...seconds]);
    writing = false;
    await poller;

    expect(polls).toBeGreaterThan(1);
    const truth = await fullBundle(ev.eventId, reader);
    expect(sorted(view.revoked)).toEqual(sorted(truth.revoked));
    expect(truth.revoked).toHaveLength(20);
    expect([...revokedSeen.values()].every((n) => n === 1)).toBe(true); // each revocation exactly once
    expect(new Map([...view.checkedIn].sort())).toEqual(new Map(truth.checked_in.map((c) => [c.ticket_id, c] as const).sort()));
    expect(view.checkedIn.size).toBe(40);
  });

  it("says the full bundle is needed when the keys changed or too many changes piled up", async ({ expect }) => {
    const ev = await publishedEvent();
    const dev = await enrol(ev.eventId, ev.organizerToken);
    const full = await fullBundle(ev.eventId, dev);
    const decoded = JSON.parse(atob(full.cursor.replaceAll("-", "+").replaceAll("_", "/")));
    const rotated = encodeCursor({ eventId: ev.eventId, seq: decoded.s, keys: "a-key-set-from-before-rotation" });
    const keys = await call("GET", `${bundlePath(ev.eventId)}?since=${rotated}`, { token: dev.token });
    expect(keys.status).toBe(200);
    expect(keys.body).toMatchObject({ kind: "full_bundle_needed", reason: "keys_changed" });

    // More changes than a delta carries: one statement, real rows through the real trigger.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i <= ?3)
       INSERT INTO gate_scans (event_id, ticket_id, device_id, scanned_at, verdict)
       SELECT ?1, 'tkt_bulk_' || i, ?2, '2030-01-01T20:00:00.000Z', 'valid' FROM n`,
    )
      .bind(ev.eventId, dev.device_id, MAX_DELTA_CHANGES)
      .run();
    const many = await call("GET", `${bundlePath(ev.eventId)}?since=${full.cursor}`, { token: dev.token });
    expect(many.body).toMatchObject({ kind: "full_bundle_needed", reason: "too_many_changes" });
    const fresh = await fullBundle(ev.eventId, dev);
    expect(fresh.checked_in).toHaveLength(MAX_DELTA_CHANGES + 1);
    expect(await poll(ev.eventId, dev, fresh.cursor)).toMatchObject({ revoked: [], checked_in: [] });
  });

  it("answers 400 invalid_request for a bad, foreign or made-up cursor, and changes nothing", async ({ expect }) => {
    const ev = await publishedEvent();
    const otherEv = await publishedEvent();
    const dev = await enrol(ev.eventId, ev.organizerToken);
    const otherDev = await enrol(otherEv.eventId, otherEv.organizerToken);
    const t = await insertTicket(ev.eventId);
    await upload(ev.eventId, dev, [{ ticket_id: t, scanned_at: "2030-01-01T20:00:00.000Z" }]);
    const mine = await fullBundle(ev.eventId, dev);
    const foreign = await fullBundle(otherEv.eventId, otherDev);
    const decoded = JSON.parse(atob(mine.cursor.replaceAll("-", "+").replaceAll("_", "/")));
    const count = async () =>
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM gate_changes").first<{ n: number }>())?.n;
    const before = await count();
    const cases = [
      "",
      "not a cursor!",
      "bm90IGpzb24", // base64url of "not json"
      encodeURIComponent(btoa(JSON.stringify({ v: 1, e: ev.eventId, s: -1, k: "x" }))),
      encodeURIComponent(btoa(JSON.stringify({ v: 2, e: ev.eventId, s: 1, k: "x" }))),
      "x".repeat(400),
      foreign.cursor, // another event's
      encodeCursor({ eventId: ev.eventId, seq: decoded.s + 1_000_000, keys: decoded.k }), // never handed out
    ];
    for (const since of cases) {
      const res = await call("GET", `${bundlePath(ev.eventId)}?since=${since}`, { token: dev.token });
      expect(res.status, since.slice(0, 40)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.details.issues[0].path).toBe("since");
    }
    expect(await count()).toBe(before);
    expect((await poll(ev.eventId, dev, mine.cursor)).checked_in).toEqual([]);
  });

  it("refuses other events' devices, organizers and missing tokens, as the full bundle does", async ({ expect }) => {
    const ev = await publishedEvent();
    const otherEv = await publishedEvent();
    const dev = await enrol(ev.eventId, ev.organizerToken);
    const otherDev = await enrol(otherEv.eventId, otherEv.organizerToken);
    const { cursor } = await fullBundle(ev.eventId, dev);
    const path = `${bundlePath(ev.eventId)}?since=${cursor}`;
    expect((await call("GET", path, { token: otherDev.token })).status).toBe(403);
    expect((await call("GET", path, { token: ev.organizerToken })).status).toBe(403);
    expect((await call("GET", path)).status).toBe(401);
    expect((await call("GET", `/api/v1/gate/events/evt_nope/bundle?since=${cursor}`, { token: dev.token })).status).toBe(403);
  });
});
