/**
 * The pages' cookie session and its CSRF rule: cookies set by the log-in and sign-up forms,
 * read by pages and by the API, and unsafe cookie requests refused unless they come from our
 * own pages. Bearer-token API calls are unaffected.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PASSWORD, publishedEvent, signupBuyer, uniqueEmail } from "./support/fixtures";
import { call } from "./support/http";

const SAME = { "Sec-Fetch-Site": "same-origin" };

async function page(method: string, path: string, opts: { form?: Record<string, string>; headers?: Record<string, string>; origin?: string } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.form) {
    body = new URLSearchParams(opts.form).toString();
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  const res = await exports.default.fetch(`${opts.origin ?? "http://localhost"}${path}`, { method, headers, body, redirect: "manual" });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The `session=<token>` pair of a Set-Cookie header (for sending back as a Cookie header). */
const cookiePair = (setCookie: string | null) => /(?:^|,\s*)(session=[^;]*)/.exec(setCookie ?? "")?.[1];

async function signedUp(origin?: string) {
  const email = uniqueEmail("page");
  const res = await page("POST", "/signup", { form: { name: "Page Buyer", email, password: PASSWORD, next: "/me" }, headers: SAME, origin });
  return { res, email, cookie: cookiePair(res.headers.get("Set-Cookie")) };
}

describe("cookie session", () => {
  it("the sign-up form sets an HttpOnly, SameSite=Lax session cookie and goes on to `next`", async ({ expect }) => {
    const { res, cookie } = await signedUp();
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/me");
    const set = res.headers.get("Set-Cookie")!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).toMatch(/Path=\//);
    expect(set).not.toMatch(/Secure/i);
    expect(cookie).toMatch(/^session=ey/);
  });

  it("is Secure when the site is served over https", async ({ expect }) => {
    const { res } = await signedUp("https://shop.example");
    expect(res.status).toBe(303);
    expect(res.headers.get("Set-Cookie")).toMatch(/;\s*Secure/i);
  });

  it("pages read it: /me shows the account, and without it asks to log in", async ({ expect }) => {
    const { cookie } = await signedUp();
    const me = await page("GET", "/me", { headers: { Cookie: cookie! } });
    expect(me.status).toBe(200);
    expect(me.text).toContain("My tickets");
    expect(me.text).toContain("Log out");
    const anonymous = await page("GET", "/me");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("Location")).toBe("/login?next=%2Fme");
    const forged = await page("GET", "/me", { headers: { Cookie: `${cookie}x` } });
    expect(forged.status).toBe(303);
  });

  it("the log-in form: a wrong password is a sentence on the form, the right one a session", async ({ expect }) => {
    const { email } = await signedUp();
    const wrong = await page("POST", "/login", { form: { email, password: "not-the-password", next: "/me" }, headers: SAME });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain("Email or password is wrong.");
    expect(wrong.headers.get("Set-Cookie")).toBeNull();
    const right = await page("POST", "/login", { form: { email, password: PASSWORD, next: "/events/x" }, headers: SAME });
    expect(right.status).toBe(303);
    expect(right.headers.get("Location")).toBe("/events/x");
    expect(cookiePair(right.headers.get("Set-Cookie"))).toMatch(/^session=ey/);
  });

  it.each(["//evil.test/", "https://evil.test/", "/\\evil.test", "javascript:alert(1)"])("never redirects off the site after log-in (next=%s)", async (next) => {
    const email = uniqueEmail("next");
    const res = await page("POST", "/signup", { form: { name: "N", email, password: PASSWORD, next }, headers: SAME });
    expect(res.headers.get("Location")).toBe("/me");
  });

  it("log out clears the cookie", async ({ expect }) => {
    const { cookie } = await signedUp();
    const res = await page("POST", "/logout", { headers: { Cookie: cookie!, ...SAME } });
    expect(res.status).toBe(303);
    expect(res.headers.get("Set-Cookie")).toMatch(/session=;.*Max-Age=0/i);
  });

  it("the API accepts the cookie in place of a bearer token", async ({ expect }) => {
    const { cookie } = await signedUp();
    const orders = await call("GET", "/api/v1/me/orders", { headers: { Cookie: cookie! } });
    expect(orders.status).toBe(200);
    expect(orders.body).toEqual({ orders: [], next_cursor: null });
  });
});

