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
