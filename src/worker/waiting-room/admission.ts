import type { EventRow } from "../../platform/db/event-rows";
import type { Principal } from "../auth/tokens";
import { ApiError } from "../errors";
import { checkAdmissionToken } from "./admission-token";

const MESSAGES = {
  missing: "This event has a waiting room: join the queue and send the admission token in X-Admission-Token.",
  expired: "The admission token has expired; join the queue again.",
  invalid: "The admission token is not valid.",
  wrong_user: "The admission token was issued to another user.",
  wrong_event: "The admission token was issued for another event.",
} as const;

function refused(reason: keyof typeof MESSAGES): ApiError {
  return new ApiError(403, "admission_required", MESSAGES[reason], { reason });
}

/**
 * Throws 403 `admission_required` unless the event has no waiting room or `token` is a valid
 * admission token for this user and event (`details.reason`: missing, expired, invalid,
 * wrong_user, wrong_event). Tokens are self-contained signed claims: no storage round trip.
 */
export async function assertAdmitted(
  env: Env,
  event: EventRow,
  principal: Principal,
  token: string | undefined,
): Promise<void> {
  if (!event.waitingRoom?.enabled) return;
  if (!token) throw refused("missing");
  const check = await checkAdmissionToken(env, token, principal.userId, event.id);
  if (!check.ok) throw refused(check.reason);
}
