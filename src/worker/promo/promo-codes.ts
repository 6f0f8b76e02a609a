import { and, eq } from "drizzle-orm";
import { db } from "../../platform/db/client";
import { promoCodes } from "../../platform/db/schema";
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
