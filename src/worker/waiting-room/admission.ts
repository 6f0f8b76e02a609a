import type { EventRow } from "../catalog/event-repo";
import type { Principal } from "../auth/tokens";

/**
 * Throws 403 `admission_required` unless the event has no waiting room or `token` is a valid
 * admission token for this user and event. (Owned by the waiting-room work; until it lands,
 * events with a waiting room are not enforced.)
 */
export async function assertAdmitted(
  _env: Env,
  _event: EventRow,
  _principal: Principal,
  _token: string | undefined,
): Promise<void> {}
