/** Per-event currency on the organizer and public event routes: input rules, storage, answers. */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { call } from "./support/http";
import { createVenue, eventBody, publishedEvent, signupOrganizer } from "./support/fixtures";

const countEvents = async (venueId: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE venue_id = ?").bind(venueId).first<{ n: number }>())!.n;

describe("event currency", () => {
  it("defaults to usd for clients that do not send it", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const res = await call("POST", "/api/v1/admin/events", { token: org.token, body: eventBody(venueId) });
    expect(res.status).toBe(201);
    expect(res.body.currency).toBe("usd");
    const row = await env.DB.prepare("SELECT currency FROM events WHERE id = ?").bind(res.body.event_id).first();
    expect(row).toEqual({ currency: "usd" });
  });

  it("accepts either case, stores and answers lower case on admin, public and search answers", async ({ expect }) => {
    const ev = await publishedEvent({ overrides: { currency: "SeK", city: `Kiruna-${crypto.randomUUID().slice(0, 6)}` } });
    expect(ev.event.currency).toBe("sek");
    const admin = await call("GET", `/api/v1/admin/events/${ev.eventId}`, { token: ev.organizerToken });
    expect(admin.body.currency).toBe("sek");
    const pub = await call("GET", `/api/v1/events/${ev.eventId}`);
    expect(pub.body.currency).toBe("sek");
    const search = await call("GET", `/api/v1/events?city=${encodeURIComponent(ev.event.city)}`);
    expect(search.body.events.map((e: any) => [e.event_id, e.currency])).toEqual([[ev.eventId, "sek"]]);
    const list = await call("GET", "/api/v1/admin/events", { token: ev.organizerToken });
    expect(list.body.events.find((e: any) => e.event_id === ev.eventId).currency).toBe("sek");
  });

  for (const [what, currency] of [
    ["an unknown code", "xyz"],
    ["a number", 978],
    ["four letters", "euro"],
    ["two letters", "eu"],
    ["null", null],
    ["an empty string", ""],
  ] as const) {
    it(`refuses ${what} with 400 invalid_request and creates nothing`, async ({ expect }) => {
      const org = await signupOrganizer();
      const { venueId } = await createVenue(org.token);
      const res = await call("POST", "/api/v1/admin/events", { token: org.token, body: eventBody(venueId, { currency }) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.details.issues.some((i: any) => String(i.path).startsWith("currency"))).toBe(true);
      expect(await countEvents(venueId)).toBe(0);
    });
  }
});
