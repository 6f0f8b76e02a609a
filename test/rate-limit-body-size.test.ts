import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { call } from "./support/http";
import { PASSWORD, uniqueEmail } from "./support/fixtures";

const CAP = 64 * 1024;
const SIGNUP = "http://localhost/api/v1/auth/signup";

/** A signup body padded to `bytes` (its `name` carries the padding). */
function signupJson(email: string, bytes: number): string {
  const base = JSON.stringify({ email, password: PASSWORD, name: "" });
  return JSON.stringify({ email, password: PASSWORD, name: "x".repeat(Math.max(0, bytes - base.length)) });
}

/** A body that is produced lazily, 16 KiB per pull, and remembers how much was read. */
function lazyStream(text: string) {
  const bytes = new TextEncoder().encode(text);
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(counter.pulled, counter.pulled + 16 * 1024));
      counter.pulled += 16 * 1024;
    },
  });
  return { stream, counter, length: bytes.length };
}

describe("request body cap", () => {
  it("refuses a body over 64 KiB with 413 payload_too_large, and nothing is created", async ({ expect }) => {
    const email = uniqueEmail("big");
    const res = await call("POST", "/api/v1/auth/signup", { rawBody: signupJson(email, CAP + 1) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: "payload_too_large" } });
    // The account was not created: the same email can still sign up.
    const ok = await call("POST", "/api/v1/auth/signup", { body: { email, password: PASSWORD, name: "Small" } });
    expect(ok.status).toBe(201);
  });

  it("lets a body just under the cap through to the route", async ({ expect }) => {
    const res = await call("POST", "/api/v1/auth/signup", { rawBody: signupJson(uniqueEmail("edge"), CAP - 200) });
    // The route read and judged it: its validation refuses the 64 KiB name (max 100), not the cap.
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
  });

  it("stops reading a streamed body without Content-Length soon after the cap", async ({ expect }) => {
    const email = uniqueEmail("stream");
    const body = lazyStream(signupJson(email, 4 * 1024 * 1024));
    const res = await exports.default.fetch(SIGNUP, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: body.stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
    expect(body.counter.pulled).toBeLessThan(body.length / 4);
    expect((await call("POST", "/api/v1/auth/signup", { body: { email, password: PASSWORD, name: "Small" } })).status).toBe(201);
  });

  it("is not fooled by a Content-Length that understates the body", async ({ expect }) => {
    // Regression: hono's bodyLimit trusts a Content-Length under the cap and lets the handler
    // read whatever follows; in-process callers (service bindings, tests) can send such requests.
    const email = uniqueEmail("liar");
    const res = await exports.default.fetch(SIGNUP, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": "100" },
      body: signupJson(email, CAP * 2),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
    expect((await call("POST", "/api/v1/auth/signup", { body: { email, password: PASSWORD, name: "Small" } })).status).toBe(201);
  });
});
