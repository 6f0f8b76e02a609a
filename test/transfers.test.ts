import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { sendTransferOffer } from "../src/worker/email/transfer-offer";
import { getOrder, paidOrder } from "./support/checkout";
import { publishedEvent, signupBuyer, uniqueEmail } from "./support/fixtures";
import { call } from "./support/http";
import { enrolGate, resaleState, scan, seatViolations } from "./support/resale";

const transfer = (token: string, ticketId: string, body: unknown) => call("POST", `/api/v1/tickets/${ticketId}/transfer`, { token, body });
const accept = (token: string, id: string) => call("POST", `/api/v1/transfers/${id}/accept`, { token });
const cancel = (token: string, id: string) => call("POST", `/api/v1/transfers/${id}/cancel`, { token });

async function ticketOf(seat = "R-A-1") {
  const ev = await publishedEvent();
  const seller = await signupBuyer();
  const { paid, order } = await paidOrder(ev, seller, { seats: [seat] });
  return { ev, seller, ticket: paid.tickets[0], order };
}

describe("ticket transfer", () => {
  it("reissues the ticket to the recipient and revokes the old one, which reaches the gate as a revocation", async ({ expect }) => {
    const { ev, seller, ticket, order } = await ticketOf();
    const dev = await enrolGate(ev);
    const full = await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle`, { token: dev.token });
    const friend = await signupBuyer();

    const res = await transfer(seller.token, ticket.ticket_id, { to_email: ` ${friend.email.toUpperCase()} ` });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ticket_id: ticket.ticket_id, to_email: friend.email, status: "pending" });
    expect(Date.parse(res.body.expires_at)).toBeGreaterThan(Date.now());
    expect((await call("GET", "/api/v1/me/transfers", { token: seller.token })).body).toMatchObject({
      incoming: [],
      outgoing: [{ transfer_id: res.body.transfer_id, status: "pending" }],
    });
    expect((await call("GET", "/api/v1/me/transfers", { token: friend.token })).body.incoming.map((t: any) => t.transfer_id)).toEqual([
      res.body.transfer_id,
    ]);
    // While pending the ticket is still valid (gets in) but locked.
    expect((await call("GET", `/api/v1/tickets/${ticket.ticket_id}`, { token: seller.token })).body.status).toBe("valid");
    const again = await transfer(seller.token, ticket.ticket_id, { to_email: uniqueEmail() });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("ticket_locked");

    // Only the recipient can accept; the sender cannot.
    expect((await accept(seller.token, res.body.transfer_id)).status).toBe(404);
    const ok = await accept(friend.token, res.body.transfer_id);
    expect(ok.status).toBe(200);
    const fresh = ok.body.ticket;
    expect(fresh.ticket_id).not.toBe(ticket.ticket_id);
    expect(fresh).toMatchObject({ seat_label: "R-A-1", status: "valid", event_id: ev.eventId });
    const claims = JSON.parse(atob(fresh.jwt.split(".")[1].replaceAll("-", "+").replaceAll("_", "/")));
    expect(claims.jti).toBe(fresh.ticket_id);
    expect((await call("GET", `/api/v1/tickets/${ticket.ticket_id}`, { token: seller.token })).body.status).toBe("revoked");
    expect((await call("GET", `/api/v1/tickets/${fresh.ticket_id}`, { token: friend.token })).body.status).toBe("valid");
    // The sender's order no longer shows (nor hands out) the recipient's ticket.
    const sellerOrder = (await getOrder(seller, order.order_id)).body;
    expect(sellerOrder.tickets.map((t: any) => [t.ticket_id, t.status])).toEqual([[ticket.ticket_id, "revoked"]]);
    // Accepting again answers the same ticket; the transfer is done.
    expect((await accept(friend.token, res.body.transfer_id)).body.ticket.ticket_id).toBe(fresh.ticket_id);
    expect((await cancel(seller.token, res.body.transfer_id)).body.error.code).toBe("transfer_not_pending");

    const delta = await call("GET", `/api/v1/gate/events/${ev.eventId}/bundle?since=${encodeURIComponent(full.body.cursor)}`, { token: dev.token });
    expect(delta.body.kind).toBe("delta");
    expect(delta.body.revoked).toEqual([ticket.ticket_id]);
    expect(await seatViolations(ev.eventId)).toEqual([]);
  });

  it("answers the same whether or not the address has an account, and emails the recipient", async ({ expect }) => {
    const { seller, ticket } = await ticketOf();
    const nobody = uniqueEmail("nobody");
    const res = await transfer(seller.token, ticket.ticket_id, { to_email: nobody });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["created_at", "decided_at", "event_id", "expires_at", "status", "ticket_id", "to_email", "transfer_id"]);
    const sent: any[] = [];
    const fakeEnv = { ...env, EMAIL: { send: async (m: unknown) => { sent.push(m); return { messageId: "m" }; } } } as unknown as Env;
    expect(await sendTransferOffer(fakeEnv, res.body.transfer_id)).toBe("sent");
    expect(sent[0].to).toBe(nobody);
    expect(sent[0].text).toContain(res.body.transfer_id);
    // Someone who signs up later with that address can accept it.
    const later = await call("POST", "/api/v1/auth/signup", { body: { email: nobody, password: "fixture-password", name: "Later" } });
    expect((await accept(later.body.token, res.body.transfer_id)).status).toBe(200);
  });

  it("the sender can cancel while pending; then the ticket is free again", async ({ expect }) => {
    const { seller, ticket } = await ticketOf();
    const friend = await signupBuyer();
    const t = (await transfer(seller.token, ticket.ticket_id, { to_email: friend.email })).body;
    expect((await cancel(friend.token, t.transfer_id)).status).toBe(404);
    const res = await cancel(seller.token, t.transfer_id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("cancelled");
    expect((await accept(friend.token, t.transfer_id)).body.error.code).toBe("transfer_not_pending");
    expect((await transfer(seller.token, ticket.ticket_id, { to_email: friend.email })).status).toBe(201);
  });

  it("a checked-in ticket cannot be transferred, and a transfer accepted after check-in fails", async ({ expect }) => {
    const { ev, seller, ticket } = await ticketOf();
    const friend = await signupBuyer();
    const t = (await transfer(seller.token, ticket.ticket_id, { to_email: friend.email })).body;
    const dev = await enrolGate(ev);
    expect((await scan(ev, dev, ticket.ticket_id)).status).toBe(200);
    const res = await accept(friend.token, t.transfer_id);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("ticket_not_valid");
    expect((await call("GET", "/api/v1/me/tickets", { token: friend.token })).body.tickets).toEqual([]);
    const again = await transfer(seller.token, ticket.ticket_id, { to_email: uniqueEmail() });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("ticket_not_valid");
  });

  it("bad input on every route: the contract's error shape and nothing changed", async ({ expect }) => {
    const { ev, seller, ticket } = await ticketOf();
    const other = await signupBuyer();
    const t = (await transfer(seller.token, ticket.ticket_id, { to_email: other.email })).body;
    const before = await resaleState(ev.eventId);
    const cases: [string, string, { token?: string; body?: unknown; rawBody?: string }, number, string][] = [
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/transfer`, { body: { to_email: other.email } }, 401, "unauthenticated"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/transfer`, { token: seller.token, body: { to_email: "not-an-email" } }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/transfer`, { token: seller.token, body: {} }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/transfer`, { token: seller.token, body: { to_email: other.email, x: 1 } }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/transfer`, { token: seller.token, rawBody: "{nope" }, 400, "invalid_request"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/transfer`, { token: other.token, body: { to_email: other.email } }, 404, "not_found"],
      ["POST", `/api/v1/tickets/tkt_nope/transfer`, { token: seller.token, body: { to_email: other.email } }, 404, "not_found"],
      ["POST", `/api/v1/tickets/${ticket.ticket_id}/transfer`, { token: seller.token, body: { to_email: other.email } }, 409, "ticket_locked"],
      ["GET", `/api/v1/me/transfers`, {}, 401, "unauthenticated"],
      ["POST", `/api/v1/transfers/${t.transfer_id}/accept`, {}, 401, "unauthenticated"],
      ["POST", `/api/v1/transfers/trf_nope/accept`, { token: other.token }, 404, "not_found"],
      ["POST", `/api/v1/transfers/${t.transfer_id}/accept`, { token: seller.token }, 404, "not_found"],
      ["POST", `/api/v1/transfers/${t.transfer_id}/cancel`, {}, 401, "unauthenticated"],
      ["POST", `/api/v1/transfers/${t.transfer_id}/cancel`, { token: other.token }, 404, "not_found"],
      ["POST", `/api/v1/transfers/trf_nope/cancel`, { token: seller.token }, 404, "not_found"],
    ];
    for (const [method, path, opts, status, code] of cases) {
      const res = await call(method, path, opts);
      expect([path, res.status, res.body.error?.code]).toEqual([path, status, code]);
      expect(typeof res.body.error.message).toBe("string");
    }
    expect(await resaleState(ev.eventId)).toEqual(before);
  });

  it("races: many transfers of one ticket give one pending; accept racing cancel ends in exactly one of them", async ({ expect }) => {
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 10 }], gaCapacity: 0, overrides: { max_tickets_per_user: 10 } });
    const seller = await signupBuyer();
    const { paid } = await paidOrder(ev, seller, { seats: Array.from({ length: 10 }, (_, i) => `R-A-${i + 1}`) });
    const friends = await Promise.all(Array.from({ length: 3 }, () => signupBuyer()));
    for (const tk of paid.tickets as any[]) {
      const tries = await Promise.all(friends.map((f) => transfer(seller.token, tk.ticket_id, { to_email: f.email })));
      expect(tries.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      const won = tries.find((r) => r.status === 201)!.body;
      const friend = friends.find((f) => f.email === won.to_email)!;
      const [a, c] = await Promise.all([accept(friend.token, won.transfer_id), cancel(seller.token, won.transfer_id)]);
      expect([a.status, c.status].sort()).toEqual([200, 409]);
      const after = (await call("GET", "/api/v1/me/transfers", { token: seller.token })).body.outgoing.find((x: any) => x.transfer_id === won.transfer_id);
      expect(after.status).toBe(a.status === 200 ? "accepted" : "cancelled");
    }
    expect(await seatViolations(ev.eventId)).toEqual([]);
    const valid = await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE event_id = ? AND status = 'valid'").bind(ev.eventId).first<{ n: number }>();
    expect(valid?.n).toBe(10);
  });
});
