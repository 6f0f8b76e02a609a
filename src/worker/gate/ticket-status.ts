// The gate's only reads and writes of the checkout area's tickets table.

/** ?1 event id, ?2 JSON array of ticket ids scanned `valid`: they are now checked in. */
export const markCheckedInSql = `
  UPDATE tickets SET status = 'checked_in'
  WHERE event_id = ?1 AND status = 'valid' AND id IN (SELECT value FROM json_each(?2))`;

/** ?1 event id, ?2 JSON array of ticket ids: those among them that are revoked. */
export const revokedAmongSql = `
  SELECT id FROM tickets
  WHERE event_id = ?1 AND status = 'revoked' AND id IN (SELECT value FROM json_each(?2))`;

/** ?1 event id: every revoked ticket of the event. */
export const revokedOfEventSql = `SELECT id FROM tickets WHERE event_id = ?1 AND status = 'revoked'`;
