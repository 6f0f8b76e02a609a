import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { gateway, getOrder, invariantViolations, localPayment, pendingOrder, sectionSnapshot } from "./support/checkout";

const b64urlDecode = (s: string) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));

/**
 * Verifies a ticket JWT against the published JWKS with WebCrypto directly (not jose, not
 * the signing code): the independent check a gate would make.
 */
async function verifyWithJwks(jwt: string, jwks: { keys: { kid: string; kty: string; crv: string; x: string }[] }) {
  const [h, p, s] = jwt.split(".");
  const header = JSON.parse(new TextDecoder().decode(b64urlDecode(h!)));
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== "EdDSA") return { ok: false as const, header };
  const key = await crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
  const ok = await crypto.subtle.verify("Ed25519", key, b64urlDecode(s!), new TextEncoder().encode(`${h}.${p}`));
  return { ok, header, claims: JSON.parse(new TextDecoder().decode(b64urlDecode(p!))) };
}

describe("hold -> order -> test gateway succeed -> paid with tickets", () => {
  it("sells reserved seats and GA places, issues one verifiable ticket each", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order: placed } = await pendingOrder(ev, buyer, { seats: ["R-A-1", "R-A-2"] });
    expect(placed).toMatchObject({ status: "pending_payment", amount_cents: 10000, discount_cents: 0, payment: { provider: "local" } });
    expect(placed.payment.client_secret).toEqual(expect.any(String));

    const before = await getOrder(buyer, placed.order_id);
    expect(before.body).toMatchObject({ status: "pending_payment", tickets: [] });

    const paid = await gateway(placed.payment.payment_id, "succeed");
    expect(paid.status).toBe(200);
    const res = await getOrder(buyer, placed.order_id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("paid");
    expect(res.body.tickets).toHaveLength(2);
    expect(res.body.tickets.map((t: any) => t.seat_label).sort()).toEqual(["R-A-1", "R-A-2"]);
    for (const t of res.body.tickets) {
      expect(t).toMatchObject({ event_id: ev.eventId, section: "R", status: "valid" });
      expect(t.qr_svg_url).toBe(`${env.PUBLIC_ORIGIN}/api/v1/tickets/${t.ticket_id}/qr.svg`);
    }
    // Captured, not merely authorized; the seats are sold.
    expect((await localPayment(placed.payment.payment_id))?.status).toBe("succeeded");
    const snap = await sectionSnapshot(ev.eventId, "R");
    expect(snap.seats!.filter((s) => s.status === "sold").map((s) => s.label).sort()).toEqual(["R-A-1", "R-A-2"]);

    const ga = await pendingOrder(ev, buyer, { section: "GA", quantity: 3 });
    await gateway(ga.order.payment.payment_id, "succeed");
    const gaOrder = await getOrder(buyer, ga.order.order_id);
    expect(gaOrder.body.status).toBe("paid");
    expect(gaOrder.body.tickets.map((t: any) => [t.section, t.seat_label])).toEqual([
      ["GA", null],
      ["GA", null],
      ["GA", null],
    ]);

    const mine = await call("GET", "/api/v1/me/orders", { token: buyer.token });
    expect(mine.body.orders.map((o: any) => o.order_id).sort()).toEqual([placed.order_id, ga.order.order_id].sort());
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("each ticket verifies against /.well-known/jwks.json with WebCrypto; a tampered one does not", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order: placed } = await pendingOrder(ev, buyer, { seats: ["R-B-3"] });
    await gateway(placed.payment.payment_id, "succeed");
    const [ticket] = (await getOrder(buyer, placed.order_id)).body.tickets;

    const jwksRes = await call("GET", "/.well-known/jwks.json");
    expect(jwksRes.status).toBe(200);
    expect(jwksRes.body.keys.every((k: any) => k.d === undefined)).toBe(true);

    const verified = await verifyWithJwks(ticket.jwt, jwksRes.body);
    expect(verified.ok).toBe(true);
    expect(verified.header).toMatchObject({ alg: "EdDSA", kid: expect.any(String) });
    const endsAt = Date.parse(ev.event.ends_at);
    expect(verified.claims).toMatchObject({
      iss: env.TICKET_ISSUER,
      jti: ticket.ticket_id,
      evt: ev.eventId,
      sec: "R",
      seat: "R-B-3",
      ord: placed.order_id,
      exp: Math.floor(endsAt / 1000) + 24 * 3600,
    });
    expect(verified.claims.iat).toEqual(expect.any(Number));

    // Another seat in the payload, same signature.
    const [h, , s] = ticket.jwt.split(".");
    const forged = { ...verified.claims, seat: "R-A-1" };
    const forgedPayload = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect((await verifyWithJwks(`${h}.${forgedPayload}.${s}`, jwksRes.body)).ok).toBe(false);
    // One flipped signature bit.
    const sig = b64urlDecode(s);
    sig[0]! ^= 1;
    const badSig = btoa(String.fromCharCode(...sig)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect((await verifyWithJwks(`${h}.${ticket.jwt.split(".")[1]}.${badSig}`, jwksRes.body)).ok).toBe(false);
    expect(await invariantViolations(ev)).toEqual([]);
  });

  it("serves the QR code as SVG to the owner only", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const other = await signupBuyer();
    const { order: placed } = await pendingOrder(ev, buyer, { section: "GA", quantity: 1 });
    await gateway(placed.payment.payment_id, "succeed");
    const [ticket] = (await getOrder(buyer, placed.order_id)).body.tickets;
    const path = `/api/v1/tickets/${ticket.ticket_id}/qr.svg`;

    const svg = await call("GET", path, { token: buyer.token });
    expect(svg.status).toBe(200);
    expect(svg.headers.get("Content-Type")).toContain("image/svg+xml");
    expect(svg.body).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const width = Number(/width="(\d+)"/.exec(svg.body)![1]);
    expect(width).toBeGreaterThanOrEqual(400);

    expect((await call("GET", path, { token: other.token })).status).toBe(404);
    expect((await call("GET", path)).status).toBe(401);
    expect((await call("GET", `/api/v1/tickets/${ticket.ticket_id}`, { token: buyer.token })).body.jwt).toBe(ticket.jwt);
    expect((await call("GET", `/api/v1/orders/${placed.order_id}`, { token: other.token })).status).toBe(404);
  });

  it("queues exactly one confirmation email per paid order", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { order: placed } = await pendingOrder(ev, buyer, { section: "GA", quantity: 1 });
    await gateway(placed.payment.payment_id, "succeed");
    const row = await env.DB.prepare("SELECT email_queued_at FROM orders WHERE id = ?").bind(placed.order_id).first<{ email_queued_at: string | null }>();
    expect(row?.email_queued_at).toEqual(expect.any(String));
  });
});
