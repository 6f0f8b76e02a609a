import { publicStatus, type EventRow } from "../catalog/event-repo";
import { publicJwks } from "../tickets/keys";
import type { GateDevice } from "./devices";
import { firstScans } from "./scans";
import { revokedOfEventSql } from "./ticket-status";

/**
 * Everything a scanner needs to decide verdicts with no network: the event, the keys that
 * verify its tickets, the revoked ticket ids and (an extension of the contract) the first
 * entry of every ticket already checked in, so a ticket used at another gate shows DUPLICATE.
 */
export async function gateBundle(env: Env, event: EventRow, device: GateDevice) {
  const generatedAt = new Date().toISOString();
  const [jwks, revoked, checkedIn] = await Promise.all([
    publicJwks(env),
    env.DB.prepare(revokedOfEventSql).bind(event.id).raw<[string]>(),
    firstScans(env, event.id),
  ]);
  return {
    event: {
      event_id: event.id,
      name: event.name,
      city: event.city,
      starts_at: event.startsAt,
      ends_at: event.endsAt,
      status: publicStatus(event),
      ticket_issuer: env.TICKET_ISSUER,
    },
    jwks,
    revoked: revoked.map((r) => r[0]),
    generated_at: generatedAt,
    device: { device_id: device.id, name: device.name },
    checked_in: checkedIn,
  };
}
