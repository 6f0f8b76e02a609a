import { and, eq } from "drizzle-orm";
import { issueSessionToken } from "../auth/tokens";
import type { EventRow } from "../../platform/db/event-rows";
import { db } from "../../platform/db/client";
import { gateDevices } from "../../platform/db/schema";
import { newId } from "../../shared/ids";

/** Devices keep working through the night after the event; at least an hour for late enrolment. */
const TOKEN_GRACE_SECONDS = 24 * 3600;
const MIN_TOKEN_SECONDS = 3600;

export type GateDevice = typeof gateDevices.$inferSelect;

/**
 * Enrols a scanner for one event. The token lives until a day after the event ends, and the
 * enrol URL carries it in the fragment so that it never reaches a server log.
 */
export async function enrolGateDevice(
  env: Pick<Env, "DB" | "SESSION_SECRET" | "PUBLIC_ORIGIN">,
  event: Pick<EventRow, "id" | "endsAt">,
  name: string,
  organizerId: string,
  now = Date.now(),
) {
  const deviceId = newId("gdv");
  await db(env).insert(gateDevices).values({ id: deviceId, eventId: event.id, name, createdBy: organizerId });
  const ttl = Math.max(MIN_TOKEN_SECONDS, Math.ceil((Date.parse(event.endsAt) - now) / 1000) + TOKEN_GRACE_SECONDS);
  const token = await issueSessionToken(env, { role: "staff", userId: deviceId, deviceId, eventId: event.id }, ttl);
  const origin = env.PUBLIC_ORIGIN.replace(/\/+$/, "");
  return { device_id: deviceId, name, token, enroll_url: `${origin}/gate/#enroll=${token}` };
}

export async function getGateDevice(env: Pick<Env, "DB">, eventId: string, deviceId: string) {
  return db(env)
    .select()
    .from(gateDevices)
    .where(and(eq(gateDevices.id, deviceId), eq(gateDevices.eventId, eventId)))
    .get();
}
