/**
 * What organizers send to create venues and events, with every rule that needs no database.
 * The section shape and its tokens are in `src/shared/section-input.ts` (also the stored layout).
 */
import { z } from "zod";
import { CurrencyInput, DEFAULT_CURRENCY } from "../money";
import { MAX_LEDGER_SHARDS } from "../../shared/inventory/hold-id";
import { LIMITS, SectionInput, sectionCapacity, Text, TierName } from "../../shared/section-input";

export const VenueInput = z
  .object({
    name: Text(200),
    city: Text(100),
    sections: z.array(SectionInput).min(1).max(LIMITS.sectionsPerVenue),
  })
  .superRefine((v, ctx) => {
    const keys = new Set<string>();
    let total = 0;
    v.sections.forEach((s, i) => {
      if (keys.has(s.key)) ctx.addIssue({ code: "custom", path: ["sections", i, "key"], message: `Duplicate section key ${s.key}.` });
      keys.add(s.key);
      const capacity = sectionCapacity(s);
      total += capacity;
      if (s.kind !== "reserved") return;
      if (capacity > LIMITS.reservedSeatsPerSection)
        ctx.addIssue({
          code: "custom",
          path: ["sections", i, "rows"],
          message: `A reserved section has at most ${LIMITS.reservedSeatsPerSection} seats.`,
        });
      const labels = new Set<string>();
      s.rows.forEach((r, j) => {
        if (labels.has(r.label))
          ctx.addIssue({ code: "custom", path: ["sections", i, "rows", j, "label"], message: `Duplicate row label ${r.label}.` });
        labels.add(r.label);
      });
    });
    if (total > LIMITS.seatsPerVenue)
      ctx.addIssue({ code: "custom", path: ["sections"], message: `A venue has at most ${LIMITS.seatsPerVenue} places.` });
  });
export type VenueInput = z.infer<typeof VenueInput>;

/** RFC 3339 with an offset, stored and answered as UTC `toISOString()` so text order is time order. */
export const Timestamp = z
  .iso.datetime({ offset: true })
  .transform((s, ctx) => {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "Not a valid time." });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

export const WaitingRoomInput = z.object({
  enabled: z.boolean(),
  admit_per_minute: z.int().min(1).max(100_000).default(100),
  session_seconds: z.int().min(60).max(3_600).default(600),
});

const PriceCents = z.int().min(0).max(LIMITS.maxPriceCents);

/**
 * Tier name -> price. Not `z.record`: it drops a `__proto__` key (guarding against prototype
 * pollution), yet a venue may name a tier so. `Object.fromEntries` defines every tier as an own
 * property; read them with own-property lookups (`Object.hasOwn`), never `in` or a bare index.
 */
const PriceTiers = z
  .custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
    message: "Price tiers: an object of tier name -> price in minor units.",
  })
  .transform((raw, ctx) => {
    const tiers: [string, number][] = [];
    for (const [name, value] of Object.entries(raw)) {
      const tier = TierName.safeParse(name);
      const cents = PriceCents.safeParse(value);
      for (const issue of [...(tier.error?.issues ?? []), ...(cents.error?.issues ?? [])]) {
        ctx.addIssue({ code: "custom", message: issue.message, path: [name], input: value });
      }
      if (tier.success && cents.success) tiers.push([name, cents.data]);
    }
    return Object.fromEntries(tiers) as Record<string, number>;
  });

export const EventInput = z
  .object({
    venue_id: z.string().min(1).max(64),
    name: Text(200),
    category: Text(50),
    city: Text(100),
    starts_at: Timestamp,
    ends_at: Timestamp,
    on_sale_at: Timestamp,
    price_tiers: PriceTiers.refine((t) => Object.keys(t).length >= 1 && Object.keys(t).length <= LIMITS.priceTiers, {
      message: `Between 1 and ${LIMITS.priceTiers} price tiers.`,
    }),
    hold_ttl_seconds: z.int().min(60).max(1800).default(600),
    max_tickets_per_user: z.int().min(1).max(50).default(8),
    /** How long a waitlist offer's hold lasts; default: hold_ttl_seconds. */
    waitlist_offer_seconds: z.int().min(60).max(172_800).optional(),
    /** Every amount of the event (price tiers, promos, orders, payments) is in this currency's minor units. */
    currency: CurrencyInput.default(DEFAULT_CURRENCY),
    waiting_room: WaitingRoomInput.optional(),
    /**
     * How many buyer-ledger objects share the event's buyers. No zod default: the column's
     * default (64) applies on create, and a draft edit without it keeps what is stored
     * (0 for a draft made before sharding).
     */
    ledger_shards: z.int().min(1).max(MAX_LEDGER_SHARDS).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.ends_at <= e.starts_at) ctx.addIssue({ code: "custom", path: ["ends_at"], message: "ends_at must be after starts_at." });
    if (e.on_sale_at > e.starts_at)
      ctx.addIssue({ code: "custom", path: ["on_sale_at"], message: "on_sale_at must not be after starts_at." });
  });
export type EventInput = z.infer<typeof EventInput>;
