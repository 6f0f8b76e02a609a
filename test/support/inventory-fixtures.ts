/**
 * Inventory test fixtures that talk to the Durable Objects directly (no catalog routes):
 * hand-built section layouts, section stubs, and raw reads of an object's storage that do not
 * go through its RPC methods (which would apply due expiries on the way).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sectionObjectName } from "../../src/shared/inventory/hold-id";
import type { LayoutSeat, SectionLayout } from "../../src/shared/inventory/types";
import { newId } from "../../src/shared/ids";
import { SectionInventory } from "../../src/durable-objects/section-inventory";

export const newEventId = () => newId("evt");
export const newUserId = () => newId("usr");

/** Seats `<key>-<row>-<n>` for the given rows; price 1000 cents for row A, +100 per later row. */
export function reservedSeats(key: string, rows: { label: string; seats: number }[]): LayoutSeat[] {
  return rows.flatMap((r, ri) =>
    Array.from({ length: r.seats }, (_, i) => {
      const label = `${key}-${r.label}-${i + 1}`;
      return { seat_id: label, label, row: r.label, number: i + 1, price_cents: 1000 + 100 * ri };
    }),
  );
}

export function section(eventId: string, key: string) {
  return env.INVENTORY.getByName(sectionObjectName(eventId, key));
}

/** A fresh, initialised reserved section; returns its stub, event id and seat ids. */
export async function reservedSection(rows: { label: string; seats: number }[], eventId = newEventId(), key = "R") {
  const seats = reservedSeats(key, rows);
  const layout: SectionLayout = { eventId, sectionKey: key, kind: "reserved", seats };
  const stub = section(eventId, key);
  const init = await stub.init(layout);
  if (!init.ok) throw new Error(`init failed: ${init.reason}`);
  return { stub, eventId, key, layout, seatIds: seats.map((s) => s.seat_id) };
}

/** A fresh, initialised GA section. */
export async function gaSection(capacity: number, priceCents = 2500, eventId = newEventId(), key = "GA") {
  const layout: SectionLayout = { eventId, sectionKey: key, kind: "ga", capacity, price_cents: priceCents };
  const stub = section(eventId, key);
  const init = await stub.init(layout);
  if (!init.ok) throw new Error(`init failed: ${init.reason}`);
  return { stub, eventId, key, layout };
}

type Stub = ReturnType<typeof section>;

/** Storage as it is, read without calling any RPC method (so no expiry is applied). */
export function rawSeats(stub: Stub): Promise<{ seat_id: string; status: string; hold_id: string | null }[]> {
  return runInDurableObject(stub, (_i, state) =>
    state.storage.sql.exec<{ seat_id: string; status: string; hold_id: string | null }>("SELECT seat_id, status, hold_id FROM seats ORDER BY position").toArray(),
  );
}

export function rawHolds(stub: Stub): Promise<{ hold_id: string; status: string; quantity: number; expires_at: number }[]> {
  return runInDurableObject(stub, (_i, state) =>
    state.storage.sql
      .exec<{ hold_id: string; status: string; quantity: number; expires_at: number }>("SELECT hold_id, status, quantity, expires_at FROM holds")
      .toArray(),
  );
}

/** Counts as stored: GA counters, or counted from the seats of a reserved section. */
export function rawCounters(stub: Stub): Promise<{ capacity: number; held: number; sold: number }> {
  return runInDurableObject(stub, (_i, state) => {
    const sql = state.storage.sql;
    const { kind } = sql.exec<{ kind: string }>("SELECT kind FROM section").one();
    if (kind === "ga") return sql.exec<{ capacity: number; held: number; sold: number }>("SELECT capacity, held, sold FROM ga_places").one();
    return sql
      .exec<{ capacity: number; held: number; sold: number }>(
        "SELECT COUNT(*) AS capacity, COALESCE(SUM(status = 'held'), 0) AS held, COALESCE(SUM(status = 'sold'), 0) AS sold FROM seats",
      )
      .one();
  });
}

/**
 * Moves a hold's expiry into the past, as if time had passed, but not in the objects'
 * next-expiry caches, so the alarm (which re-reads them) or a restart is what finds it due.
 * Works on a section's stub (through `SectionInventory.backdateForTest`, which also moves the
 * held holds a section keeps in memory) or a buyer ledger's (its `holds` rows).
 */
export function backdateHold(stub: DurableObjectStub, holdId: string, expiresAt = Date.now() - 1): Promise<void> {
  return runInDurableObject(stub, (instance, state) => {
    if (instance instanceof SectionInventory) SectionInventory.backdateForTest(instance, holdId, expiresAt);
    else state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE hold_id = ?", expiresAt, holdId);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A bearer token for a new user id (no account row: holds need only the principal). */
export async function tokenFor(role: "buyer" | "organizer" = "buyer") {
  const { issueSessionToken } = await import("../../src/worker/auth/tokens");
  const userId = newUserId();
  return { userId, token: await issueSessionToken(env, { role, userId }) };
}

export async function staffToken(eventId: string) {
  const { issueSessionToken } = await import("../../src/worker/auth/tokens");
  return issueSessionToken(env, { role: "staff", userId: newUserId(), deviceId: newId("dev"), eventId });
}
