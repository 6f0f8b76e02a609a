/** Organizer promo codes: the creation request, the write and the answer. */
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { db } from "../../platform/db/client";
import { promoCodes } from "../../platform/db/schema";
import { conflict } from "../errors";
import { newId } from "../../shared/ids";
import { normalizeCode, type PromoRow } from "./promo-codes";

/** `POST /api/v1/admin/events/:eventId/promo-codes`. */
export const CreatePromoBody = z
  .object({
    code: z.string().trim().regex(/^[A-Za-z0-9_-]{3,32}$/, "3 to 32 letters, digits, '-' or '_'"),
    percent_off: z.int().min(1).max(100).optional(),
    amount_off_cents: z.int().min(1).max(100_000_000).optional(),
    max_uses: z.int().min(1).max(10_000_000).optional(),
    per_user_limit: z.int().min(1).max(1_000).optional(),
    valid_from: z.iso.datetime({ offset: true }).optional(),
    valid_to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((b) => (b.percent_off === undefined) !== (b.amount_off_cents === undefined), {
    message: "Give exactly one of percent_off and amount_off_cents.",
    path: ["percent_off"],
  })
  .refine((b) => !b.valid_from || !b.valid_to || Date.parse(b.valid_from) < Date.parse(b.valid_to), {
    message: "valid_from must be before valid_to.",
    path: ["valid_to"],
  });

export type CreatePromo = z.infer<typeof CreatePromoBody>;

const iso = (s: string | undefined) => (s ? new Date(s).toISOString() : null);

/** A new code for the event; 409 `promo_code_exists` when the event has that code already. */
export async function createPromoCode(env: Pick<Env, "DB">, eventId: string, b: CreatePromo): Promise<PromoRow> {
  const row = await db(env)
    .insert(promoCodes)
    .values({
      id: newId("prm"),
      eventId,
      code: normalizeCode(b.code),
      percentOff: b.percent_off ?? null,
      amountOffCents: b.amount_off_cents ?? null,
      maxUses: b.max_uses ?? null,
      perUserLimit: b.per_user_limit ?? null,
      validFrom: iso(b.valid_from),
      validTo: iso(b.valid_to),
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!row) throw conflict("promo_code_exists", "This event already has a promo code with that code.");
  return row;
}

/** An event's promo codes, oldest first. */
export function listPromoCodes(env: Env, eventId: string): Promise<PromoRow[]> {
  return db(env).select().from(promoCodes).where(eq(promoCodes.eventId, eventId)).orderBy(asc(promoCodes.createdAt), asc(promoCodes.id)).all();
}

export function promoCodeJson(row: PromoRow) {
  return {
    promo_code_id: row.id,
    event_id: row.eventId,
    code: row.code,
    percent_off: row.percentOff,
    amount_off_cents: row.amountOffCents,
    max_uses: row.maxUses,
    per_user_limit: row.perUserLimit,
    valid_from: row.validFrom,
    valid_to: row.validTo,
    uses: row.uses,
  };
}
