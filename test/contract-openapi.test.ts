/**
 * docs/openapi.json stays true to the app: every route the Hono app registers is documented
 * and every documented operation exists; references resolve; and real answers of the main
 * flow match the documented response schemas (a small JSON Schema subset checker below, since
 * no validator package is installed).
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import doc from "../docs/openapi.json";
import { app } from "../src/worker/index";
import { paidOrder, pendingOrder } from "./support/checkout";
import { createEvent, createVenue, publishedEvent, signupBuyer, signupOrganizer, uniqueEmail, PASSWORD } from "./support/fixtures";
import { call, type CallResult } from "./support/http";

type Schema = Record<string, any>;
const spec = doc as unknown as { paths: Record<string, Record<string, any>>; components: Record<string, Record<string, any>> };
const METHODS = ["get", "post", "put", "patch", "delete"];

/** `/api/v1/events/:eventId` -> `/api/v1/events/{eventId}` */
const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

function resolve(node: any): any {
  if (node && typeof node.$ref === "string") {
    const [, section, name] = /^#\/components\/(\w+)\/(\w+)$/.exec(node.$ref) ?? [];
    const target = section && name ? spec.components[section]?.[name] : undefined;
    if (!target) throw new Error(`unresolved ${node.$ref}`);
    // Siblings of $ref (3.1) add to the target.
    const { $ref: _ref, ...rest } = node;
    return Object.keys(rest).length ? { ...resolve(target), ...rest } : resolve(target);
  }
  return node;
}

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);

/** Problems of `value` against `schema` (type, required, properties, items, enum, const, oneOf, allOf, format date-time). */
function check(schema: Schema, value: unknown, path = "$"): string[] {
  const s = resolve(schema);
  const problems: string[] = [];
  if (s.allOf) for (const sub of s.allOf) problems.push(...check(sub, value, path));
  if (s.oneOf) {
    const matches = s.oneOf.filter((sub: Schema) => check(sub, value, path).length === 0).length;
    if (matches !== 1) problems.push(`${path}: matches ${matches} of oneOf`);
  }
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === "integer" && types.includes("number"))) return [...problems, `${path}: ${t}, expected ${types.join("|")}`];
  }
  if (s.const !== undefined && value !== s.const) problems.push(`${path}: ${JSON.stringify(value)} != const ${JSON.stringify(s.const)}`);
  if (s.enum && !s.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (s.format === "date-time" && typeof value === "string" && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value))
    problems.push(`${path}: ${value} is not RFC 3339 UTC`);
  if (typeOf(value) === "object") {
    const o = value as Record<string, unknown>;
    for (const k of s.required ?? []) if (!(k in o)) problems.push(`${path}.${k}: required`);
    for (const [k, sub] of Object.entries<Schema>(s.properties ?? {})) if (k in o) problems.push(...check(sub, o[k], `${path}.${k}`));
    if (s.additionalProperties && typeof s.additionalProperties === "object")
      for (const [k, v] of Object.entries(o)) if (!(k in (s.properties ?? {}))) problems.push(...check(s.additionalProperties, v, `${path}.${k}`));
  }
  if (Array.isArray(value) && s.items) value.forEach((v, i) => problems.push(...check(s.items, v, `${path}[${i}]`)));
  return problems;
}

