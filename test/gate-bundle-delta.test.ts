// The scanner's side of incremental bundles (src/gate-scanner/bundle-delta.ts): deltas from the
// real server put into a verifier make the next scan DUPLICATE or REVOKED; merged deltas on top
// of the stored full bundle give the same verdicts after a restart; repeats are harmless.
import { describe, it } from "vitest";
import {
  applyToVerifier,
  entryConflicts,
  mergeDelta,
  withOverlay,
} from "../src/gate-scanner/bundle-delta";
import { prepareVerifier, verifyTicket } from "../src/gate-scanner/verify";
import type { CheckedIn, GateBundle, GateBundleDelta, HeldGateBundle } from "../src/shared/gate";
import { getOrder, paidOrder } from "./support/checkout";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";

const entry = (ticket_id: string, first_device_id: string, first_scanned_at: string, valid_scans = 1): CheckedIn => ({
  ticket_id,
  first_device_id,
  first_scanned_at,
  first_device_name: first_device_id.toUpperCase(),
  valid_scans,
});
const delta = (cursor: string, revoked: string[], checked_in: CheckedIn[]): GateBundleDelta => ({
  kind: "delta",
  cursor,
  revoked,
  checked_in,
  generated_at: "2030-01-01T20:00:00.000Z",
});

describe("merging deltas on the device", () => {
  it("adds revocations once, replaces entries by ticket and keeps the newest cursor", ({ expect }) => {
    const one = mergeDelta(undefined, delta("c1", ["r1"], [entry("t1", "gate-b", "2030-01-01T20:05:00.000Z")]));
    const two = mergeDelta(
      one,
      delta("c2", ["r1", "r2"], [entry("t1", "gate-a", "2030-01-01T20:00:00.000Z", 2), entry("t2", "gate-b", "2030-01-01T20:06:00.000Z")]),
    );
    expect(two.cursor).toBe("c2");
    expect(two.revoked.sort()).toEqual(["r1", "r2"]);
    expect(two.checked_in).toEqual([entry("t1", "gate-a", "2030-01-01T20:00:00.000Z", 2), entry("t2", "gate-b", "2030-01-01T20:06:00.000Z")]);
    // The same delta again (the server re-sends after a lost answer) changes nothing.
    expect(mergeDelta(two, delta("c2", ["r2"], [entry("t2", "gate-b", "2030-01-01T20:06:00.000Z")]))).toEqual(two);
  });

  it("puts the overlay on top of the stored bundle, overlay entries winning", ({ expect }) => {
    const bundle: HeldGateBundle = {
      event: { event_id: "evt_1", name: "E" },
      jwks: { keys: [] },
      revoked: ["r0"],
      generated_at: "2030-01-01T19:00:00.000Z",
      cursor: "c0",
      checked_in: [entry("t0", "gate-a", "2030-01-01T19:30:00.000Z"), entry("t1", "gate-b", "2030-01-01T20:05:00.000Z")],
    };
    expect(withOverlay(bundle, undefined)).toBe(bundle);
    const known = withOverlay(bundle, mergeDelta(undefined, delta("c3", ["r0", "r1"], [entry("t1", "gate-a", "2030-01-01T20:00:00.000Z", 2)])));
    expect(known.cursor).toBe("c3");
    expect(known.revoked).toEqual(["r0", "r1"]);
    expect(known.checked_in).toEqual([entry("t0", "gate-a", "2030-01-01T19:30:00.000Z"), entry("t1", "gate-a", "2030-01-01T20:00:00.000Z", 2)]);
    expect(bundle.revoked).toEqual(["r0"]); // the stored bundle itself is not changed
  });

  it("finds conflicts for tickets let in here, from a delta as from a full bundle", ({ expect }) => {
    const here = new Map([
      ["mine-first", "2030-01-01T20:00:00.000Z"],
      ["theirs-first", "2030-01-01T20:10:00.000Z"],
      ["mine-twice", "2030-01-01T20:00:00.000Z"],
    ]);
    const found = entryConflicts(
      [
        entry("mine-first", "gate-a", "2030-01-01T20:00:00.000Z"),
        entry("theirs-first", "gate-b", "2030-01-01T20:01:00.000Z", 2),
        entry("mine-twice", "gate-a", "2030-01-01T20:00:00.000Z", 2),
        entry("not-here", "gate-b", "2030-01-01T20:00:00.000Z"),
      ],
      here,
      "gate-a",
    );
    expect(found.map((c) => [c.ticket_id, c.scanned_here_at])).toEqual([
      ["theirs-first", "2030-01-01T20:10:00.000Z"],
      ["mine-twice", "2030-01-01T20:00:00.000Z"],
    ]);
  });
});

describe("deltas from the real server change verdicts", () => {
  it("another gate's entry makes the next scan DUPLICATE and a refund makes it REVOKED, with no full bundle; a restart keeps both", async ({
    expect,
  }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const kept = await paidOrder(ev, buyer, { seats: ["R-A-1"] });
    const refunded = await paidOrder(ev, buyer, { seats: ["R-A-2"] });
    const [usedElsewhere] = kept.paid.tickets as { ticket_id: string; jwt: string }[];
    const [laterRefunded] = refunded.paid.tickets as { ticket_id: string; jwt: string }[];
    const enrol = async (name: string) =>
      (await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name } })).body as {
        device_id: string;
        token: string;
      };
    const [here, there] = [await enrol("Gate A"), await enrol("Gate B")];
    const path = `/api/v1/gate/events/${ev.eventId}/bundle`;

    const bundle = (await call("GET", path, { token: here.token })).body as GateBundle;
    const verifier = await prepareVerifier(bundle);
    const ctx = { now: Date.now(), firstScanHere: () => undefined };
    expect((await verifyTicket(usedElsewhere!.jwt, verifier, ctx)).verdict).toBe("VALID");
    expect((await verifyTicket(laterRefunded!.jwt, verifier, ctx)).verdict).toBe("VALID");

    const at = new Date().toISOString();
    const upload = await call("POST", `/api/v1/gate/events/${ev.eventId}/scans`, {
      token: there.token,
      body: { device_id: there.device_id, scans: [{ ticket_id: usedElsewhere!.ticket_id, scanned_at: at, verdict: "valid" }] },
    });
    expect(upload.status).toBe(200);
    expect((await call("POST", `/api/v1/admin/orders/${refunded.order.order_id}/refund`, { token: ev.organizerToken })).status).toBe(200);
    expect((await getOrder(buyer, refunded.order.order_id)).body.tickets[0].status).toBe("revoked");

    const d = (await call("GET", `${path}?since=${encodeURIComponent(bundle.cursor!)}`, { token: here.token })).body as GateBundleDelta;
    expect(d.kind).toBe("delta");
    applyToVerifier(verifier, d);
    expect(await verifyTicket(usedElsewhere!.jwt, verifier, ctx)).toMatchObject({
      verdict: "DUPLICATE",
      where: "elsewhere",
      firstDeviceName: "Gate B",
      firstScannedAt: at,
    });
    expect((await verifyTicket(laterRefunded!.jwt, verifier, ctx)).verdict).toBe("REVOKED");

    // After a restart the device has only what it stored: the old full bundle and the overlay.
    const restarted = await prepareVerifier(withOverlay(bundle, mergeDelta(undefined, d)));
    expect((await verifyTicket(usedElsewhere!.jwt, restarted, ctx)).verdict).toBe("DUPLICATE");
    expect((await verifyTicket(laterRefunded!.jwt, restarted, ctx)).verdict).toBe("REVOKED");
  });
});
