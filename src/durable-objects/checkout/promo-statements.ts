/**
 * The D1 statements that move a promo code use (reserve, release, consume), for batches.
 * Placing an order reserves; the checkout saga consumes on payment and releases when an order
 * ends unpaid or is cancelled. The counter and the redemption rows change only here.
 */

/**
 * Statements that reserve one use of a code for an order, for a D1 batch (one transaction).
 * The counter moves only through a conditional UPDATE, and the redemption row is written
 * only if that UPDATE changed a row, so racing checkouts can never exceed `max_uses` or
 * `per_user_limit`. Follow with a statement conditional on the redemption existing.
 */
export function reservePromoStatements(env: Pick<Env, "DB">, p: { promoId: string; userId: string; orderId: string; redemptionId: string }) {
  return [
    env.DB.prepare(
      `UPDATE promo_codes SET uses = uses + 1
       WHERE id = ?1
         AND (max_uses IS NULL OR uses < max_uses)
         AND (per_user_limit IS NULL OR per_user_limit > (
               SELECT count(*) FROM promo_redemptions r
               WHERE r.promo_code_id = ?1 AND r.user_id = ?2 AND r.state != 'released'))`,
    ).bind(p.promoId, p.userId),
    env.DB.prepare(
      `INSERT INTO promo_redemptions (id, promo_code_id, user_id, order_id, state)
       SELECT ?1, ?2, ?3, ?4, 'reserved' WHERE changes() = 1`,
    ).bind(p.redemptionId, p.promoId, p.userId, p.orderId),
  ];
}

/**
 * Gives a reserved use back (order failed or cancelled). Idempotent: only a `reserved` row
 * counts. `onlyIfOrderGone`: only when the order row no longer exists (an order being undone
 * is given its use back only if it really was removed).
 */
export function releasePromoStatements(env: Pick<Env, "DB">, orderId: string, opts: { onlyIfOrderGone?: boolean } = {}) {
  const guard = opts.onlyIfOrderGone ? " AND NOT EXISTS (SELECT 1 FROM orders WHERE id = ?1)" : "";
  return [
    env.DB.prepare(
      `UPDATE promo_codes SET uses = uses - 1
       WHERE id = (SELECT promo_code_id FROM promo_redemptions WHERE order_id = ?1 AND state = 'reserved')${guard}`,
    ).bind(orderId),
    env.DB.prepare(`UPDATE promo_redemptions SET state = 'released' WHERE order_id = ?1 AND state = 'reserved'${guard}`).bind(orderId),
  ];
}

/** The use becomes permanent when the order is paid (refunds keep it used). */
export function consumePromoStatement(env: Pick<Env, "DB">, orderId: string) {
  return env.DB.prepare("UPDATE promo_redemptions SET state = 'consumed' WHERE order_id = ? AND state = 'reserved'").bind(orderId);
}
