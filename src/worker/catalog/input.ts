/**
 * What organizers send to create venues and events, with every rule that needs no database.
 * Keys, row labels and tier names are restricted to [A-Za-z0-9_] so seat labels
 * `<key>-<row>-<number>` and inventory object names `<eventId>:<key>` split unambiguously.
 */
import { z } from "zod";
import { CurrencyInput, DEFAULT_CURRENCY } from "../money";

const Token = (max: number, what: string) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9_]{1,${max}}$`), `${what}: 1-${max} letters, digits or underscores.`);

export const SectionKey = Token(32, "Section key");
export const RowLabel = Token(16, "Row label");
export const TierName = Token(32, "Price tier");
const Text = (max: number) => z.string().trim().min(1).max(max);

/** Limits that keep one section's inventory a reasonable size for one object. */
export const LIMITS = {
  seatsPerRow: 1_000,
  rowsPerSection: 500,
  reservedSeatsPerSection: 20_000,
  gaCapacity: 100_000,
  sectionsPerVenue: 100,
  seatsPerVenue: 100_000,
  priceTiers: 50,
  maxPriceCents: 100_000_000,
} as const;

export const RowInput = z.object({
  label: RowLabel,
  seats: z.int().min(1).max(LIMITS.seatsPerRow),
  price_tier: TierName,
});

export const ReservedSectionInput = z.object({
  key: SectionKey,
  name: Text(100),
  kind: z.literal("reserved"),
  rows: z.array(RowInput).min(1).max(LIMITS.rowsPerSection),
});

export const GaSectionInput = z.object({
  key: SectionKey,
  name: Text(100),
  kind: z.literal("ga"),
  capacity: z.int().min(1).max(LIMITS.gaCapacity),
  price_tier: TierName,
});

export const SectionInput = z.discriminatedUnion("kind", [ReservedSectionInput, GaSectionInput]);
export type SectionInput = z.infer<typeof SectionInput>;

export function sectionCapacity(s: SectionInput): number {
  return s.kind === "ga" ? s.capacity : s.rows.reduce((n, r) => n + r.seats, 0);
}

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
    /** Every amount of the event (price tiers, promos, orders, payments) is in this currency's minor units. */
    currency: CurrencyInput.default(DEFAULT_CURRENCY),
    waiting_room: WaitingRoomInput.optional(),
  })
  .superRefine((e, ctx) => {
    if (e.ends_at <= e.starts_at) ctx.addIssue({ code: "custom", path: ["ends_at"], message: "ends_at must be after starts_at." });
    if (e.on_sale_at > e.starts_at)
      ctx.addIssue({ code: "custom", path: ["on_sale_at"], message: "on_sale_at must not be after starts_at." });
  });
export type EventInput = z.infer<typeof EventInput>;
