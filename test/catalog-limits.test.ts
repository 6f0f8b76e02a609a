import { it } from "vitest";
import { call } from "./support/http";
import { publishEvent, createEvent, createVenue, signupOrganizer } from "./support/fixtures";

it("publishes a venue at the size limits (100,000 places, 20,000-seat reserved sections)", async ({ expect }) => {
  const org = await signupOrganizer();
  const reserved = (key: string) => ({
    key,
    name: key,
    kind: "reserved" as const,
    rows: Array.from({ length: 20 }, (_, i) => ({ label: `R${i + 1}`, seats: 1000, price_tier: "standard" })),
  });
  const { venueId, sections } = await createVenue(org.token, [
    reserved("N"),
    reserved("S"),
    reserved("E"),
    reserved("W"),
    { key: "GA", name: "Floor", kind: "ga", capacity: 20_000, price_tier: "ga" },
  ]);
  expect(sections.reduce((n, s) => n + s.capacity, 0)).toBe(100_000);
  const { event_id } = await createEvent(org.token, venueId);
  const published = await publishEvent(org.token, event_id);
  expect(published.status).toBe("on_sale");
  const seats = await call("GET", `/api/v1/events/${event_id}/seats?section=N`);
  expect(seats.status).toBe(200);
  expect(seats.body.sections[0].seats).toHaveLength(20_000);
  expect(seats.body.sections[0].seats.at(-1).seat_id).toBe("N-R20-1000");
  const stats = await call("GET", `/api/v1/admin/events/${event_id}/stats`, { token: org.token });
  expect(stats.body.sections.map((s: any) => s.available)).toEqual([20_000, 20_000, 20_000, 20_000, 20_000]);
});
