/**
 * The hold request body of `POST /api/v1/events/:eventId/holds` and how it becomes ledger
 * items (one per section). Contract forms: `{seats: [seat_id]}` (reserved seats, possibly in
 * several sections) and `{section, quantity}` (GA places, or best available in a reserved
 * section). Extension: `{items: [{section, seats} |
 * {section, quantity}]}` to mix sections in one all-or-nothing hold.
 */
import { z } from "zod";
import { ApiError, badRequest, conflict, notFound, unavailable, unprocessable } from "../errors";
import type { CreateHoldResult, HoldItemRequest, HoldView } from "../../shared/inventory/types";

/**
 * Sizes are not capped at the ticket limit here: asking for more than `max_tickets_per_user`
 * is a 422 `limit_exceeded` (contract), checked against the event by `assertWithinLimit`.
 * The caps below only bound the work of parsing (the body itself is capped at 64 KiB).
 */
const MAX_SEATS_PER_LIST = 10_000;
const MAX_ITEMS = 20;

const SeatId = z.string().min(1).max(100);
const Key = z.string().min(1).max(64);
const Quantity = z.int().min(1);
const SeatList = z.array(SeatId).min(1).max(MAX_SEATS_PER_LIST);

const Item = z.union([z.strictObject({ section: Key, seats: SeatList }), z.strictObject({ section: Key, quantity: Quantity })]);

export const HoldBody = z
  .strictObject({
    seats: SeatList.optional(),
    section: Key.optional(),
    quantity: Quantity.optional(),
    items: z.array(Item).min(1).max(MAX_ITEMS).optional(),
  })
  .superRefine((b, ctx) => {
    const forms = [b.seats !== undefined, b.section !== undefined || b.quantity !== undefined, b.items !== undefined];
    if (forms.filter(Boolean).length !== 1) {
      ctx.addIssue({ code: "custom", path: [], message: "Send exactly one of {seats}, {section, quantity} or {items}." });
      return;
    }
    if ((b.section === undefined) !== (b.quantity === undefined))
      ctx.addIssue({ code: "custom", path: [b.section === undefined ? "section" : "quantity"], message: "section and quantity go together." });
    const seen = new Set<string>();
    const seatLists: [string[], (string | number)[]][] = b.seats ? [[b.seats, ["seats"]]] : [];
    const sections = new Set<string>();
    b.items?.forEach((it, i) => {
      if ("seats" in it) seatLists.push([it.seats, ["items", i, "seats"]]);
      if (sections.has(it.section)) ctx.addIssue({ code: "custom", path: ["items", i, "section"], message: `Section ${it.section} appears twice.` });
      sections.add(it.section);
    });
    for (const [list, path] of seatLists)
      list.forEach((seat, j) => {
        if (seen.has(seat)) ctx.addIssue({ code: "custom", path: [...path, j], message: `Duplicate seat id ${seat}.` });
        seen.add(seat);
      });
  });
export type HoldBody = z.infer<typeof HoldBody>;

/** How many tickets the request asks for, across all its forms. */
export function requestedTickets(body: HoldBody): number {
  if (body.seats) return body.seats.length;
  if (body.quantity !== undefined) return body.quantity;
  return (body.items ?? []).reduce((n, it) => n + ("seats" in it ? it.seats.length : it.quantity), 0);
}

/**
 * A request that alone is past the event's limit is refused before any object is asked
 * (BuyerLedger enforces the limit with what the buyer already holds and bought).
 */
export function assertWithinLimit(body: HoldBody, maxTicketsPerUser: number): void {
  const requested = requestedTickets(body);
  if (requested > maxTicketsPerUser) throw limitExceeded(maxTicketsPerUser, { requested });
}

export const limitExceeded = (limit: number, details: Record<string, number>) =>
  unprocessable("limit_exceeded", `At most ${limit} tickets per buyer for this event (held and bought).`, { limit, ...details });

export interface EventSection {
  key: string;
  kind: "reserved" | "ga";
}

/** Seat ids are labels `<key>-<row>-<n>`, and keys and rows are [A-Za-z0-9_]: the key is the first part. */
const SEAT_LABEL = /^([A-Za-z0-9_]+)-[A-Za-z0-9_]+-[1-9][0-9]*$/;

