/** Enrolment: the device token an organizer's `enroll_url` carries. */
import type { StaffTokenClaims } from "../shared/gate";
import { getKv, resetForEnrolment, type Session } from "./store";

/** The device session a staff token stands for; its signature is the server's to check. */
function decodeTokenClaims(token: string): Session | undefined {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/"))) as Partial<Record<keyof StaffTokenClaims, unknown>>;
    if (json.role !== "staff" || typeof json.dev !== "string" || typeof json.evt !== "string" || typeof json.exp !== "number")
      return undefined;
    return { token, deviceId: json.dev, eventId: json.evt, exp: json.exp };
  } catch {
    return undefined;
  }
}

/** `enroll_url` carries the device token in the fragment: store it, then drop it from the address bar. */
export async function enrolFromFragment(): Promise<string | undefined> {
  const match = /^#enroll=(.+)$/.exec(location.hash);
  if (!match?.[1]) return undefined;
  history.replaceState(null, "", location.pathname + location.search);
  const session = decodeTokenClaims(decodeURIComponent(match[1]));
  if (!session) return "This enrol link is not valid. Ask the organizer for a new one.";
  if (session.exp * 1000 < Date.now()) return "This enrol link has expired. Ask the organizer for a new one.";
  const current = await getKv("session");
  if (current?.token !== session.token) await resetForEnrolment(session);
  return undefined;
}
