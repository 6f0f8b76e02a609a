/**
 * The waiting room's admission token for an event, kept for this tab: the queue page stores it
 * on admission and the event page sends it with holds, so the buyer never copies anything.
 */
const key = (eventId: string) => `admission:${eventId}`;

export function saveAdmission(eventId: string, token: string, expiresAt: string): void {
  sessionStorage.setItem(key(eventId), JSON.stringify({ token, expiresAt }));
}

/** The token while it is still good, else null. */
export function admissionToken(eventId: string): string | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(key(eventId)) ?? "null") as { token: string; expiresAt: string } | null;
    if (v && Date.parse(v.expiresAt) > Date.now()) return v.token;
  } catch {
    // A damaged entry is no token.
  }
  return null;
}

export function forgetAdmission(eventId: string): void {
  sessionStorage.removeItem(key(eventId));
}