/**
 * Groups the request by section. Throws 400 for seats that cannot belong to any reserved
 * section of the event, and 404 for a section the event does not have. Whether a seat
 * really exists is the section object's answer (also a 400, see `holdRefusal`).
 */
export function holdItems(body: HoldBody, sections: EventSection[]): HoldItemRequest[] {
  const byKey = new Map(sections.map((s) => [s.key, s]));
  const section = (key: string, path: (string | number)[]) => {
    const s = byKey.get(key);
    if (!s) throw new ApiError(404, "not_found", `Section ${key} not found.`, { path: path.join(".") });
    return s;
  };
  // A quantity of a reserved section is best available: the section picks the seats.
  if (body.section !== undefined && body.quantity !== undefined) return [{ section: section(body.section, ["section"]).key, quantity: body.quantity }];
  if (body.seats) return groupSeats(body.seats, byKey, ["seats"]);
  const items: HoldItemRequest[] = [];
  body.items!.forEach((it, i) => {
    const s = section(it.section, ["items", i, "section"]);
    if ("quantity" in it) {
      items.push({ section: s.key, quantity: it.quantity });
      return;
    }
    if (s.kind !== "reserved") throw wrongKind(s, ["items", i, "section"]);
    const grouped = groupSeats(it.seats, byKey, ["items", i, "seats"]);
    const stray = grouped.filter((g) => g.section !== s.key).flatMap((g) => ("seats" in g ? g.seats : []));
    if (stray.length > 0) throw unknownSeats(stray, `Seats not in section ${s.key}.`);
    items.push(...grouped);
  });
  return items;
}

function groupSeats(seats: string[], byKey: Map<string, EventSection>, path: (string | number)[]): HoldItemRequest[] {
  const groups = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const seat of seats) {
    const key = SEAT_LABEL.exec(seat)?.[1];
    const s = key === undefined ? undefined : byKey.get(key);
    if (!s || s.kind !== "reserved") unknown.push(seat);
    else if (groups.has(s.key)) groups.get(s.key)!.push(seat);
    else groups.set(s.key, [seat]);
  }
  if (unknown.length > 0) throw unknownSeats(unknown, undefined, path);
  return [...groups].map(([section, list]) => ({ section, seats: list }));
}

export function unknownSeats(seats: string[], message = "Unknown seat ids.", path: (string | number)[] = ["seats"]) {
  return badRequest(message, {
    issues: seats.map((s) => ({ path: path.join("."), message: `Unknown seat ${s}.`, code: "unknown_seat" })),
    unknown: seats,
  });
}

function wrongKind(s: EventSection, path: (string | number)[]) {
  const message = s.kind === "ga" ? `Section ${s.key} is general admission: send a quantity.` : `Section ${s.key} has reserved seats: send seat ids.`;
  return badRequest(message, { issues: [{ path: path.join("."), message, code: "wrong_section_kind" }] });
}

/** The contract's answer for a refused hold. */
export function holdRefusal(r: Exclude<CreateHoldResult, { ok: true }>): ApiError {
  switch (r.reason) {
    case "seat_unavailable":
      return conflict("seat_unavailable", "Some of the seats are no longer available; nothing was held.", { unavailable: r.unavailable });
    case "limit_exceeded":
      return limitExceeded(r.limit, { used: r.used, requested: r.requested });
    case "sold_out":
      return unprocessable("sold_out", `Not enough places left in section ${r.section}.`, { section: r.section, available: r.available });
    case "unknown_seats":
      return unknownSeats(r.seats);
    case "wrong_kind":
      return wrongKind({ key: r.section, kind: r.kind }, ["section"]);
    case "not_initialized":
    case "unavailable":
      return inventoryBusy();
  }
}

export const inventoryBusy = () => unavailable(2, "Seat inventory is busy; try again shortly.");

export function notFoundHold() {
  return notFound("Hold");
}

/** A hold as the API shows it. */
export function holdJson(h: HoldView) {
  return {
    hold_id: h.holdId,
    event_id: h.eventId,
    // `confirming` is a payment in progress: still a hold to its owner.
    status: h.status === "sold" ? "sold" : "held",
    seats: h.seats,
    quantity: h.quantity,
    expires_at: new Date(h.expiresAt).toISOString(),
    total_cents: h.totalCents,
    items: h.items.map((i) => ({ section: i.section, kind: i.kind, seats: i.seats, quantity: i.quantity, total_cents: i.totalCents })),
  };
}
