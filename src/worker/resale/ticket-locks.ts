/**
 * When a ticket is locked: a pending transfer that has not expired, or an open resale listing
 * (listed, held or being paid). One place for the rule, as SQL usable inside the statements
 * that create a transfer or a listing, so the check and the write are one transaction.
 * `?now` is epoch ms; `t` is the tickets row.
 */
export const ticketUnlockedSql = (nowParam: string) => `
  NOT EXISTS (SELECT 1 FROM ticket_transfers x WHERE x.ticket_id = t.id AND x.status = 'pending' AND x.expires_at > ${nowParam})
  AND NOT EXISTS (SELECT 1 FROM resale_listings l WHERE l.ticket_id = t.id AND l.status IN ('listed', 'held', 'confirming'))`;

/** Why a ticket that the caller owns could not be transferred or listed. */
export async function lockReason(env: Pick<Env, "DB">, ticketId: string, now: number): Promise<"not_valid" | "locked" | null> {
  const row = await env.DB.prepare(
    `SELECT t.status AS status, (${ticketUnlockedSql("?2")}) AS unlocked FROM tickets t WHERE t.id = ?1`,
  )
    .bind(ticketId, now)
    .first<{ status: string; unlocked: number }>();
  if (!row || row.status !== "valid") return "not_valid";
  return row.unlocked ? null : "locked";
}
