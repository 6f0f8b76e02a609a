/**
 * New venue page: adds section blocks, shows or hides the fields of each section's kind, and
 * draws the seat map as it is typed (the same row notation the server reads, src/shared/venue-rows.ts).
 * Seats are buttons named "<seat label> available", as on every seat map.
 */
import { parseRows } from "../shared/venue-rows";

/** Drawing more seats than this would only slow typing down; the summary still counts them all. */
const PREVIEW_SEATS = 3000;

const form = document.getElementById("venue-form") as HTMLFormElement | null;
const sections = document.getElementById("sections");
const preview = document.getElementById("preview");
const summary = document.getElementById("preview-summary");
const count = document.getElementById("section-count") as HTMLInputElement | null;

function value(block: Element, name: string): string {
  const el = block.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`[name$="_${name}"]`);
  return el?.value.trim() ?? "";
}

function showKind(block: Element) {
  const ga = value(block, "kind") === "ga";
  block.querySelectorAll<HTMLElement>(".reserved-only").forEach((el) => (el.hidden = ga));
  block.querySelectorAll<HTMLElement>(".ga-only").forEach((el) => (el.hidden = !ga));
}

function render() {
  if (!sections || !preview || !summary) return;
  preview.replaceChildren();
  let seats = 0;
  let drawn = 0;
  const problems: string[] = [];
  sections.querySelectorAll(".section-fields").forEach((block, i) => {
    showKind(block);
    const key = value(block, "key") || `S${i + 1}`;
    const name = value(block, "name") || key;
    const box = document.createElement("div");
    box.className = "preview-section";
    const title = document.createElement("h3");
    title.textContent = name;
    box.append(title);
    if (value(block, "kind") === "ga") {
      const n = Number(value(block, "capacity")) || 0;
      seats += n;
      const ga = document.createElement("p");
      ga.className = "preview-ga";
      ga.textContent = `General admission: ${n} places, tier ${value(block, "tier") || "?"}`;
      box.append(ga);
    } else {
      const parsed = parseRows(value(block, "rows"));
      if (!parsed.ok) problems.push(`Section ${i + 1}: ${parsed.message}`);
      for (const row of parsed.ok ? parsed.rows : []) {
        seats += row.seats;
        const line = document.createElement("div");
        line.className = "preview-row";
        const label = document.createElement("span");
        label.className = "row-label";
        label.textContent = row.label;
        line.append(label);
        for (let n = 1; n <= row.seats && drawn < PREVIEW_SEATS; n++, drawn++) {
          const seat = document.createElement("button");
          seat.type = "button";
          seat.className = `seat tier-${row.price_tier.replace(/[^A-Za-z0-9_-]/g, "")}`;
          seat.setAttribute("aria-label", `${key}-${row.label}-${n} available, tier ${row.price_tier}`);
          seat.tabIndex = -1;
          line.append(seat);
        }
        box.append(line);
      }
    }
    preview.append(box);
  });
  summary.textContent = problems.length > 0 ? problems.join(" ") : `${seats} places${drawn < seats && seats > PREVIEW_SEATS ? ` (first ${PREVIEW_SEATS} seats drawn)` : ""}.`;
}

document.getElementById("add-section")?.addEventListener("click", () => {
  if (!sections || !count) return;
  const first = sections.querySelector(".section-fields");
  if (!first) return;
  const i = sections.querySelectorAll(".section-fields").length;
  const copy = first.cloneNode(true) as HTMLElement;
  copy.dataset.index = String(i);
  copy.querySelector("legend")!.textContent = `Section ${i + 1}`;
  copy.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>("[name]").forEach((el) => {
    el.name = el.name.replace(/^s\d+_/, `s${i}_`);
    el.id = el.id.replace(/^s\d+_/, `s${i}_`);
    if (el instanceof HTMLSelectElement) el.selectedIndex = 0;
    else el.value = "";
  });
  copy.querySelectorAll("label[for]").forEach((l) => l.setAttribute("for", (l.getAttribute("for") ?? "").replace(/^s\d+_/, `s${i}_`)));
  sections.append(copy);
  count.value = String(i + 1);
  render();
  copy.querySelector<HTMLInputElement>("input")?.focus();
});

form?.addEventListener("input", render);
form?.addEventListener("change", render);
render();