/** The documented answer schema of `method path` for `res.status`; fails the test when the status is undocumented. */
function expectDocumented(expect: any, method: string, path: string, res: CallResult) {
  const op = spec.paths[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} documented`).toBeDefined();
  const response = resolve(op.responses[String(res.status)]);
  expect(response, `${method} ${path} documents status ${res.status}`).toBeDefined();
  const media = response.content && Object.keys(response.content)[0];
  if (media === "application/json") expect(check(response.content[media].schema, res.body), `${method} ${path} ${res.status}`).toEqual([]);
  else if (media) expect(res.headers.get("Content-Type") ?? "").toContain(media);
}

describe("the schema checker", () => {
  it("finds missing, mistyped, non-UTC and ambiguous values", ({ expect }) => {
    const hold = spec.components.schemas!.Hold;
    const good = { hold_id: "h", event_id: "e", seats: [], quantity: 1, expires_at: "2026-01-01T00:00:00.000Z", total_cents: 100 };
    expect(check(hold, good)).toEqual([]);
    expect(check(hold, { ...good, total_cents: 1.5 })).toEqual(["$.total_cents: number, expected integer"]);
    expect(check(hold, { ...good, expires_at: "2026-01-01T01:00:00+01:00" })).toHaveLength(1);
    const { quantity: _q, ...missing } = good;
    expect(check(hold, missing)).toEqual(["$.quantity: required"]);
    expect(check({ $ref: "#/components/schemas/QueuePlace" }, { queue_id: "q", status: "waiting", position: 1 })).not.toEqual([]);
    expect(check({ $ref: "#/components/schemas/Ticket" }, { ticket_id: "t", event_id: "e", section: "GA", seat_label: null, status: "used", jwt: "j", qr_svg_url: "u" })).toEqual([
      '$.status: "used" not in enum',
    ]);
  });
});

describe("docs/openapi.json", () => {
  it("is OpenAPI 3.1 and documents exactly the routes the app registers", ({ expect }) => {
    expect((doc as any).openapi).toMatch(/^3\.1\./);
    const registered = new Set(
      app.routes
        // The HTML pages (storefront, console) are not part of the HTTP API this document describes.
        .filter((r) => r.method !== "ALL" && !r.path.includes("*") && /^\/(api|\.well-known)\//.test(r.path))
        .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    );
    const documented = new Set(
      Object.entries(spec.paths).flatMap(([path, item]) => METHODS.filter((m) => m in item).map((m) => `${m} ${path}`)),
    );
    expect([...registered].filter((r) => !documented.has(r)), "registered but not documented").toEqual([]);
    expect([...documented].filter((d) => !registered.has(d)), "documented but not registered").toEqual([]);
  });

  it("every operation names its path parameters, a success answer and contract-shaped errors; every $ref resolves", ({ expect }) => {
    const refs: string[] = [];
    const walk = (n: unknown) => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === "object") for (const [k, v] of Object.entries(n)) k === "$ref" ? refs.push(v as string) : walk(v);
    };
    walk(doc);
    for (const r of refs) expect(() => resolve({ $ref: r }), r).not.toThrow();

    for (const [path, item] of Object.entries(spec.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const m of METHODS.filter((x) => x in item)) {
        const op = item[m];
        const params = (op.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name).sort();
        expect(params, `${m} ${path} path parameters`).toEqual(inPath);
        const statuses = Object.keys(op.responses);
        expect(statuses.some((s) => /^[12]\d\d$/.test(s)), `${m} ${path} success`).toBe(true);
        for (const s of statuses.filter((x) => /^[45]\d\d$/.test(x))) {
          const schema = resolve(op.responses[s]).content?.["application/json"]?.schema;
          expect(schema, `${m} ${path} ${s} error body`).toBeDefined();
          expect(check(schema, { error: { code: "x", message: "y", details: { issues: [] } } }), `${m} ${path} ${s}`).toEqual([]);
          expect(check(schema, { code: "x", message: "y" }), `${m} ${path} ${s} refuses other shapes`).not.toEqual([]);
        }
      }
    }
  });

  it("real answers of the main flow match the documented schemas", async ({ expect }) => {
    const org = await signupOrganizer();
    const email = uniqueEmail("oas");
    const expectDoc = async (method: string, path: string, actual: string, opts: Parameters<typeof call>[2] = {}) => {
      const res = await call(method, actual, opts);
      expectDocumented(expect, method, path, res);
      return res;
    };

    await expectDoc("POST", "/api/v1/auth/signup", "/api/v1/auth/signup", { body: { email, password: PASSWORD, name: "Oas" } });
    await expectDoc("POST", "/api/v1/auth/login", "/api/v1/auth/login", { body: { email, password: PASSWORD } });
    await expectDoc("POST", "/api/v1/auth/login", "/api/v1/auth/login", { body: { email, password: "wrong-password" } });
    await expectDoc("POST", "/api/v1/admin/venues", "/api/v1/admin/venues", {
      token: org.token,
      body: { name: "V", city: "C", sections: [{ key: "GA", name: "Floor", kind: "ga", capacity: 5, price_tier: "ga" }] },
    });
    const { venueId } = await createVenue(org.token);
    await expectDoc("GET", "/api/v1/admin/venues", "/api/v1/admin/venues", { token: org.token });
    await expectDoc("GET", "/api/v1/admin/venues/{venueId}", `/api/v1/admin/venues/${venueId}`, { token: org.token });
    const draft = await createEvent(org.token, venueId);
    await expectDoc("GET", "/api/v1/admin/events", "/api/v1/admin/events", { token: org.token });
    await expectDoc("GET", "/api/v1/admin/events/{eventId}", `/api/v1/admin/events/${draft.event_id}`, { token: org.token });
    await expectDoc("POST", "/api/v1/admin/events/{eventId}/publish", `/api/v1/admin/events/${draft.event_id}/publish`, { token: org.token });

    const ev = await publishedEvent({ overrides: { waiting_room: { enabled: true, admit_per_minute: 60, session_seconds: 300 } } });
    const plain = await publishedEvent();
    const buyer = await signupBuyer();
    const e = (rest = "", x = plain) => `/api/v1/events/${x.eventId}${rest}`;
    await expectDoc("GET", "/api/v1/events", "/api/v1/events?limit=2");
    await expectDoc("GET", "/api/v1/events/{eventId}", e());
    await expectDoc("GET", "/api/v1/events/{eventId}/seats", e("/seats"));
    await expectDoc("POST", "/api/v1/events/{eventId}/holds", e("/holds"), { token: buyer.token, body: { seats: ["R-A-1"] } });
    await expectDoc("POST", "/api/v1/events/{eventId}/holds", e("/holds"), { token: buyer.token, body: { seats: ["R-A-1"] } });
    await expectDoc("POST", "/api/v1/events/{eventId}/holds", e("/holds", ev), { token: buyer.token, body: { seats: ["R-A-1"] } });
    const ga = await expectDoc("POST", "/api/v1/events/{eventId}/holds", e("/holds"), { token: buyer.token, body: { section: "GA", quantity: 2 } });
    await expectDoc("GET", "/api/v1/holds/{holdId}", `/api/v1/holds/${ga.body.hold_id}`, { token: buyer.token });
    await expectDoc("DELETE", "/api/v1/holds/{holdId}", `/api/v1/holds/${ga.body.hold_id}`, { token: buyer.token });

    const q = await expectDoc("POST", "/api/v1/events/{eventId}/queue", e("/queue", ev), { token: buyer.token });
    await expectDoc("GET", "/api/v1/events/{eventId}/queue/{queueId}", e(`/queue/${q.body.queue_id}`, ev), { token: buyer.token });

    const pend = await pendingOrder(plain, buyer, { seats: ["R-B-1"] });
    await expectDoc("GET", "/api/v1/orders/{orderId}", `/api/v1/orders/${pend.order.order_id}`, { token: buyer.token });
    await expectDoc("POST", "/api/v1/orders/{orderId}/cancel", `/api/v1/orders/${pend.order.order_id}/cancel`, { token: buyer.token });
    const held = await call("POST", e("/holds"), { token: buyer.token, body: { seats: ["R-B-2"] } });
    await expectDoc("POST", "/api/v1/orders", "/api/v1/orders", {
      token: buyer.token,
      body: { hold_id: held.body.hold_id },
      headers: { "Idempotency-Key": crypto.randomUUID() },
    });
    const p = await pendingOrder(plain, buyer, { section: "GA", quantity: 1 });
    await expectDoc("POST", "/api/v1/test-gateway/payments/{paymentId}/succeed", `/api/v1/test-gateway/payments/${p.order.payment.payment_id}/succeed`);
    await expectDoc("POST", "/api/v1/test-gateway/payments/{paymentId}/succeed", `/api/v1/test-gateway/payments/${p.order.payment.payment_id}/succeed`);
    const f = await pendingOrder(plain, buyer, { seats: ["R-B-3"] });
    await expectDoc("POST", "/api/v1/test-gateway/payments/{paymentId}/fail", `/api/v1/test-gateway/payments/${f.order.payment.payment_id}/fail`);
    await expectDoc("POST", "/api/v1/payments/webhook", "/api/v1/payments/webhook", { rawBody: "{}", headers: { "Stripe-Signature": "t=1,v1=00" } });
    const paid = await paidOrder(plain, buyer, { seats: ["R-B-4"] });
    const ticket = paid.paid.tickets[0];
    await expectDoc("GET", "/api/v1/me/orders", "/api/v1/me/orders", { token: buyer.token });
    const firstPage = await expectDoc("GET", "/api/v1/me/orders", "/api/v1/me/orders?limit=1", { token: buyer.token });
    await expectDoc("GET", "/api/v1/me/orders", `/api/v1/me/orders?limit=1&cursor=${firstPage.body.next_cursor}`, { token: buyer.token });
    await expectDoc("GET", "/api/v1/me/orders", "/api/v1/me/orders?cursor=nope", { token: buyer.token });
    // A partial refund made at the (local) provider: the order stays paid.
    await expectDoc("POST", "/api/v1/test-gateway/payments/{paymentId}/refund", `/api/v1/test-gateway/payments/${p.order.payment.payment_id}/refund`, {
      body: { amount_cents: 1 },
    });
    await expectDoc("GET", "/api/v1/me/tickets", "/api/v1/me/tickets", { token: buyer.token });
    await expectDoc("GET", "/api/v1/tickets/{ticketId}", `/api/v1/tickets/${ticket.ticket_id}`, { token: buyer.token });
    await expectDoc("GET", "/api/v1/tickets/{ticketId}/qr.svg", `/api/v1/tickets/${ticket.ticket_id}/qr.svg`, { token: buyer.token });
    await expectDoc("GET", "/.well-known/jwks.json", "/.well-known/jwks.json");

    const t = plain.organizerToken;
    const admin = (rest: string) => `/api/v1/admin/events/${plain.eventId}${rest}`;
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/stats", admin("/stats"), { token: t });
    await expectDoc("POST", "/api/v1/admin/events/{eventId}/promo-codes", admin("/promo-codes"), { token: t, body: { code: "OAS10", percent_off: 10 } });
    await expectDoc("POST", "/api/v1/admin/events/{eventId}/promo-codes", admin("/promo-codes"), { token: t, body: { code: "OAS10", percent_off: 10 } });
    await expectDoc("PATCH", "/api/v1/admin/events/{eventId}/waiting-room", `/api/v1/admin/events/${ev.eventId}/waiting-room`, {
      token: ev.organizerToken,
      body: { admit_per_minute: 120 },
    });
    const dev = await expectDoc("POST", "/api/v1/admin/events/{eventId}/gate-devices", admin("/gate-devices"), { token: t, body: { name: "Gate" } });
    const bundle = await expectDoc("GET", "/api/v1/gate/events/{eventId}/bundle", `/api/v1/gate/events/${plain.eventId}/bundle`, { token: dev.body.token });
    const scans = { device_id: dev.body.device_id, scans: [{ ticket_id: ticket.ticket_id, scanned_at: new Date().toISOString(), verdict: "valid" }] };
    await expectDoc("POST", "/api/v1/gate/events/{eventId}/scans", `/api/v1/gate/events/${plain.eventId}/scans`, { token: dev.body.token, body: scans });
    // The incremental bundle (extension): the entry just uploaded comes as a delta.
    const delta = await expectDoc("GET", "/api/v1/gate/events/{eventId}/bundle", `/api/v1/gate/events/${plain.eventId}/bundle?since=${bundle.body.cursor}`, {
      token: dev.body.token,
    });
    expect(delta.body).toMatchObject({ kind: "delta", checked_in: [{ ticket_id: ticket.ticket_id }] });
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/orders", admin("/orders?limit=2"), { token: t });
    // Console reads (extensions).
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/orders", admin(`/orders?q=${encodeURIComponent(buyer.email)}&status=paid`), { token: t });
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/stats", admin("/stats?minutes=0"), { token: t });
    await expectDoc("GET", "/api/v1/admin/orders/{orderId}", `/api/v1/admin/orders/${paid.order.order_id}`, { token: t });
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/gate-devices", admin("/gate-devices"), { token: t });
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/promo-codes", admin("/promo-codes"), { token: t });
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/exports/orders.csv", admin("/exports/orders.csv"), { token: t });
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/exports/attendees.csv", admin("/exports/attendees.csv"), { token: t });
    await call("POST", admin("/promo-codes"), { token: t, body: { code: "OASFREE", percent_off: 100 } });
    const freeHold = await call("POST", e("/holds"), { token: buyer.token, body: { seats: ["R-B-5"] } });
    await expectDoc("POST", "/api/v1/orders", "/api/v1/orders", {
      token: buyer.token,
      body: { hold_id: freeHold.body.hold_id, promo_code: "OASFREE" },
      headers: { "Idempotency-Key": crypto.randomUUID() },
    });
    await expectDoc("POST", "/api/v1/admin/orders/{orderId}/refund", `/api/v1/admin/orders/${paid.order.order_id}/refund`, { token: t });
    await expectDoc("POST", "/api/v1/admin/events/{eventId}/cancel", admin("/cancel"), { token: t });
    expect(env.TICKET_ISSUER).toBeTruthy();
  });

  it("waitlist answers match the document (waiting, offered, left, counts, errors)", async ({ expect }) => {
    const expectDoc = async (method: string, path: string, actual: string, opts: Parameters<typeof call>[2] = {}) => {
      const res = await call(method, actual, opts);
      expectDocumented(expect, method, path, res);
      return res;
    };
    const ev = await publishedEvent({ rows: [{ label: "A", seats: 1 }], gaCapacity: 0 });
    const holder = await signupBuyer();
    const held = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: holder.token, body: { seats: ["R-A-1"] } });
    const buyer = await signupBuyer();
    const path = `/api/v1/events/${ev.eventId}/waitlist`;
    const joined = await expectDoc("POST", "/api/v1/events/{eventId}/waitlist", path, { token: buyer.token, body: { quantity: 1 } });
    expect(joined.status).toBe(201);
    expect((await expectDoc("POST", "/api/v1/events/{eventId}/waitlist", path, { token: buyer.token, body: { quantity: 1 } })).status).toBe(409);
    expect((await expectDoc("POST", "/api/v1/events/{eventId}/waitlist", path, { token: buyer.token, body: { quantity: 0 } })).status).toBe(400);
    await expectDoc("GET", "/api/v1/me/waitlist", "/api/v1/me/waitlist", { token: buyer.token });
    await call("DELETE", `/api/v1/holds/${held.body.hold_id}`, { token: holder.token });
    for (let i = 0; i < 200; i++) {
      const mine = await expectDoc("GET", "/api/v1/me/waitlist", "/api/v1/me/waitlist", { token: buyer.token });
      if (mine.body.entries[0].status === "offered") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/waitlist", `/api/v1/admin/events/${ev.eventId}/waitlist`, { token: ev.organizerToken });
    await expectDoc("GET", "/api/v1/admin/events/{eventId}/stats", `/api/v1/admin/events/${ev.eventId}/stats`, { token: ev.organizerToken });
    expect((await expectDoc("DELETE", "/api/v1/waitlist/{entryId}", `/api/v1/waitlist/${joined.body.entry_id}`, { token: buyer.token })).status).toBe(200);
    expect((await expectDoc("POST", "/api/v1/events/{eventId}/waitlist", path, { token: buyer.token, body: { quantity: 1 } })).status).toBe(422);
  });
});
