import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { parseRows } from "../../../shared/venue-rows";
import { callApi, type ApiFetch } from "../api-call";
import { Notice } from "../layout";
import { apiGet, formFields, problem } from "./api";
import { AdminLayout } from "./layout";

type VenueJson = { venue_id: string; name: string; city: string; sections: { key: string; name: string; kind: string; capacity: number }[] };

/** One section block of the venue form; the editor script clones the first one. */
export function SectionFields(props: { i: number; values?: Record<string, string> }) {
  const v = (k: string) => props.values?.[`s${props.i}_${k}`] ?? "";
  const kind = v("kind") || "reserved";
  const id = (k: string) => `s${props.i}_${k}`;
  return (
    <fieldset class="section-fields" data-index={props.i}>
      <legend>Section {props.i + 1}</legend>
      <div class="grid">
        <label for={id("key")}>
          Key (seat ids start with it)
          <input id={id("key")} name={id("key")} value={v("key")} pattern="[A-Za-z0-9_\-]{1,32}" placeholder="STALLS" />
        </label>
        <label for={id("name")}>
          Name
          <input id={id("name")} name={id("name")} value={v("name")} placeholder="Stalls" />
        </label>
        <label for={id("kind")}>
          Kind
          <select id={id("kind")} name={id("kind")}>
            <option value="reserved" selected={kind === "reserved"}>
              Reserved seats
            </option>
            <option value="ga" selected={kind === "ga"}>
              General admission
            </option>
          </select>
        </label>
      </div>
      <label for={id("rows")} class="reserved-only">
        Rows: one per line, "row seats tier" ("A-D 12 standard" for several)
        <textarea id={id("rows")} name={id("rows")} rows={4} placeholder={"A 10 standard\nB-C 12 premium"}>
          {v("rows")}
        </textarea>
      </label>
      <div class="grid ga-only">
        <label for={id("capacity")}>
          Places
          <input id={id("capacity")} name={id("capacity")} type="number" min="1" value={v("capacity")} />
        </label>
        <label for={id("tier")}>
          Price tier
          <input id={id("tier")} name={id("tier")} value={v("tier")} placeholder="floor" />
        </label>
      </div>
    </fieldset>
  );
}

function VenueForm(props: { values?: Record<string, string>; count: number; error?: string }) {
  const v = (k: string) => props.values?.[k] ?? "";
  return (
    <AdminLayout title="New venue" scripts={["venue-editor"]}>
      <h1>New venue</h1>
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <div class="two-col">
        <form method="post" action="/admin/venues" class="stack" id="venue-form">
          <label for="venue-name">
            Venue name
            <input id="venue-name" name="name" required value={v("name")} />
          </label>
          <label for="venue-city">
            City
            <input id="venue-city" name="city" required value={v("city")} />
          </label>
          <input type="hidden" name="count" value={String(props.count)} id="section-count" />
          <div id="sections">
            {Array.from({ length: props.count }, (_, i) => (
              <SectionFields i={i} values={props.values} />
            ))}
          </div>
          <button type="button" id="add-section">
            Add a section
          </button>
          <button type="submit" class="primary">
            Create venue
          </button>
        </form>
        <section aria-labelledby="preview-title" class="preview">
          <h2 id="preview-title">Seat map preview</h2>
          <p id="preview-summary" role="status">
            Fill in a section to see its seats.
          </p>
          <div id="preview"></div>
        </section>
      </div>
    </AdminLayout>
  );
}

/** The form's sections in the shape of the API's venue body; a row notation error is a sentence. */
function sectionsFrom(field: (k: string) => string): { ok: true; sections: unknown[] } | { ok: false; error: string } {
  const count = Math.min(Number(field("count")) || 1, 50);
  const sections: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const f = (k: string) => field(`s${i}_${k}`);
    if (!f("key") && !f("name")) continue;
    if (f("kind") === "ga") {
      sections.push({ key: f("key"), name: f("name"), kind: "ga", capacity: Number(f("capacity")), price_tier: f("tier") });
      continue;
    }
    const rows = parseRows(f("rows"));
    if (!rows.ok) return { ok: false, error: `Section ${i + 1}: ${rows.message}` };
    sections.push({ key: f("key"), name: f("name"), kind: "reserved", rows: rows.rows });
  }
  return { ok: true, sections };
}

export function venuePages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();

  pages.get("/admin/venues", async (c) => {
    const { venues } = await apiGet<{ venues: VenueJson[] }>(c, api, "/api/v1/admin/venues");
    return c.html(
      <AdminLayout title="Venues">
        <h1>Venues</h1>
        <p>
          <a class="button primary" href="/admin/venues/new">
            New venue
          </a>
        </p>
        {venues.length === 0 ? (
          <Notice>No venues yet.</Notice>
        ) : (
          <table>
            <caption>Your venues</caption>
            <thead>
              <tr>
                <th scope="col">Venue</th>
                <th scope="col">City</th>
                <th scope="col">Sections</th>
              </tr>
            </thead>
            <tbody>
              {venues.map((v) => (
                <tr>
                  <td>{v.name}</td>
                  <td>{v.city}</td>
                  <td>{v.sections.map((s) => `${s.name} (${s.key}, ${s.kind === "ga" ? "GA" : "reserved"}, ${s.capacity})`).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </AdminLayout>,
    );
  });

  pages.get("/admin/venues/new", (c) => c.html(<VenueForm count={1} />));

  pages.post("/admin/venues", async (c) => {
    const field = await formFields(c);
    const form = await c.req.parseBody();
    const values = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === "string"));
    const count = Math.max(1, Math.min(Number(field("count")) || 1, 50));
    const sections = sectionsFrom(field);
    if (!sections.ok) return c.html(<VenueForm values={values} count={count} error={sections.error} />, 400);
    const res = await callApi(c, api, "POST", "/api/v1/admin/venues", { body: { name: field("name"), city: field("city"), sections: sections.sections } });
    if (!res.ok) return c.html(<VenueForm values={values} count={count} error={problem(res)} />, res.status === 429 ? 429 : 400);
    return c.redirect(`/admin/events/new?venue=${encodeURIComponent((res.body as { venue_id: string }).venue_id)}`, 303);
  });

  return pages;
}
