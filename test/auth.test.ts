import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { verifySessionToken } from "../src/worker/auth/tokens";
import { call } from "./support/http";
import { uniqueEmail } from "./support/fixtures";

const signup = (body: unknown) => call("POST", "/api/v1/auth/signup", { body });
const login = (body: unknown) => call("POST", "/api/v1/auth/login", { body });

async function userCount() {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM users").first<{ n: number }>();
  return row?.n ?? 0;
}

describe("signup", () => {
  it("creates a buyer and returns a token for it", async ({ expect }) => {
    const res = await signup({ email: uniqueEmail(), password: "correct horse", name: "Ann" });
    expect(res.status).toBe(201);
    expect(res.body.user_id).toMatch(/^usr_/);
    const principal = await verifySessionToken(env, res.body.token);
    expect(principal).toEqual({ role: "buyer", userId: res.body.user_id });
  });

  it("lets organizers register themselves, but never staff", async ({ expect }) => {
    const org = await signup({ email: uniqueEmail(), password: "correct horse", name: "Org", role: "organizer" });
    expect(org.status).toBe(201);
    expect(await verifySessionToken(env, org.body.token)).toMatchObject({ role: "organizer" });

    const before = await userCount();
    const staff = await signup({ email: uniqueEmail(), password: "correct horse", name: "S", role: "staff" });
    expect(staff.status).toBe(400);
    expect(staff.body.error.code).toBe("invalid_request");
    expect(await userCount()).toBe(before);
  });

  it("stores a salted PBKDF2 hash, never the password", async ({ expect }) => {
    const email = uniqueEmail();
    await signup({ email, password: "same password", name: "A" });
    const email2 = uniqueEmail();
    await signup({ email: email2, password: "same password", name: "B" });
    const rows = await env.DB.prepare("SELECT password_hash AS h FROM users WHERE email IN (?, ?)")
      .bind(email, email2)
      .all<{ h: string }>();
    const [a, b] = rows.results.map((r) => r.h);
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toContain("same password");
    expect(a).not.toBe(b); // different salts
  });

  it("refuses a duplicate email, also with other case and spaces, with 409 email_taken", async ({ expect }) => {
    const email = uniqueEmail();
    expect((await signup({ email, password: "password-1", name: "A" })).status).toBe(201);
    const before = await userCount();
    const again = await signup({ email: `  ${email.toUpperCase()} `, password: "password-2", name: "B" });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: { code: "email_taken", message: expect.any(String) } });
    expect(await userCount()).toBe(before);
  });

  it("gives exactly one account when sign-ups with the same email race", async ({ expect }) => {
    const email = uniqueEmail();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => signup({ email, password: "password-1", name: "Racer" })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>();
    expect(n?.n).toBe(1);
  });

  it.for<[string, unknown]>([
    ["missing email", { password: "password-1", name: "A" }],
    ["bad email", { email: "not-an-email", password: "password-1", name: "A" }],
    ["short password", { email: "x@y.test", password: "short", name: "A" }],
    ["password of wrong type", { email: "x@y.test", password: 12345678, name: "A" }],
    ["empty name", { email: "x@y.test", password: "password-1", name: "  " }],
    ["huge password", { email: "x@y.test", password: "p".repeat(300), name: "A" }],
    ["array body", [1, 2]],
    ["null body", null],
  ])("answers 400 invalid_request for %s and creates nothing", async ([, body], { expect }) => {
    const before = await userCount();
    const res = await signup(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(Array.isArray(res.body.error.details.issues)).toBe(true);
    expect(await userCount()).toBe(before);
  });

  it("answers malformed JSON with 400 and huge bodies with 413", async ({ expect }) => {
    const before = await userCount();
    const bad = await call("POST", "/api/v1/auth/signup", { rawBody: '{"email": "a@b.test", ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
    const huge = await call("POST", "/api/v1/auth/signup", {
      rawBody: JSON.stringify({ email: uniqueEmail(), password: "password-1", name: "x".repeat(70 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
    expect(await userCount()).toBe(before);
  });
});

describe("login", () => {
  it("returns the same user with a fresh token, whatever the email's case", async ({ expect }) => {
    const email = uniqueEmail();
    const created = await signup({ email, password: "password-1", name: "A", role: "organizer" });
    const res = await login({ email: ` ${email.toUpperCase()}`, password: "password-1" });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(created.body.user_id);
    expect(await verifySessionToken(env, res.body.token)).toEqual({ role: "organizer", userId: created.body.user_id });
  });

  it("answers a wrong password and an unknown email identically with 401", async ({ expect }) => {
    const email = uniqueEmail();
    await signup({ email, password: "password-1", name: "A" });
    const wrong = await login({ email, password: "password-2" });
    const unknown = await login({ email: uniqueEmail(), password: "password-1" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.code).toBe("unauthenticated");
    expect(wrong.body).toEqual(unknown.body);
  });

  it("answers malformed JSON with 400 and huge bodies with 413", async ({ expect }) => {
    const bad = await call("POST", "/api/v1/auth/login", { rawBody: "{'email':" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
    const huge = await call("POST", "/api/v1/auth/login", {
      rawBody: JSON.stringify({ email: uniqueEmail(), password: "p".repeat(70 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
  });

  it("refuses staff accounts: gate devices get their tokens from the gate-devices route", async ({ expect }) => {
    const email = uniqueEmail();
    await signup({ email, password: "password-1", name: "A" });
    await env.DB.prepare("UPDATE users SET role = 'staff' WHERE email = ?").bind(email).run();
    const res = await login({ email, password: "password-1" });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
  });

  it("answers bad input with 400", async ({ expect }) => {
    for (const body of [{}, { email: "a@b.test" }, { email: 5, password: "x" }, "text"]) {
      const res = await login(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
  });
});
