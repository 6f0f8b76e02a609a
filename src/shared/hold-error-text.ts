import type { ApiErrorBody } from "./seat-map-wire";

/**
 * A refused hold (or order) as a sentence with a way on: what the event page says, rendered on
 * the server for forms and in the browser for scripts. Pure, so both can use it.
 */
export function holdErrorSentence(error: ApiErrorBody["error"], retryAfter?: number): string {
  const d = error.details ?? {};
  switch (error.code) {
    case "seat_unavailable": {
      const seats = (d.unavailable as string[] | undefined) ?? [];
      return seats.length > 0
        ? `Just taken by someone else: ${seats.join(", ")}. Pick other seats.`
        : "No row has that many free seats together any more. Try fewer seats, or pick them on the map.";
    }
    case "sold_out":
      return `Sold out: only ${d.available ?? 0} places are left in this section. Choose fewer, or another section.`;
    case "limit_exceeded":
      return `You have reached the limit of ${d.limit} tickets per buyer for this event (held and bought together).`;
    case "not_on_sale":
      return "Tickets are not on sale yet. The sale opens at the time shown above.";
    case "rate_limited":
      return `Too many tries in a short time. Try again in ${retryAfter ?? 30} seconds.`;
    case "admission_required":
      return "This sale has a waiting room: join the queue first, and you can pick seats when it is your turn.";
    case "hold_expired":
      return "Your hold expired and the seats went back on sale. Pick again.";
    case "unavailable":
      return `We are very busy right now. Try again in ${retryAfter ?? 5} seconds.`;
    default:
      return error.message;
  }
}
