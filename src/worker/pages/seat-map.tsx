import type { SeatSnapshot } from "../../shared/inventory/types";
import type { SectionSnapshot } from "../../shared/seat-map-wire";
import { formatMoney } from "./format";

/** Seat geometry in SVG units: a seat is SEAT wide, rows and seats are GAP apart. */
const SEAT = 20;
const GAP = 6;
const LABEL_WIDTH = 28;

interface RowLayout {
  label: string;
  price_tier: string;
}

export interface ReservedSectionProps {
  eventId: string;
  name: string;
  section: SectionSnapshot;
  rows: RowLayout[];
  currency: string;
  /** Price tier -> index of its colour (`t-0` ...), shared with the legend. */
  tierIndex: Map<string, number>;
  maxPerBuyer: number;
  onSale: boolean;
}

/** The seat's accessible name: label first, then its status word, then its price. */
export const seatName = (label: string, status: string, price: string) => `${label}, ${status}, ${price}`;

/**
 * A reserved section as SVG rows in layout order. Every seat is a button named
 * "<label>, <status>, <price>"; one seat per section is in the tab order and arrow keys move
 * between seats (roving tabindex), so a section of thousands of seats is one tab stop.
 */
export function ReservedSection(p: ReservedSectionProps) {
  const byRow = new Map<string, SeatSnapshot[]>();
  for (const seat of p.section.seats ?? []) {
    const list = byRow.get(seat.row) ?? [];
    list.push(seat);
    byRow.set(seat.row, list);
  }
  const widest = Math.max(1, ...[...byRow.values()].map((l) => l.length));
  const width = LABEL_WIDTH + widest * (SEAT + GAP);
  const height = Math.max(1, p.rows.length) * (SEAT + GAP);
  let first = true;
  const headingId = `section-${p.section.key}-title`;
  return (
    <section class="seatmap" data-section={p.section.key} data-kind="reserved" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {p.name} <span class="meta" data-available-for={p.section.key}>{`${p.section.available} of ${p.section.capacity} seats available`}</span>
      </h3>
      <div class="zoom-controls" role="group" aria-label={`Zoom ${p.name}`} hidden>
        <button type="button" data-zoom="out" aria-label="Zoom out">−</button>
        <button type="button" data-zoom="fit">Fit</button>
        <button type="button" data-zoom="in" aria-label="Zoom in">+</button>
      </div>
      <div class="seatmap-view" data-natural-width={width}>
        <svg
          viewBox={`0 0 ${width} ${height}`}
          style={`width:${Math.max(width * 1.6, 280)}px`}
          role="group"
          aria-label={`${p.name}: seats by row, stage at the top`}
          class="seats"
        >
          {p.rows.map((row, r) => {
            const seats = (byRow.get(row.label) ?? []).sort((a, b) => a.number - b.number);
            const offset = ((widest - seats.length) * (SEAT + GAP)) / 2;
            const y = r * (SEAT + GAP);
            return (
              <g class={`row t-${p.tierIndex.get(row.price_tier) ?? 0}`} data-row={row.label}>
                <text x={0} y={y + SEAT * 0.75} class="row-label" aria-hidden="true">
                  {row.label}
                </text>
                {seats.map((s, i) => {
                  const price = formatMoney(s.price_cents, p.currency);
                  const tabbable = first && s.status === "available";
                  if (tabbable) first = false;
                  return (
                    // Attributes are kept few: a section can have thousands of seats.
                    <g
                      role="button"
                      tabindex={tabbable ? 0 : -1}
                      class={`seat s-${s.status}`}
                      data-seat={s.seat_id}
                      data-label={s.label === s.seat_id ? undefined : s.label}
                      data-price={price}
                      data-price-cents={s.price_cents}
                      data-status={s.status}
                      aria-label={seatName(s.label, s.status, price)}
                    >
                      <rect x={LABEL_WIDTH + offset + i * (SEAT + GAP)} y={y} width={SEAT} height={SEAT} rx={5} />
                    </g>
                  );
                })}
              </g>
            );
          })}
        </svg>
      </div>
      <BestAvailableForm eventId={p.eventId} section={p.section.key} name={p.name} max={p.maxPerBuyer} onSale={p.onSale} />
    </section>
  );
}

function QuantitySelect(props: { id: string; max: number; label: string }) {
  const options = Array.from({ length: Math.max(1, props.max) }, (_, i) => i + 1);
  return (
    <label for={props.id}>
      {props.label}
      <select id={props.id} name="quantity">
        {options.map((n) => (
          <option value={String(n)} selected={n === 2 || (props.max < 2 && n === 1)}>
            {String(n)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "Best N available": a form that works without scripts (the page route holds and redirects). */
function BestAvailableForm(p: { eventId: string; section: string; name: string; max: number; onSale: boolean }) {
  return (
    <form method="post" action={`/events/${encodeURIComponent(p.eventId)}/holds`} class="hold-form" data-hold-kind="best">
      <input type="hidden" name="section" value={p.section} />
      <QuantitySelect id={`best-${p.section}`} max={p.max} label={`Best seats together in ${p.name}`} />
      <button type="submit" disabled={!p.onSale}>
        Find best seats
      </button>
    </form>
  );
}

/** A general-admission section: price, places left and a quantity picker. */
export function GaSection(p: { eventId: string; name: string; section: SectionSnapshot; currency: string; max: number; onSale: boolean }) {
  const max = Math.min(p.max, p.section.available);
  const headingId = `section-${p.section.key}-title`;
  return (
    <section class="ga" data-section={p.section.key} data-kind="ga" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {p.name} · standing · {formatMoney(p.section.price_cents ?? 0, p.currency)}
      </h3>
      <p class="meta" data-available-for={p.section.key}>
        {p.section.available > 0 ? `${p.section.available} places left` : "Sold out"}
      </p>
      <form method="post" action={`/events/${encodeURIComponent(p.eventId)}/holds`} class="hold-form" data-hold-kind="ga">
        <input type="hidden" name="section" value={p.section.key} />
        <QuantitySelect id={`ga-${p.section.key}`} max={Math.max(1, max)} label="Tickets" />
        <button type="submit" class="primary" disabled={!p.onSale || p.section.available === 0}>
          Hold tickets
        </button>
      </form>
    </section>
  );
}

/** What the colours mean: one swatch per price tier (available seats), and the statuses. */
export function Legend(p: { tiers: [string, number][]; tierIndex: Map<string, number>; currency: string }) {
  return (
    <ul class="legend" aria-label="Seat colours">
      {p.tiers.map(([tier, cents]) => (
        <li>
          <svg width="16" height="16" aria-hidden="true" class="seat s-available" viewBox="0 0 16 16">
            <rect width="16" height="16" rx="4" class={`swatch t-${p.tierIndex.get(tier) ?? 0}`} />
          </svg>
          <span>
            <span class="tier">{tier}</span>: {formatMoney(cents, p.currency)}
          </span>
        </li>
      ))}
      {(["selected", "held", "sold"] as const).map((s) => (
        <li>
          <svg width="16" height="16" aria-hidden="true" class={`seat s-${s}`} viewBox="0 0 16 16">
            <rect width="16" height="16" rx="4" />
          </svg>
          {s === "selected" ? "Your selection" : s === "held" ? "Held by someone" : "Sold"}
        </li>
      ))}
    </ul>
  );
}