describe("CSRF", () => {
  it.each([
    ["a cross-site Sec-Fetch-Site", { "Sec-Fetch-Site": "cross-site" }],
    ["a same-site (other subdomain) Sec-Fetch-Site", { "Sec-Fetch-Site": "same-site" }],
    ["a foreign Origin", { Origin: "https://evil.test" }],
    ["an opaque Origin", { Origin: "null" }],
    ["neither header", {}],
  ])("a form post with %s is refused and changes nothing", async (_what, headers) => {
    const { cookie } = await signedUp();
    const logout = await page("POST", "/logout", { headers: { Cookie: cookie!, ...headers } });
    expect(logout.status).toBe(403);
    expect(logout.headers.get("Set-Cookie")).toBeNull();
    expect(logout.text).toContain("sent from another site");
    // A forged log-in (signing the victim into the attacker's account) is refused the same way.
    const email = uniqueEmail("forged");
    const signup = await page("POST", "/signup", { form: { name: "F", email, password: PASSWORD }, headers });
    expect(signup.status).toBe(403);
    expect(signup.headers.get("Set-Cookie")).toBeNull();
    const login = await call("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } });
    expect(login.status).toBe(401);
  });

  it("a form post from our own origin (Origin header only) is accepted", async ({ expect }) => {
    const { cookie } = await signedUp();
    const res = await page("POST", "/logout", { headers: { Cookie: cookie!, Origin: "http://localhost" } });
    expect(res.status).toBe(303);
  });

  it("cookie-authenticated API writes need a same-origin request; nothing is held otherwise", async ({ expect }) => {
    const ev = await publishedEvent();
    const { cookie } = await signedUp();
    const path = `/api/v1/events/${ev.eventId}/holds`;
    const body = { seats: [ev.seatIds[0]] };
    const cross = await call("POST", path, { body, headers: { Cookie: cookie!, "Sec-Fetch-Site": "cross-site" } });
    expect(cross.status).toBe(403);
    expect(cross.body.error.code).toBe("csrf_rejected");
    const bare = await call("POST", path, { body, headers: { Cookie: cookie! } });
    expect(bare.status).toBe(403);
    const seats = await call("GET", `/api/v1/events/${ev.eventId}/seats?section=R`);
    expect(seats.body.sections[0].seats[0].status).toBe("available");
    const same = await call("POST", path, { body, headers: { Cookie: cookie!, ...SAME } });
    expect(same.status).toBe(201);
    expect(same.body.seats).toEqual([ev.seatIds[0]]);
  });

  it("bearer-token API calls work as before, whatever the browser headers say", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const res = await call("POST", `/api/v1/events/${ev.eventId}/holds`, {
      token: buyer.token,
      body: { seats: [ev.seatIds[1]] },
      headers: { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.test" },
    });
    expect(res.status).toBe(201);
    // A bad bearer token is not rescued by a good cookie.
    const { cookie } = await signedUp();
    const bad = await call("GET", "/api/v1/me/orders", { headers: { Authorization: "Bearer nope", Cookie: cookie! } });
    expect(bad.status).toBe(401);
  });
});

describe("pages and paths", () => {
  it("/ is the storefront page; unknown API paths keep the JSON 404; unknown pages are pages", async ({ expect }) => {
    const home = await page("GET", "/");
    expect(home.status).toBe(200);
    expect(home.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(home.text).toContain('<a class="skip-link" href="#main">');
    expect(home.text).toContain('name="viewport"');
    const api = await call("GET", "/api/v1/nope");
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe("not_found");
    // Also for unsafe methods without browser headers: the pages' CSRF rule is not the API's.
    const post = await call("POST", "/api/v1/nope", { body: {} });
    expect(post.status).toBe(404);
    expect(post.body.error.code).toBe("not_found");
    expect(post.headers.get("Cache-Control")).toBeNull();
    const missing = await page("GET", "/no-such-page");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(missing.text).toContain("See all events");
  });
});
