/**
 * The catalog's side of the inventory: turning a venue section and the event's price tiers
 * into the layout a SectionInventory object is created from, and reading its snapshot.
 */
import { unavailable } from "../errors";
import { sectionObjectName } from "../../shared/inventory/hold-id";
import type { SectionLayout, SectionSnapshot } from "../../shared/inventory/types";
import type { VenueSectionRow } from "./venues";

/** The one SectionInventory object of an event section. */
export function sectionInventory(env: Pick<Env, "INVENTORY">, eventId: string, sectionKey: string) {
  return env.INVENTORY.getByName(sectionObjectName(eventId, sectionKey));
}

/** Seat ids equal labels: `<section key>-<row label>-<number>`, numbers from 1. */
export function seatLabel(sectionKey: string, rowLabel: string, number: number): string {
  return `${sectionKey}-${rowLabel}-${number}`;
}

export function sectionLayout(eventId: string, section: VenueSectionRow, priceTiers: Record<string, number>): SectionLayout {
  const price = (tier: string) => {
    // Own properties only: a tier named `constructor` or `__proto__` must not find Object.prototype's.
    const cents = Object.hasOwn(priceTiers, tier) ? priceTiers[tier] : undefined;
    // Event creation refuses tiers the venue uses but the event does not price.
    if (!Number.isSafeInteger(cents)) throw new Error(`price tier ${tier} missing for section ${section.key}`);
    return cents!;
  };
  const layout = section.layout;
  if (layout.kind === "ga")
    return { eventId, sectionKey: section.key, kind: "ga", capacity: layout.capacity, price_cents: price(layout.price_tier) };
  return {
    eventId,
    sectionKey: section.key,
    kind: "reserved",
    seats: layout.rows.flatMap((row) =>
      Array.from({ length: row.seats }, (_, i) => {
        const label = seatLabel(section.key, row.label, i + 1);
        return { seat_id: label, label, row: row.label, number: i + 1, price_cents: price(row.price_tier) };
      }),
    ),
  };
}

/**
 * Creates every section's inventory. Idempotent (init with the same layout is a no-op), so a
 * publish that failed half way is simply retried.
 */
export async function initInventory(
  env: Pick<Env, "INVENTORY">,
  eventId: string,
  sections: VenueSectionRow[],
  priceTiers: Record<string, number>,
): Promise<void> {
  await Promise.all(
    sections.map(async (s) => {
      const result = await sectionInventory(env, eventId, s.key).init(sectionLayout(eventId, s, priceTiers));
      // Layouts are derived from immutable rows, so a mismatch means a bug, not bad input.
      if (!result.ok) throw new Error(`inventory init ${eventId}:${s.key}: ${result.reason}`);
    }),
  );
}

/** Live counts (and seats, for reserved sections) of the given sections of a published event. */
export async function readSnapshots(
  env: Pick<Env, "INVENTORY">,
  eventId: string,
  sections: VenueSectionRow[],
): Promise<SectionSnapshot[]> {
  return Promise.all(
    sections.map(async (s) => {
      const snap = await sectionInventory(env, eventId, s.key).snapshot();
      // Publishing creates every section before the event becomes visible; a missing one
      // is a transient inconsistency (e.g. a publish still in flight), not a client error.
      if (!snap) throw unavailable(2, "The event's seat inventory is not ready yet.");
      return snap;
    }),
  );
}
