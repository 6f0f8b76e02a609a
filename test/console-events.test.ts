/** Editing a draft event (PATCH /api/v1/admin/events/{id}): validated as a new event, drafts only. */
import { describe, it } from "vitest";
import { createEvent, createVenue, publishEvent, signupOrganizer } from "./support/fixtures";
import { call } from "./support/http";

describe("draft edits", () => {
  it("changes the given fields and keeps the rest", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const draft = await createEvent(org.token, venueId);
    const path = `/api/v1/admin/events/${draft.event_id}`;
    const res = await call("PATCH", path, {
      token: org.token,
      body: { name: "Renamed", price_tiers: { standard: 6100, ga: 2000 }, currency: "eur", hold_ttl_seconds: 300, max_tickets_per_user: 4, waiting_room: { enabled: true, admit_per_minute: 30, session_seconds: 120 } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      event_id: draft.event_id,
      status: "draft",
      name: "Renamed",
      city: draft.city,
      price_tiers: { standard: 6100, ga: 2000 },
      currency: "eur",
      hold_ttl_seconds: 300,
      max_tickets_per_user: 4,
      waiting_room: { enabled: true, admit_per_minute: 30, session_seconds: 120 },
    });
    expect((await call("GET", path, { token: org.token })).body.name).toBe("Renamed");
    // The waitlist's offer window is one of the fields too, and an edit of another field keeps it.
    const offer = await call("PATCH", path, { token: org.token, body: { waitlist_offer_seconds: 900 } });
    expect(offer.body.waitlist_offer_seconds).toBe(900);
    await call("PATCH", path, { token: org.token, body: { name: "Renamed again" } });
    expect((await call("GET", path, { token: org.token })).body).toMatchObject({ name: "Renamed again", waitlist_offer_seconds: 900 });
  });

  it("refuses bad edits with 400 and changes nothing; a published event is 409", async ({ expect }) => {
    const org = await signupOrganizer();
    const { venueId } = await createVenue(org.token);
    const draft = await createEvent(org.token, venueId);
    const path = `/api/v1/admin/events/${draft.event_id}`;
    for (const body of [{ ends_at: "2000-01-01T00:00:00Z" }, { price_tiers: { standard: 100 } }, { hold_ttl_seconds: 5 }, { currency: "xx" }]) {
      const res = await call("PATCH", path, { token: org.token, body });
      expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([JSON.stringify(body), 400, "invalid_request"]);
    }
    expect((await call("GET", path, { token: org.token })).body).toMatchObject({ name: draft.name, price_tiers: draft.price_tiers });
    await publishEvent(org.token, draft.event_id);
    const late = await call("PATCH", path, { token: org.token, body: { name: "Too late" } });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("event_not_draft");
  });
});
