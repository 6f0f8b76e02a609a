import { conflict } from "../errors";

/** A pending transfer or an open listing holds the ticket (contract: 409 `ticket_locked`). */
export const ticketLocked = () =>
  conflict("ticket_locked", "This ticket has a pending transfer or is listed for resale; cancel or withdraw that first.");

/** Only a `valid` ticket (not revoked, not checked in) can be transferred or listed. */
export const ticketNotValid = (status: string) =>
  conflict("ticket_not_valid", `This ticket cannot be transferred or listed (${status}).`, { status });
