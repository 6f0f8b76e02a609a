import { and, eq } from "drizzle-orm";
import { db } from "../db/client";
import { promoCodes } from "../db/schema";
import { unprocessable } from "../errors";

export type PromoRow = typeof promoCodes.$inferSelect;

/** Why a code does not apply (422 `promo_invalid`, `details.reason`). */
export type PromoRejection = "unknown_code" | "not_started" | "expired" | "exhausted" | "per_user_limit";

export const normalizeCode = (code: string) => code.trim().toUpperCase();

export function promoInvalid(reason: PromoRejection, code: string) {
  const messages: Record<PromoRejection, string> = {
    unknown_code: "This promo code does not exist for this event.",
    not_started: "This promo code is not valid yet.",
    expired: "This promo code has expired.",
    exhausted: "This promo code has been used up.",
    per_user_limit: "You have already used this promo code as often as allowed.",
  };
  return unprocessable("promo_invalid", messages[reason], { reason, code });
}

/** The event's code, checked against its validity window (uses are checked when reserving). */
export async function findApplicablePromo(env: Pick<Env, "DB">, eventId: string, code: string, now = new Date()) {
  const promo = await db(env)
    .select()
    .from(promoCodes)
    .where(and(eq(promoCodes.eventId, eventId), eq(promoCodes.code, normalizeCode(code))))
    .get();
  if (!promo) throw promoInvalid("unknown_code", code);
  if (promo.validFrom && now < new Date(promo.validFrom)) throw promoInvalid("not_started", code);
  if (promo.validTo && now >= new Date(promo.validTo)) throw promoInvalid("expired", code);
  return promo;
}

/** The discount on a subtotal: never more than the subtotal itself. */
export function discountFor(promo: Pick<PromoRow, "percentOff" | "amountOffCents">, subtotalCents: number): number {
  if (promo.percentOff != null) return Math.floor((subtotalCents * promo.percentOff) / 100);
  return Math.min(promo.amountOffCents ?? 0, subtotalCents);
}

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

/** After a failed reservation: which limit stopped it. */
export async function rejectionAfterFailedReserve(env: Pick<Env, "DB">, promo: PromoRow, userId: string): Promise<PromoRejection> {
  if (promo.perUserLimit == null) return "exhausted";
  const row = await env.DB.prepare(
    "SELECT count(*) AS mine FROM promo_redemptions WHERE promo_code_id = ? AND user_id = ? AND state != 'released'",
  )
    .bind(promo.id, userId)
    .first<{ mine: number }>();
  return (row?.mine ?? 0) >= promo.perUserLimit ? "per_user_limit" : "exhausted";
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
