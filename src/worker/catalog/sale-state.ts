/**
 * Telling an event's section objects its sale state (window and published / cancelled), which
 * they check in the same step as every seat write (section-inventory.ts, "Sale state"). Called
 * after D1 has the new state: on publish, on cancel, and by anything that changes the window.
 * Idempotent (the section stores what it is told; a cancel there is final), so a retry or a
 * repeated publish / cancel simply tells again.
 */
import type { EventRow } from "../../platform/db/event-rows";
import type { SectionSale } from "../../shared/inventory/types";
import { unavailable } from "../errors";
import { sectionInventory } from "./inventory";

/** Attempts per section, with a short pause between: a section may be resetting or moving. */
const ATTEMPTS = 3;
const PAUSE_MS = 100;

export function sectionSale(event: Pick<EventRow, "state" | "onSaleAt" | "endsAt">): SectionSale {
  return { state: event.state, onSaleAt: event.onSaleAt, endsAt: event.endsAt };
}

/**
 * Tells every section; answers only when all of them have stored it. Throws 503 when a section
 * still cannot be reached after the retries: the caller must not answer success (a cancel that
 * answered while a section kept selling would be a lie), and repeating the request tells again.
 */
export async function tellSections(env: Pick<Env, "INVENTORY">, event: Pick<EventRow, "id" | "state" | "onSaleAt" | "endsAt">, sectionKeys: string[]): Promise<void> {
  const sale = sectionSale(event);
  const results = await Promise.allSettled(sectionKeys.map((key) => tellOne(env, event.id, key, sale)));
  if (results.some((r) => r.status === "rejected"))
    throw unavailable(2, "Some sections of the event could not be updated; repeat the request.");
}

async function tellOne(env: Pick<Env, "INVENTORY">, eventId: string, key: string, sale: SectionSale): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const stored = await sectionInventory(env, eventId, key).setSale(sale);
      // A cancelled section stays cancelled whatever it is told: that is success too.
      if (stored.state === sale.state || stored.state === "cancelled") return;
      throw new Error(`section ${eventId}:${key} kept sale state ${stored.state}`);
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, PAUSE_MS * attempt));
    }
  }
}
