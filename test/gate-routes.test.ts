import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, it } from "vitest";
import { prepareVerifier, verifyTicket } from "../src/gate-scanner/verify";
import { verifySessionToken } from "../src/worker/auth/tokens";
import { getOrder, paidOrder } from "./support/checkout";
import { publishedEvent, signupBuyer, signupOrganizer } from "./support/fixtures";
import { call } from "./support/http";

async function enrol(eventId: string, organizerToken: string, name = "Gate A") {
  const res = await call("POST", `/api/v1/admin/events/${eventId}/gate-devices`, { token: organizerToken, body: { name } });
  if (res.status !== 201) throw new Error(`enrol: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { device_id: string; token: string; enroll_url: string };
}

const scan = (ticket_id: string, scanned_at: string, verdict = "valid") => ({ ticket_id, scanned_at, verdict });
const tid = () => `tkt_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;

/** A ticket row as checkout writes it; the gate only reads id, event and status. */
async function insertTicket(eventId: string, status: "valid" | "revoked" = "valid") {
  const id = tid();
  await env.DB.prepare(
    `INSERT INTO tickets (id, order_id, order_item_id, user_id, event_id, section_key, seat_label, status, kid, jwt, expires_at)
     VALUES (?, 'ord_x', ?, 'usr_x', ?, 'GA', NULL, ?, 'k', 'jwt', '2999-01-01T00:00:00.000Z')`,
  )
    .bind(id, `itm_${id}`, eventId, status)
    .run();
  return id;
}
const ticketStatus = async (id: string) =>
  (await env.DB.prepare("SELECT status FROM tickets WHERE id = ?").bind(id).first<{ status: string }>())?.status;

describe("POST /api/v1/admin/events/:eventId/gate-devices", () => {
  it("enrols a staff device bound to the event, token in the URL fragment", async ({ expect }) => {
    const ev = await publishedEvent();
    const res = await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, {
      token: ev.organizerToken,
      body: { name: "North gate" },
    });
    expect(res.status).toBe(201);
    expect(res.body.device_id).toMatch(/^gdv_/);
    expect(res.body.enroll_url).toBe(`${env.PUBLIC_ORIGIN}/gate/#enroll=${res.body.token}`);
    const principal = await verifySessionToken(env, res.body.token);
    expect(principal).toEqual({ role: "staff", userId: res.body.device_id, deviceId: res.body.device_id, eventId: ev.eventId });
    // The device works until a day after the event ends, then needs a new enrolment.
    const { exp } = decodeJwt(res.body.token);
    const endsAt = Date.parse(String(ev.event.ends_at)) / 1000;
    expect(Math.abs(exp! - (endsAt + 86_400))).toBeLessThan(60);
  });

  it("is the owning organizer's only: 404 for another organizer, 403 for a buyer, 401 without a token", async ({
    expect,
  }) => {
    const ev = await publishedEvent();
    const other = await signupOrganizer();
    const buyer = await signupBuyer();
    const path = `/api/v1/admin/events/${ev.eventId}/gate-devices`;
    expect((await call("POST", path, { token: other.token, body: { name: "x" } })).status).toBe(404);
    expect((await call("POST", path, { token: buyer.token, body: { name: "x" } })).status).toBe(403);
    expect((await call("POST", path, { body: { name: "x" } })).status).toBe(401);
    const missing = await call("POST", `/api/v1/admin/events/evt_nope/gate-devices`, { token: ev.organizerToken, body: { name: "x" } });
    expect(missing.status).toBe(404);
    const bad = await call("POST", path, { token: ev.organizerToken, body: { name: "   " } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
  });
});

describe("GET /api/v1/gate/events/:eventId/bundle", () => {
  it("gives the event, the JWKS, the revoked ids and the check-ins to the event's own devices", async ({ expect }) => {
    const ev = await publishedEvent();
    const dev = await enrol(ev.eventId, ev.organizerToken);
    const revoked = await insertTicket(ev.eventId, "revoked");
    await insertTicket(ev.eventId, "valid");
    const res = await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: dev.token });
    expect(res.status).toBe(200);
    expect(res.body.event).toMatchObject({ event_id: ev.eventId, ticket_issuer: env.TICKET_ISSUER });
    expect(res.body.jwks.keys.length).toBeGreaterThanOrEqual(1);
    expect(res.body.jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(res.body.jwks.keys[0].d).toBeUndefined();
    expect(res.body.revoked).toEqual([revoked]);
    expect(Date.parse(res.body.generated_at)).not.toBeNaN();
    expect(res.body.device).toEqual({ device_id: dev.device_id, name: "Gate A" });
  });

  it("refuses other events' devices, users and missing tokens", async ({ expect }) => {
    const ev = await publishedEvent();
    const otherEv = await publishedEvent();
    const otherDev = await enrol(otherEv.eventId, otherEv.organizerToken);
    const path = `/api/v1/gate/events/${ev.eventId}/bundle`;
    expect((await call("GET", path, { token: otherDev.token })).status).toBe(403);
    expect((await call("GET", path, { token: ev.organizerToken })).status).toBe(403);
    expect((await call("GET", path)).status).toBe(401);
  });
});

describe("POST /api/v1/gate/events/:eventId/scans", () => {
  it("checks valid tickets in, keeps the first scan across devices and reports later ones", async ({ expect }) => {
    const ev = await publishedEvent();
    const a = await enrol(ev.eventId, ev.organizerToken, "Gate A");
    const b = await enrol(ev.eventId, ev.organizerToken, "Gate B");
    const [t1, t2, revoked] = [await insertTicket(ev.eventId), await insertTicket(ev.eventId), await insertTicket(ev.eventId, "revoked")];
    const path = `/api/v1/gate/events/${ev.eventId}/scans`;

    // Gate B uploads first, but gate A scanned t1 earlier while offline: A's scan is the first.
    const fromB = await call("POST", path, {
      token: b.token,
      body: { device_id: b.device_id, scans: [scan(t1, "2030-01-01T20:00:05Z"), scan(t2, "2030-01-01T20:00:06Z")] },
    });
    expect(fromB.status).toBe(200);
    expect(fromB.body).toMatchObject({ accepted: 2, new_scans: 2, duplicates: [] });
    const fromA = await call("POST", path, {
      token: a.token,
      body: {
        device_id: a.device_id,
        scans: [scan(t1, "2030-01-01T20:00:01Z"), scan(revoked, "2030-01-01T20:00:02Z", "REVOKED")],
      },
    });
    expect(fromA.body).toMatchObject({ accepted: 2, new_scans: 2, duplicates: [] });
    expect(await ticketStatus(t1)).toBe("checked_in");
    expect(await ticketStatus(t2)).toBe("checked_in");
    expect(await ticketStatus(revoked)).toBe("revoked");

    // Re-sending B's batch changes nothing and now names A's earlier scan as the first.
    const again = await call("POST", path, {
      token: b.token,
      body: { device_id: b.device_id, scans: [scan(t1, "2030-01-01T20:00:05.000+00:00"), scan(t2, "2030-01-01T20:00:06Z")] },
    });
    expect(again.body).toEqual({
      accepted: 2,
      new_scans: 0,
      duplicates: [
        { ticket_id: t1, first_scanned_at: "2030-01-01T20:00:01.000Z", first_device_id: a.device_id, first_device_name: "Gate A", valid_scans: 2 },
      ],
      revoked: [],
    });
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM gate_scans WHERE event_id = ?").bind(ev.eventId).first<{ n: number }>();
    expect(count?.n).toBe(4);

    // The bundle carries the first entries, so every gate can show DUPLICATE offline.
    const bundle = await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: b.token });
    expect(bundle.body.checked_in).toEqual(
      expect.arrayContaining([
        { ticket_id: t1, first_scanned_at: "2030-01-01T20:00:01.000Z", first_device_id: a.device_id, first_device_name: "Gate A", valid_scans: 2 },
        { ticket_id: t2, first_scanned_at: "2030-01-01T20:00:06.000Z", first_device_id: b.device_id, first_device_name: "Gate B", valid_scans: 1 },
      ]),
    );
  });

  it("settles equal scan times by device id, the same way for both devices", async ({ expect }) => {
    const ev = await publishedEvent();
    const devs = [await enrol(ev.eventId, ev.organizerToken, "A"), await enrol(ev.eventId, ev.organizerToken, "B")];
    const t = await insertTicket(ev.eventId);
    const at = "2030-01-01T20:00:00Z";
    const path = `/api/v1/gate/events/${ev.eventId}/scans`;
    const answers = await Promise.all(
      devs.map((d) => call("POST", path, { token: d.token, body: { device_id: d.device_id, scans: [scan(t, at)] } })),
    );
    const winner = [...devs].sort((x, y) => (x.device_id < y.device_id ? -1 : 1))[0]!;
    // Both uploads raced; whichever landed second is told about the winner. Re-send to read both views.
    const views = await Promise.all(
      devs.map((d) => call("POST", path, { token: d.token, body: { device_id: d.device_id, scans: [scan(t, at)] } })),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    for (const [i, d] of devs.entries()) {
      const dups = views[i]!.body.duplicates;
      if (d.device_id === winner.device_id) expect(dups).toEqual([]);
      else expect(dups).toMatchObject([{ ticket_id: t, first_device_id: winner.device_id }]);
    }
  });

  it("racing uploads from many devices, each sent three times at once, store each scan once and agree on the first", async ({
    expect,
  }) => {
    const ev = await publishedEvent();
    const devices = await Promise.all(Array.from({ length: 8 }, (_, i) => enrol(ev.eventId, ev.organizerToken, `Gate ${i}`)));
    const t = await insertTicket(ev.eventId);
    // Device i scanned at 20:00:(10 - i): the last device enrolled scanned first.
    const at = (i: number) => `2030-01-01T20:00:${String(10 - i).padStart(2, "0")}.000Z`;
    const path = `/api/v1/gate/events/${ev.eventId}/scans`;
    const sends = devices.flatMap((d, i) =>
      [0, 1, 2].map(() => call("POST", path, { token: d.token, body: { device_id: d.device_id, scans: [scan(t, at(i))] } })),
    );
    const answers = await Promise.all(sends);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.reduce((n, a) => n + a.body.new_scans, 0)).toBe(devices.length);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM gate_scans WHERE ticket_id = ?").bind(t).first<{ n: number }>();
    expect(rows?.n).toBe(devices.length);
    const first = devices[devices.length - 1]!;
    const views = await Promise.all(
      devices.map((d, i) => call("POST", path, { token: d.token, body: { device_id: d.device_id, scans: [scan(t, at(i))] } })),
    );
    for (const [i, v] of views.entries()) {
      if (devices[i] === first) expect(v.body.duplicates).toEqual([]);
      else expect(v.body.duplicates).toMatchObject([{ ticket_id: t, first_device_id: first.device_id, first_scanned_at: at(devices.length - 1), valid_scans: 8 }]);
    }
    expect(await ticketStatus(t)).toBe("checked_in");
  });

  it("tells a device that a ticket it admitted was revoked after its last sync", async ({ expect }) => {
    const ev = await publishedEvent();
    const d = await enrol(ev.eventId, ev.organizerToken);
    const t = await insertTicket(ev.eventId, "revoked");
    const res = await call("POST", `/api/v1/gate/events/${ev.eventId}/scans`, {
      token: d.token,
      body: { device_id: d.device_id, scans: [scan(t, "2030-01-01T20:00:00Z")] },
    });
    expect(res.body.revoked).toEqual([t]);
    expect(await ticketStatus(t)).toBe("revoked");
  });

  it("rejects bad input and foreign devices without storing anything", async ({ expect }) => {
    const ev = await publishedEvent();
    const d = await enrol(ev.eventId, ev.organizerToken);
    const other = await enrol(ev.eventId, ev.organizerToken, "Other");
    const otherEv = await publishedEvent();
    const foreign = await enrol(otherEv.eventId, otherEv.organizerToken);
    const path = `/api/v1/gate/events/${ev.eventId}/scans`;
    const ok = scan(tid(), "2030-01-01T20:00:00Z");
    const cases: [unknown, number][] = [
      [{ device_id: d.device_id, scans: [{ ...ok, scanned_at: "yesterday" }] }, 400],
      [{ device_id: d.device_id, scans: [{ ...ok, verdict: "maybe" }] }, 400],
      [{ device_id: d.device_id, scans: [{ ...ok, ticket_id: "x'; DROP TABLE tickets" }] }, 400],
      [{ device_id: d.device_id, scans: Array.from({ length: 201 }, (_, i) => scan(`t${i}`, ok.scanned_at)) }, 400],
      [{ scans: [ok] }, 400],
      [{ device_id: other.device_id, scans: [ok] }, 403],
    ];
    for (const [body, status] of cases) {
      const res = await call("POST", path, { token: d.token, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body.error.code).toBe(status === 400 ? "invalid_request" : "forbidden");
    }
    expect((await call("POST", path, { token: d.token, rawBody: "{not json" })).status).toBe(400);
    expect((await call("POST", path, { token: foreign.token, body: { device_id: foreign.device_id, scans: [ok] } })).status).toBe(403);
    expect((await call("POST", path, { token: ev.organizerToken, body: { device_id: d.device_id, scans: [ok] } })).status).toBe(403);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM gate_scans WHERE event_id = ?").bind(ev.eventId).first<{ n: number }>();
    expect(count?.n).toBe(0);
  });
});

describe("bundle and scans with tickets bought through checkout", () => {
  it("lets kept tickets in and refunded ones not, offline from the bundle; the upload checks them in", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const kept = await paidOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    const refunded = await paidOrder(ev, buyer, { seats: ["R-B-1"] });
    const refund = await call("POST", `/api/v1/admin/orders/${refunded.order.order_id}/refund`, { token: ev.organizerToken });
    expect(refund.status).toBe(200);
    const keptTickets = kept.paid.tickets as { ticket_id: string; jwt: string; seat_label: string }[];
    const revokedTicket = (await getOrder(buyer, refunded.order.order_id)).body.tickets[0] as { ticket_id: string; jwt: string };

    const dev = await enrol(ev.eventId, ev.organizerToken);
    const bundle = await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: dev.token });
    expect(bundle.body.revoked).toEqual([revokedTicket.ticket_id]);

    // The device decides with nothing but the bundle.
    const verifier = await prepareVerifier(bundle.body);
    const ctx = { now: Date.now(), firstScanHere: () => undefined };
    for (const t of keptTickets)
      expect(await verifyTicket(t.jwt, verifier, ctx)).toMatchObject({ verdict: "VALID", ticketId: t.ticket_id, seat: t.seat_label });
    expect(await verifyTicket(revokedTicket.jwt, verifier, ctx)).toMatchObject({ verdict: "REVOKED" });

    const at = new Date().toISOString();
    const upload = await call("POST", `/api/v1/gate/events/${ev.eventId}/scans`, {
      token: dev.token,
      body: {
        device_id: dev.device_id,
        scans: [scan(keptTickets[0]!.ticket_id, at), scan(revokedTicket.ticket_id, at, "revoked")],
      },
    });
    expect(upload.body).toMatchObject({ accepted: 2, duplicates: [], revoked: [] });
    const after = (await getOrder(buyer, kept.order.order_id)).body.tickets as { ticket_id: string; status: string }[];
    expect(Object.fromEntries(after.map((t) => [t.ticket_id, t.status]))).toEqual({
      [keptTickets[0]!.ticket_id]: "checked_in",
      [keptTickets[1]!.ticket_id]: "valid",
    });
    expect((await getOrder(buyer, refunded.order.order_id)).body.tickets[0].status).toBe("revoked");
  });
});
