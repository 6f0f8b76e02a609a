/**
 * Price tiers are named by organizers, so a name may be any built-in property of a JavaScript
 * object. Each must be priced like any other name: looked up as the event's own tier, never
 * found on Object.prototype.
 */
import { describe, it } from "vitest";
import { call } from "./support/http";
import { createEvent, createVenue, eventBody, publishEvent, signupBuyer, signupOrganizer } from "./support/fixtures";

const BUILT_INS = ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"] as const;

/** A venue whose reserved row and GA section use `tier`, and one ordinary tier. */
async function venueUsing(token: string, tier: string) {
  return createVenue(token, [
    {
      key: "R",
      name: "Reserved",
      kind: "reserved",
      rows: [
        { label: "A", seats: 4, price_tier: tier },
        { label: "B", seats: 4, price_tier: "standard" },
      ],
    },
    { key: "GA", name: "Floor", kind: "ga", capacity: 10, price_tier: tier },
  ]);
}

describe.each(BUILT_INS)("price tier %s", (tier) => {
  it("priced: publishes, the seat map shows the price, and a hold takes it", async ({ expect }) => {
    const organizer = await signupOrganizer();
    const { venueId } = await venueUsing(organizer.token, tier);
    // Built as JSON text: an object literal would treat `__proto__` as the prototype, not a key.
    const tiers = JSON.parse(`{"${tier}": 4321, "standard": 5000}`);
    const created = await createEvent(organizer.token, venueId, { price_tiers: tiers });
    expect(created.price_tiers).toEqual(tiers);
    expect(Object.hasOwn(created.price_tiers as object, tier)).toBe(true);
    await publishEvent(organizer.token, created.event_id);

    const seats = await call("GET", `/api/v1/events/${created.event_id}/seats?section=R`);
    expect(seats.status).toBe(200);
    const a1 = seats.body.sections[0].seats.find((s: { seat_id: string }) => s.seat_id === "R-A-1");
    expect(a1.price_cents).toBe(4321);

    const buyer = await signupBuyer();
    const hold = await call("POST", `/api/v1/events/${created.event_id}/holds`, { token: buyer.token, body: { seats: ["R-A-1", "R-B-1"] } });
    expect(hold.status).toBe(201);
    expect(hold.body.total_cents).toBe(4321 + 5000);
    const ga = await call("POST", `/api/v1/events/${created.event_id}/holds`, { token: buyer.token, body: { section: "GA", quantity: 2 } });
    expect(ga.status).toBe(201);
    expect(ga.body.total_cents).toBe(2 * 4321);
  });

  it("unpriced: event creation is 400 invalid_request naming the tier, and nothing is created", async ({ expect }) => {
    const organizer = await signupOrganizer();
    const { venueId } = await venueUsing(organizer.token, tier);
    const res = await call("POST", "/api/v1/admin/events", { token: organizer.token, body: eventBody(venueId, { price_tiers: { standard: 5000 } }) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.details.issues).toEqual([expect.objectContaining({ path: `price_tiers.${tier}` })]);
    const mine = await call("GET", "/api/v1/admin/events", { token: organizer.token });
    expect(mine.body.events).toEqual([]);
  });
});

describe("other names a client chooses", () => {
  it("sections and rows named after built-ins are ordinary sections and rows", async ({ expect }) => {
    const organizer = await signupOrganizer();
    const { venueId } = await createVenue(organizer.token, [
      { key: "__proto__", name: "Proto", kind: "reserved", rows: [{ label: "constructor", seats: 3, price_tier: "toString" }] },
      { key: "constructor", name: "Floor", kind: "ga", capacity: 5, price_tier: "valueOf" },
    ]);
    const created = await createEvent(organizer.token, venueId, { price_tiers: { toString: 1000, valueOf: 700 } });
    await publishEvent(organizer.token, created.event_id);
    const buyer = await signupBuyer();
    const hold = await call("POST", `/api/v1/events/${created.event_id}/holds`, {
      token: buyer.token,
      body: { items: [{ section: "__proto__", seats: ["__proto__-constructor-2"] }, { section: "constructor", quantity: 2 }] },
    });
    expect(hold.status).toBe(201);
    expect(hold.body.total_cents).toBe(1000 + 2 * 700);
    // A section the event does not have, named like a built-in, is simply not found.
    const missing = await call("POST", `/api/v1/events/${created.event_id}/holds`, { token: buyer.token, body: { section: "hasOwnProperty", quantity: 1 } });
    expect(missing.status).toBe(404);
    const seats = await call("GET", `/api/v1/events/${created.event_id}/seats?section=__proto__`);
    expect(seats.status).toBe(200);
    expect(seats.body.sections).toHaveLength(1);
    expect(seats.body.sections[0].key ?? seats.body.sections[0].section).toBe("__proto__");
  });
});
