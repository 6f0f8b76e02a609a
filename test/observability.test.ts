/**
 * What operators see: a request id on every answer, one JSON log line per request, the time of
 * each remote call in Server-Timing on the hold and order routes, and business metrics.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, it, vi } from "vitest";
import { app } from "../src/worker/index";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Calls the app in this isolate with `env`, capturing the JSON lines it logs. */
async function logged(path: string, init: RequestInit, appEnv: Env = env) {
  const lines: Record<string, unknown>[] = [];
  const capture = (...args: unknown[]) => {
    if (typeof args[0] !== "string") return;
    try {
      lines.push(JSON.parse(args[0]));
    } catch {
      // not a JSON line
    }
  };
  const log = vi.spyOn(console, "log").mockImplementation(capture);
  const error = vi.spyOn(console, "error").mockImplementation(capture);
  try {
    const res = await app.request(path, init, appEnv);
    return { res, body: await res.json<any>(), requests: lines.filter((l) => l.msg === "request") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** `a.b;dur=1.2, c;dur=3` -> [{name, dur}] */
function serverTiming(header: string | null) {
  return (header ?? "").split(",").map((entry) => {
    const [name, ...params] = entry.trim().split(";");
    const dur = params.find((p) => p.startsWith("dur="));
    return { name: name!, dur: dur === undefined ? NaN : Number(dur.slice(4)) };
  });
}

afterEach(() => vi.restoreAllMocks());

describe("request id", () => {
  it("every answer carries X-Request-Id: generated, or Cloudflare's cf-ray", async ({ expect }) => {
    const a = await call("GET", "/api/v1/events?q=x");
    const b = await call("GET", "/api/v1/events?q=x");
    expect(a.headers.get("X-Request-Id")).toMatch(UUID);
    expect(b.headers.get("X-Request-Id")).not.toBe(a.headers.get("X-Request-Id"));
    const ray = "8f1a2b3c4d5e6f70-LIS";
    expect((await call("GET", "/api/v1/events?q=x", { headers: { "cf-ray": ray } })).headers.get("X-Request-Id")).toBe(ray);
    // Errors, 404s and refusals too; a client's made-up ray is not taken as the id.
    const missing = await call("GET", "/api/v1/nope", { headers: { "cf-ray": "<script>" } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("X-Request-Id")).toMatch(UUID);
    expect((await call("POST", "/api/v1/orders", { body: {} })).headers.get("X-Request-Id")).toMatch(UUID);
  });
});

describe("request log", () => {
  it("one JSON line per request: route, status, role, duration, ids, remote calls", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { res, body, requests } = await logged(`/api/v1/events/${ev.eventId}/holds`, {
      method: "POST",
      headers: { Authorization: `Bearer ${buyer.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ seats: ["R-A-1"] }),
    });
    expect(res.status).toBe(201);
    expect(requests).toHaveLength(1);
    const line = requests[0]!;
    expect(line).toMatchObject({
      msg: "request",
      request_id: res.headers.get("X-Request-Id"),
      method: "POST",
      route: "/api/v1/events/:eventId/holds",
      path: `/api/v1/events/${ev.eventId}/holds`,
      status: 201,
      role: "buyer",
      user_id: buyer.userId,
      event_id: ev.eventId,
    });
    expect(body.hold_id).toBeTypeOf("string");
    expect(line.duration_ms).toBeTypeOf("number");
    expect(line.remote_calls).toBeGreaterThanOrEqual(2);
    expect(line.remote_ms).toBeTypeOf("number");
  });

  it("errors are logged with their code; anonymous callers as such", async ({ expect }) => {
    const { res, requests } = await logged("/api/v1/orders", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    expect(requests).toEqual([
      expect.objectContaining({ route: "/api/v1/orders", status: 401, role: "anonymous", error_code: "unauthenticated", request_id: res.headers.get("X-Request-Id") }),
    ]);
    const notFound = await logged("/api/v1/nowhere", { method: "GET" });
    expect(notFound.requests).toEqual([expect.objectContaining({ path: "/api/v1/nowhere", status: 404 })]);
  });
});

describe("Server-Timing", () => {
  it("a hold lists each remote call it made, with its time, and the total", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const res = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-A-2", "R-A-3"] } });
    expect(res.status).toBe(201);
    const entries = serverTiming(res.headers.get("Server-Timing"));
    for (const e of entries) {
      expect(e.name).toMatch(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/);
      expect(e.dur).toBeGreaterThanOrEqual(0);
    }
    const names = entries.map((e) => e.name);
    expect(names.at(-1)).toBe("app");
    expect(names).toContain("RL_HOLD_USER.limit");
    expect(names).toContain("BUYER_LEDGER.createHold");
    expect(names.some((n) => n.startsWith("DB."))).toBe(true);
    const app = entries.at(-1)!.dur;
    for (const e of entries) expect(e.dur).toBeLessThanOrEqual(app + 0.1);
  });

  it("an order lists its calls too; refusals and other routes have none", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const hold = await call("POST", `/api/v1/events/${ev.eventId}/holds`, { token: buyer.token, body: { seats: ["R-B-1"] } });
    const order = await call("POST", "/api/v1/orders", { token: buyer.token, body: { hold_id: hold.body.hold_id }, headers: { "Idempotency-Key": crypto.randomUUID() } });
    expect(order.status).toBe(201);
    const names = serverTiming(order.headers.get("Server-Timing")).map((e) => e.name);
    expect(names).toContain("RL_ORDER_USER.limit");
    expect(names.some((n) => n.startsWith("DB."))).toBe(true);
    expect(names.at(-1)).toBe("app");
    // A refusal before any call still says how long it took.
    const refused = await call("POST", "/api/v1/orders", { body: {} });
    expect(serverTiming(refused.headers.get("Server-Timing")).map((e) => e.name)).toEqual(["app"]);
    expect((await call("GET", `/api/v1/events/${ev.eventId}`)).headers.get("Server-Timing")).toBeNull();
  });
});

describe("business metrics (Analytics Engine)", () => {
  it("a hold writes one data point: kind, event, seats and amount", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const points: AnalyticsEngineDataPoint[] = [];
    const withMetrics = { ...env, METRICS: { writeDataPoint: (p: AnalyticsEngineDataPoint) => points.push(p) } } as unknown as Env;
    const { res } = await logged(
      `/api/v1/events/${ev.eventId}/holds`,
      { method: "POST", headers: { Authorization: `Bearer ${buyer.token}`, "Content-Type": "application/json" }, body: JSON.stringify({ seats: ["R-A-4", "R-A-5"] }) },
      withMetrics,
    );
    expect(res.status).toBe(201);
    expect(points).toEqual([{ indexes: [ev.eventId], blobs: ["hold", ev.eventId, "usd"], doubles: [2, 10_000] }]);
    // A refused hold is not a hold.
    const again = await logged(
      `/api/v1/events/${ev.eventId}/holds`,
      { method: "POST", headers: { Authorization: `Bearer ${buyer.token}`, "Content-Type": "application/json" }, body: JSON.stringify({ seats: ["R-A-4"] }) },
      withMetrics,
    );
    expect(again.res.status).toBe(409);
    expect(points).toHaveLength(1);
  });

  it("a scan upload writes one data point with its device and how many scans", async ({ expect }) => {
    const ev = await publishedEvent();
    const enrolled = await call("POST", `/api/v1/admin/events/${ev.eventId}/gate-devices`, { token: ev.organizerToken, body: { name: "Gate A" } });
    expect(enrolled.status).toBe(201);
    const device = enrolled.body as { device_id: string; token: string };
    const points: AnalyticsEngineDataPoint[] = [];
    const withMetrics = { ...env, METRICS: { writeDataPoint: (p: AnalyticsEngineDataPoint) => points.push(p) } } as unknown as Env;
    const scans = ["tkt_obs1", "tkt_obs2", "tkt_obs3"].map((ticket_id, i) => ({ ticket_id, scanned_at: `2030-01-01T20:00:0${i}Z`, verdict: "valid" }));
    const { res } = await logged(
      `/api/v1/gate/events/${ev.eventId}/scans`,
      { method: "POST", headers: { Authorization: `Bearer ${device.token}`, "Content-Type": "application/json" }, body: JSON.stringify({ device_id: device.device_id, scans }) },
      withMetrics,
    );
    expect(res.status).toBe(200);
    expect(points).toEqual([{ indexes: [ev.eventId], blobs: ["scan", ev.eventId, device.device_id], doubles: [3, 0] }]);
  });

  it("a metric that cannot be written never fails the request", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const broken = { ...env, METRICS: { writeDataPoint: () => { throw new Error("dataset gone"); } } } as unknown as Env;
    const { res } = await logged(
      `/api/v1/events/${ev.eventId}/holds`,
      { method: "POST", headers: { Authorization: `Bearer ${buyer.token}`, "Content-Type": "application/json" }, body: JSON.stringify({ section: "GA", quantity: 1 }) },
      broken,
    );
    expect(res.status).toBe(201);
  });
});
