/**
 * A venue section as organizers send it and as it is stored (`venue_sections.layout`), with
 * every rule that needs no database. Keys, row labels and tier names are restricted to
 * [A-Za-z0-9_] so seat labels `<key>-<row>-<number>` and inventory object names
 * `<eventId>:<key>` split unambiguously.
 */
import { z } from "zod";

const Token = (max: number, what: string) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9_]{1,${max}}$`), `${what}: 1-${max} letters, digits or underscores.`);

export const SectionKey = Token(32, "Section key");
export const RowLabel = Token(16, "Row label");
export const TierName = Token(32, "Price tier");
export const Text = (max: number) => z.string().trim().min(1).max(max);

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
