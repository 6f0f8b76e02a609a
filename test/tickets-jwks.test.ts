import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { publicJwks } from "../src/platform/tickets/keys";
import { ticketSigner } from "../src/platform/tickets/sign";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { paidOrder } from "./support/checkout";

async function newPrivateJwk(kid: string) {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return { ...(await crypto.subtle.exportKey("jwk", pair.privateKey)), kid };
}

const keysOf = (env2: Env) => publicJwks(env2).then((j) => j.keys.map((k) => k.kid));

describe("JWKS across key rotation", () => {
  it("publishes the current key and every older key with still-valid tickets, no private parts", async ({ expect }) => {
    const oldKid = `old-${crypto.randomUUID()}`;
    const newKid = `new-${crypto.randomUUID()}`;
    const oldKey = await newPrivateJwk(oldKid);
    const newKey = await newPrivateJwk(newKid);
    const before = { ...env, TICKET_SIGNING_KEYS: JSON.stringify([oldKey]) } as Env;
    const after = { ...env, TICKET_SIGNING_KEYS: JSON.stringify([newKey, oldKey]) } as Env;

    // A ticket signed before the rotation.
    const signer = await ticketSigner(before);
    const ticketId = `tkt_${crypto.randomUUID()}`;
    const exp = Math.floor(Date.now() / 1000) + 86400;
    const jwt = await signer.sign({ ticketId, eventId: "evt_x", sectionKey: "GA", seatLabel: null, orderId: "ord_x", exp });
    // Stored as the app stores tickets: with the signer's key record in the same batch.
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO tickets (id, order_id, order_item_id, user_id, event_id, section_key, seat_label, status, kid, jwt, expires_at)
         VALUES (?, 'ord_x', ?, 'usr_x', 'evt_x', 'GA', NULL, 'valid', ?, ?, ?)`,
      ).bind(ticketId, `itm_${crypto.randomUUID()}`, oldKid, jwt, new Date(exp * 1000).toISOString()),
      signer.remember,
    ]);

    expect(await keysOf(after)).toEqual([newKid, oldKid]);
    const jwks = await publicJwks(after);
    for (const k of jwks.keys) expect(Object.keys(k).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);

    // The old key also stays once it is dropped from the secret, as long as its tickets are valid.
    const dropped = { ...env, TICKET_SIGNING_KEYS: JSON.stringify([newKey]) } as Env;
    expect(await keysOf(dropped)).toEqual([newKid, oldKid]);

    // Revoked (or expired) tickets no longer keep it published.
    await env.DB.prepare("UPDATE tickets SET status = 'revoked' WHERE id = ?").bind(ticketId).run();
    expect(await keysOf(dropped)).toEqual([newKid]);
  });

  it("GET /.well-known/jwks.json serves the current key as JSON, cacheable", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { paid } = await paidOrder(ev, buyer, { section: "GA", quantity: 1 });
    const res = await call("GET", "/.well-known/jwks.json");
    expect(res.status).toBe(200);
    const header = JSON.parse(atob(paid.tickets[0].jwt.split(".")[0].replace(/-/g, "+").replace(/_/g, "/")));
    expect(res.body.keys.map((k: any) => k.kid)).toContain(header.kid);
    expect(res.headers.get("Cache-Control")).toContain("max-age");
  });
});
